import { type Eui64 } from '../protocols/eui.js';
import { GbcsDecodeError } from '../protocols/errors.js';
import { KeyAgreementCache, type Keystore } from '../protocols/crypto/index.js';
import { decodeFrameWithLayout } from '../protocols/gbcs/frame.js';
import { Pki, deriveKeyPair, keystoreOf, seedBytes } from '../protocols/smki/index.js';
import { type Clock, ManualClock } from '../firmware-sim/clock.js';
import type { Emitted } from '../firmware-sim/device.js';
import { Rng } from '../firmware-sim/rng.js';
import { type TrustAnchors, anchorsFromKeystore } from '../firmware-sim/trust.js';
import type { HanTraceRecord } from './han-trace.js';
import { type DeviceCredentials, Premises, type PremisesSpec, type TrafficRecord } from './premises.js';

export interface EstateOptions {
  seed: string;
  premises: Iterable<PremisesSpec>;
  /** Defaults to a manual clock at 2026-01-01T00:00:00Z. */
  clock?: Clock;
  /** Premises are built when first used (default) or all at once (`eager`). */
  materialise?: 'lazy' | 'eager';
  /** Newest traffic lines each premises keeps (default 200). */
  trafficPerPremises?: number;
}

type DecodedFrame = ReturnType<typeof decodeFrameWithLayout>;

/** A frame leaving the estate, with the premises it came from. */
export interface Outbound extends Emitted {
  premises: string;
}

/** Who wants to see the estate's traffic (dashboard, capture, journal); all optional. */
export interface EstateObservers {
  traffic?: (r: TrafficRecord) => void;
  han?: (r: HanTraceRecord) => void;
  /** A premises was built (first command to it, or someone looked inside). */
  built?: (id: string) => void;
}

/**
 * The estate's face to the WAN: premises by id, routing of commands by target EUI, and time. Organisation
 * credentials come from a PKI made from the seed, so a head-end given `keystore` (or the same seed) signs and
 * MACs commands the devices accept.
 *
 * A premises nobody has talked to is only its spec: its devices are built (from the seed, as they would have
 * been at boot) the first time a command reaches it or someone looks inside. That is what lets a laptop hold
 * 100k premises; until then, its meters' registers are a pure function of the seed and the time, so nothing
 * an idle premises would have done is missed. Device keys are derived on first use for the same reason.
 */
export class Estate {
  private readonly specs = new Map<string, PremisesSpec>();
  private readonly live = new Map<string, Premises>();
  private readonly byEui = new Map<Eui64, string>();
  readonly cache = new KeyAgreementCache();
  private readonly rng: Rng;
  private readonly seedKey: Uint8Array;
  private readonly keyMemo = new Map<Eui64, DeviceCredentials>();
  private readonly observers: EstateObservers = {};
  /** When the estate came into being: premises built later start from here, as if built at boot. */
  readonly epochMs: number;
  private readonly trafficPerPremises: number;
  private startup: Outbound[] = [];

  private constructor(
    readonly seed: string,
    readonly keystore: Keystore,
    readonly clock: Clock,
    readonly pki: Pki,
    opts: EstateOptions,
  ) {
    this.rng = Rng.fromSeed(seed);
    this.seedKey = seedBytes(seed);
    this.epochMs = clock.nowMs();
    this.trafficPerPremises = opts.trafficPerPremises ?? 200;
  }

  static async create(opts: EstateOptions): Promise<Estate> {
    const pki = await Pki.create({ seed: opts.seed });
    const keystore = keystoreOf(await pki.issueDefaultOrganisations());
    const estate = new Estate(opts.seed, keystore, opts.clock ?? new ManualClock(Date.UTC(2026, 0, 1)), pki, opts);
    for (const spec of opts.premises) estate.addSpec(spec);
    // Head-ends need the devices' KA (and DS) public keys to MAC commands and to check responses.
    keystore.setResolver((eui, usage) => {
      if (usage === 'pp-ka' || !estate.byEui.has(eui)) return undefined;
      return { privateKey: estate.keysOf(eui)[usage] };
    });
    if (opts.materialise === 'eager') for (const id of estate.specs.keys()) estate.get(id);
    return estate;
  }

  private addSpec(spec: PremisesSpec): void {
    if (this.specs.has(spec.id)) throw new RangeError(`premises id ${spec.id} is used twice`);
    const euis = [spec.hub.eui, ...spec.devices.map((d) => d.eui)];
    for (const e of euis) {
      const other = this.byEui.get(e);
      if (other !== undefined || euis.indexOf(e) !== euis.lastIndexOf(e)) throw new RangeError(`EUI ${e} is in two premises (${other ?? spec.id} and ${spec.id})`);
    }
    this.specs.set(spec.id, spec);
    for (const e of euis) this.byEui.set(e, spec.id);
  }

  private anchorTemplate: TrustAnchors | undefined;

  /** Every device starts with the same anchors, read once from the organisation certificates. */
  private anchors(): TrustAnchors {
    return (this.anchorTemplate ??= anchorsFromKeystore(this.keystore));
  }

  private keysOf(eui: Eui64): DeviceCredentials {
    let k = this.keyMemo.get(eui);
    if (!k) {
      k = { ds: deriveKeyPair(this.seedKey, `device/${eui}/ds`).privateKey, ka: deriveKeyPair(this.seedKey, `device/${eui}/ka`).privateKey };
      this.keyMemo.set(eui, k);
    }
    return k;
  }

  /** Number of premises. */
  get size(): number {
    return this.specs.size;
  }

  /** Premises ids in the order they were given. */
  ids(): IterableIterator<string> {
    return this.specs.keys();
  }

  spec(id: string): PremisesSpec | undefined {
    return this.specs.get(id);
  }

  allSpecs(): IterableIterator<PremisesSpec> {
    return this.specs.values();
  }

  /** Whether a premises has been built (someone talked to it or looked inside). */
  isLive(id: string): boolean {
    return this.live.has(id);
  }

  /** Premises built so far. */
  liveCount(): number {
    return this.live.size;
  }

  livePremises(): IterableIterator<Premises> {
    return this.live.values();
  }

  /** The premises, built now if it was idle; undefined for an unknown id. */
  get(id: string): Premises | undefined {
    const done = this.live.get(id);
    if (done) return done;
    const spec = this.specs.get(id);
    if (!spec) return undefined;
    const clock = new PinnedClock(this.clock, this.epochMs);
    const p = new Premises(spec, {
      clock,
      rng: this.rng.fork(spec.id),
      trust: () => this.anchors().clone(),
      keys: (e) => this.keysOf(e),
      cache: this.cache,
      trafficLimit: this.trafficPerPremises,
      observe: {
        traffic: (r) => this.observers.traffic?.(r),
        han: (r) => this.observers.han?.(r),
      },
    });
    // Its first look at the world (e.g. the Sub GHz noise baseline) is taken at the epoch too, as at boot.
    const first = p.tick();
    clock.release();
    this.live.set(id, p);
    for (const e of [...p.startupAlerts, ...first]) this.startup.push({ ...e, premises: p.id });
    this.observers.built?.(id);
    return p;
  }

  /** The premises an EUI belongs to (built now if idle). */
  premisesOf(eui: Eui64): Premises | undefined {
    const id = this.byEui.get(eui);
    return id === undefined ? undefined : this.get(id);
  }

  premisesIdOf(eui: Eui64): string | undefined {
    return this.byEui.get(eui);
  }

  /** Sets who is told of traffic and HAN frames (one of each; a later call replaces). */
  observe(o: EstateObservers): void {
    if (o.traffic) this.observers.traffic = o.traffic;
    if (o.han) this.observers.han = o.han;
    if (o.built) this.observers.built = o.built;
  }

  /**
   * Alerts raised while premises were built (e.g. Sub GHz joins refused for capacity) and not yet handed out.
   * `send` and `tick` put them first in what they return; each goes out once.
   */
  takeStartupAlerts(): Outbound[] {
    const out = this.startup;
    this.startup = [];
    return out;
  }

  /**
   * A command from the WAN, routed by its target EUI. A frame that cannot be read or names no device of this
   * estate is refused with the reason (the WAN endpoint turns that into an `err` envelope).
   */
  send(bytes: Uint8Array): Outbound[] | { error: string } {
    let decoded: DecodedFrame;
    try {
      decoded = decodeFrameWithLayout(bytes);
    } catch (e) {
      if (e instanceof GbcsDecodeError) return { error: `not a GBCS frame: ${e.message}` };
      throw e;
    }
    const frame = decoded.frame;
    const target = frame.kind === 'gbt' ? frame.target : frame.header.target;
    const p = this.premisesOf(target);
    if (!p) return { error: `no device ${target} in this estate` };
    const out = this.startup.length ? this.takeStartupAlerts() : [];
    for (const e of p.fromWan(bytes, decoded)) out.push(Object.assign(e, { premises: p.id }));
    return out;
  }

  /** Let time pass everywhere (call after moving the clock). Idle premises have nothing to do. */
  tick(): Outbound[] {
    const out = this.startup.length ? this.takeStartupAlerts() : [];
    for (const p of this.live.values()) for (const e of p.tick()) out.push(Object.assign(e, { premises: p.id }));
    return out;
  }
}

/**
 * The estate's clock, held at the estate's epoch while a premises is built, so a premises built late starts
 * from the same state it would have had at boot and catches up on its first tick or command.
 */
class PinnedClock implements Clock {
  private pinned: number | null;
  constructor(
    private readonly clock: Clock,
    at: number,
  ) {
    this.pinned = at;
  }
  release(): void {
    this.pinned = null;
  }
  nowMs(): number {
    return this.pinned ?? this.clock.nowMs();
  }
  now(): Date {
    return new Date(this.nowMs());
  }
}
