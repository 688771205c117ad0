import type { Eui64 } from '../protocols/eui.js';
import type { Clock } from '../firmware-sim/clock.js';
import type { DeviceKind } from '../firmware-sim/device.js';
import { CompositeModel } from '../firmware-sim/models/composite.js';
import { createModel } from '../firmware-sim/models/index.js';
import { Rng } from '../firmware-sim/rng.js';
import { newSharedState } from '../firmware-sim/shared.js';
import { createAsn1Engine } from '../firmware-sim/asn1/engine.js';
import { createDlmsEngine } from '../firmware-sim/dlms/engine.js';
import { HanRadio } from './radio/model.js';
import { SubGhzController, type SubGhzOptions } from './subghz/controller.js';
import { SubGhzEngine } from './subghz/engine.js';

export type HubBand = 'single' | 'dual';

export interface ChfModelOptions {
  band: HubBand;
  /** The hub's radio (shared with the premises' HAN); a fresh one from `rng` if absent. */
  radio?: HanRadio;
  subGhz?: SubGhzOptions;
}

/**
 * The comms hub function's model: the CHF's DLMS and ASN.1 use cases, plus the Sub GHz controller on a
 * dual band hub (DBCH use cases and alerts). A single band hub has no Sub GHz objects.
 */
export function createChfModel(
  env: { eui: Eui64; rng: Rng; clock: Clock },
  opts: ChfModelOptions,
): { model: CompositeModel; subGhz: SubGhzController | null; radio: HanRadio } {
  const shared = newSharedState();
  const e = { ...env, kind: 'chf' as const, shared };
  const radio = opts.radio ?? new HanRadio(env.rng.fork('radio'));
  const subGhz = opts.band === 'dual' ? new SubGhzController(radio, opts.subGhz) : null;
  const dlms = createDlmsEngine(e);
  const engine = new SubGhzEngine(dlms, subGhz);
  const model = new CompositeModel('chf', { dlms: engine, asn1: createAsn1Engine(e) }, dlms);
  return { model, subGhz, radio };
}

/** Models for every kind, with comms hubs as dual band hubs (what the conformance runner builds). */
export function createModelWithHubs(kind: DeviceKind, env: { eui: Eui64; rng: Rng; clock: Clock }): CompositeModel {
  if (kind === 'chf') return createChfModel(env, { band: 'dual' }).model;
  return createModel(kind, env);
}
