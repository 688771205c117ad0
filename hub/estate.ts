import { type Eui64 } from '../protocols/eui.js';
import { GbcsDecodeError } from '../protocols/errors.js';
import { KeyAgreementCache, type Keystore } from '../protocols/crypto/index.js';
import { type GbcsFrame, decodeFrame } from '../protocols/gbcs/frame.js';
import { Pki, deriveKeyPair, keystoreOf, seedBytes } from '../protocols/smki/index.js';
import { type Clock, ManualClock } from '../firmware-sim/clock.js';
import type { Emitted } from '../firmware-sim/device.js';
import { Rng } from '../firmware-sim/rng.js';
import { anchorsFromKeystore } from '../firmware-sim/trust.js';
import { Premises, type PremisesSpec } from './premises.js';

export interface EstateOptions {
  seed: string;
  premises: PremisesSpec[];
  /** Defaults to a manual clock at 2026-01-01T00:00:00Z. */
  clock?: Clock;
}

/** A frame leaving the estate, with the premises it came from. */
export interface Outbound extends Emitted {
  premises: string;
}

/**
 * The estate's face to the WAN: premises by id, routing of commands by target EUI, and time. Organisation
 * credentials come from a PKI made from the seed, so a head-end given `keystore` (or the same seed) signs and
 * MACs commands the devices accept.
 */
export class Estate {
  readonly premises = new Map<string, Premises>();
  private readonly byEui = new Map<Eui64, Premises>();
  readonly cache = new KeyAgreementCache();

  private constructor(
    readonly seed: string,
    readonly keystore: Keystore,
    readonly clock: Clock,
    readonly pki: Pki,
  ) {}

  static async create(opts: EstateOptions): Promise<Estate> {
    const pki = await Pki.create({ seed: opts.seed });
    const keystore = keystoreOf(await pki.issueDefaultOrganisations());
    const estate = new Estate(opts.seed, keystore, opts.clock ?? new ManualClock(Date.UTC(2026, 0, 1)), pki);
    const seed = seedBytes(opts.seed);
    const keysOf = (e: Eui64) => ({ ds: deriveKeyPair(seed, `device/${e}/ds`).privateKey, ka: deriveKeyPair(seed, `device/${e}/ka`).privateKey });
    const rng = Rng.fromSeed(opts.seed);
    for (const spec of opts.premises) {
      if (estate.premises.has(spec.id)) throw new RangeError(`premises id ${spec.id} is used twice`);
      const p = new Premises(spec, { clock: estate.clock, rng: rng.fork(spec.id), trust: () => anchorsFromKeystore(keystore), keys: keysOf, cache: estate.cache });
      estate.premises.set(spec.id, p);
      for (const e of [spec.hub.eui, ...spec.devices.map((d) => d.eui)]) {
        if (estate.byEui.has(e)) throw new RangeError(`EUI ${e} is in two premises`);
        estate.byEui.set(e, p);
        // Head-ends need the devices' KA public keys to MAC commands and to read responses.
        keystore.add(e, 'ka', { privateKey: keysOf(e).ka });
        keystore.add(e, 'ds', { privateKey: keysOf(e).ds });
      }
    }
    return estate;
  }

  premisesOf(eui: Eui64): Premises | undefined {
    return this.byEui.get(eui);
  }

  /** Alerts raised while the estate was built (e.g. Sub GHz joins refused for capacity). */
  startupAlerts(): Outbound[] {
    return [...this.premises.values()].flatMap((p) => p.startupAlerts.map((e) => ({ ...e, premises: p.id })));
  }

  /**
   * A command from the WAN, routed by its target EUI. A frame that cannot be read or names no device of this
   * estate is refused with the reason (the WAN endpoint turns that into an `err` envelope).
   */
  send(bytes: Uint8Array): Outbound[] | { error: string } {
    let frame: GbcsFrame;
    try {
      frame = decodeFrame(bytes);
    } catch (e) {
      if (e instanceof GbcsDecodeError) return { error: `not a GBCS frame: ${e.message}` };
      throw e;
    }
    const target = frame.kind === 'gbt' ? frame.target : frame.header.target;
    const p = this.byEui.get(target);
    if (!p) return { error: `no device ${target} in this estate` };
    return p.fromWan(bytes, frame).map((e) => ({ ...e, premises: p.id }));
  }

  /** Let time pass everywhere (call after moving the clock). */
  tick(): Outbound[] {
    return [...this.premises.values()].flatMap((p) => p.tick().map((e) => ({ ...e, premises: p.id })));
  }
}
