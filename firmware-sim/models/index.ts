import type { Eui64 } from '../../protocols/eui.js';
import type { Clock } from '../clock.js';
import type { DeviceKind } from '../device.js';
import type { Rng } from '../rng.js';
import { type DeviceTraits, newSharedState } from '../shared.js';
import { createAsn1Engine } from '../asn1/engine.js';
import { createDlmsEngine } from '../dlms/engine.js';
import { createGbzEngine } from '../gbz/engine.js';
import { CompositeModel } from './composite.js';

/**
 * The model of each device kind: ESME and CHF speak DLMS, gas and HAN devices speak GBZ, and all of them take
 * the ASN.1 security-credential, join and firmware use cases.
 */
export function createModel(kind: DeviceKind, env: { eui: Eui64; rng: Rng; clock: Clock; traits?: DeviceTraits }): CompositeModel {
  const shared = newSharedState();
  const e = { ...env, kind, shared };
  const asn1 = createAsn1Engine(e);
  if (kind === 'esme' || kind === 'chf') {
    const dlms = createDlmsEngine(e);
    return new CompositeModel(kind, { dlms, asn1 }, dlms);
  }
  const gbz = createGbzEngine(e);
  return new CompositeModel(kind, { gbz, asn1 }, gbz);
}
