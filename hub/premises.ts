import type { KeyObject } from 'node:crypto';
import type { Eui64 } from '../protocols/eui.js';
import { GbcsDecodeError } from '../protocols/errors.js';
import type { KeyAgreementCache } from '../protocols/crypto/index.js';
import { toHex } from '../protocols/bytes.js';
import { CRA_FLAG, type FrameLayout, type GbcsFrame, decodeFrameWithLayout } from '../protocols/gbcs/frame.js';
import { plainAlert } from '../firmware-sim/dlms/alerts.js';
import type { Clock } from '../firmware-sim/clock.js';
import { Device, type DeviceKind, type Emitted } from '../firmware-sim/device.js';
import { createModel } from '../firmware-sim/models/index.js';
import type { Rng } from '../firmware-sim/rng.js';
import { ROLE, type TrustAnchors } from '../firmware-sim/trust.js';
import { type HubBand, createChfModel } from './chf.js';
import { type Band, type HanChannel, check24 } from './radio/channels.js';
import { HanRadio } from './radio/model.js';
import type { SubGhzController, SubGhzOptions } from './subghz/controller.js';
import { subGhzAlertSpec } from './subghz/engine.js';
import type { HanTraceRecord } from './han-trace.js';

/** CHTS and GBCS versions a hub is built to; dual band needs CHTS 1.1 and GBCS 2.0 or later. */
export type ChtsVersion = '1.0' | '1.1';
export type GbcsVersion = '1.1' | '2.0' | '2.1';

export interface HubSpec {
  eui: Eui64;
  band: HubBand;
  chts: ChtsVersion;
  gbcs: GbcsVersion;
  /** 2.4 GHz operating channel (11-26). */
  channel24: number;
  subGhz?: SubGhzOptions;
}

export interface DeviceSpec {
  kind: Exclude<DeviceKind, 'chf'>;
  eui: Eui64;
  /** Which radio it joins on; Sub GHz only on a dual band hub. */
  band: Band;
  /** Received signal strength at the hub with no interference. */
  rssiDbm: number;
  /** Meters: how the customer pays (default: the model's own, credit). */
  paymentMode?: 'credit' | 'prepayment';
  /** Electricity meters: typical annual import in kWh (default: drawn from the seed). */
  annualKWh?: number;
  /** Electricity meters: PV peak power in kW, 0 for none (default: drawn from the seed). */
  solarKwp?: number;
  /** Electricity meters: share of the load that is electric heating, 0..1 (default: drawn from the seed). */
  heatingShare?: number;
}

export interface PremisesSpec {
  id: string;
  hub: HubSpec;
  devices: DeviceSpec[];
}

export class PremisesError extends Error {
  override readonly name = 'PremisesError';
}

/** One line of traffic, as the scenario runner and the dashboard show it. */
export interface TrafficRecord {
  atMs: number;
  premises: string;
  /** `wan-in`: from a head-end; `wan-out`: to one; `han-drop`: lost on the HAN or discarded by duty cycle. */
  direction: 'wan-in' | 'wan-out' | 'han-drop';
  from: Eui64 | 'unknown';
  to: Eui64 | 'unknown';
  messageCode: number;
  cra: 'command' | 'response' | 'alert' | 'unknown';
  bytes: Uint8Array;
  /** The frame as upper-case hex, made when read (most records are never shown). */
  readonly hex: string;
  note?: string;
}

export interface DeviceCredentials {
  ds: KeyObject;
  ka: KeyObject;
}

export interface PremisesEnv {
  clock: Clock;
  rng: Rng;
  trust: () => TrustAnchors;
  keys: (eui: Eui64) => DeviceCredentials;
  cache: KeyAgreementCache;
  /** Newest traffic lines kept in `traffic` (default 10,000). */
  trafficLimit?: number;
  /** Told of every traffic line and every HAN frame, e.g. by a dashboard or a capture. */
  observe?: {
    traffic?: (r: TrafficRecord) => void;
    han?: (r: HanTraceRecord) => void;
  };
}

const FAILURE_TO_DELIVER = 0x00d5;
const FAILURE_TO_DELIVER_ALERT = 0x8f84;

/**
 * A premises: a comms hub (CHF + HAN radio, single or dual band) and the devices joined to it. Commands
 * from the WAN are routed by their target EUI: the CHF answers its own, other devices are reached over the
 * HAN radio model, which may lose, retry, or (Sub GHz under duty-cycle management) discard them.
 */
export class Premises {
  readonly id: string;
  readonly spec: PremisesSpec;
  readonly chf: Device;
  readonly radio: HanRadio;
  readonly subGhz: SubGhzController | null;
  readonly devices = new Map<Eui64, Device>();
  private readonly deviceSpecs = new Map<Eui64, DeviceSpec>();
  private readonly env: PremisesEnv;
  /** The newest traffic (at least `trafficLimit` lines once there were that many). */
  readonly traffic: TrafficRecord[] = [];
  private readonly trafficLimit: number;
  /** Alerts raised while the premises was put together (e.g. a Sub GHz join refused for capacity). */
  readonly startupAlerts: Emitted[] = [];

  constructor(spec: PremisesSpec, env: PremisesEnv) {
    if (spec.hub.band === 'dual' && (spec.hub.chts !== '1.1' || spec.hub.gbcs === '1.1')) {
      throw new PremisesError(`premises ${spec.id}: a dual band hub needs CHTS 1.1 and GBCS 2.0 or later (has CHTS ${spec.hub.chts}, GBCS ${spec.hub.gbcs})`);
    }
    check24(spec.hub.channel24);
    this.id = spec.id;
    this.spec = spec;
    this.env = env;
    this.trafficLimit = env.trafficLimit ?? 10_000;
    this.radio = new HanRadio(env.rng.fork(`${spec.id}/radio`));
    const chfRng = env.rng.fork(`${spec.id}/${spec.hub.eui}`);
    const { model, subGhz } = createChfModel(
      { eui: spec.hub.eui, rng: chfRng, clock: env.clock },
      { band: spec.hub.band, radio: this.radio, ...(spec.hub.subGhz ? { subGhz: spec.hub.subGhz } : {}) },
    );
    this.subGhz = subGhz;
    const chfKeys = env.keys(spec.hub.eui);
    this.chf = new Device({ eui: spec.hub.eui, model, keys: chfKeys, trust: env.trust(), clock: env.clock, rng: chfRng, cache: env.cache, alertCounter: 4000n });
    for (const d of spec.devices) this.addDevice(d);
  }

  private addDevice(d: DeviceSpec): void {
    if (d.band === 'subGHz' && !this.subGhz) throw new PremisesError(`premises ${this.id}: ${d.eui} cannot join on Sub GHz: the hub is single band`);
    if (this.devices.has(d.eui) || d.eui === this.spec.hub.eui) throw new PremisesError(`premises ${this.id}: EUI ${d.eui} is used twice`);
    const rng = this.env.rng.fork(`${this.id}/${d.eui}`);
    const traits = {
      ...(d.paymentMode ? { paymentMode: d.paymentMode } : {}),
      ...(d.annualKWh !== undefined ? { annualKWh: d.annualKWh } : {}),
      ...(d.solarKwp !== undefined ? { solarKwp: d.solarKwp } : {}),
      ...(d.heatingShare !== undefined ? { heatingShare: d.heatingShare } : {}),
    };
    const model = createModel(d.kind, { eui: d.eui, rng, clock: this.env.clock, traits });
    const device = new Device({ eui: d.eui, model, keys: this.env.keys(d.eui), trust: this.env.trust(), clock: this.env.clock, rng, cache: this.env.cache, alertCounter: 2000n });
    this.devices.set(d.eui, device);
    this.deviceSpecs.set(d.eui, d);
    this.radio.join({ eui: d.eui, band: d.band, baseRssiDbm: d.rssiDbm });
    if (d.band === 'subGHz') {
      const refused = this.subGhz!.join(d.eui, this.env.clock.nowMs());
      if (refused) this.startupAlerts.push(...this.emitFromChf([this.chf.emitAlert(subGhzAlertSpec(refused))]));
    }
  }

  /** The hub's operating channel on `band` now; PremisesError for Sub GHz on a single band hub. */
  operatingChannel(band: Band): HanChannel {
    if (band === '2.4GHz') return { band, channel: this.spec.hub.channel24 };
    if (!this.subGhz) throw new PremisesError(`premises ${this.id} has a single band hub: no Sub GHz radio`);
    return this.subGhz.operatingChannel;
  }

  /** The channel a device's traffic uses now. */
  channelOf(eui: Eui64): HanChannel {
    const spec = this.deviceSpecs.get(eui);
    if (spec?.band === 'subGHz' && this.subGhz) return this.subGhz.operatingChannel;
    return { band: '2.4GHz', channel: this.spec.hub.channel24 };
  }

  /**
   * A command from a head-end. Returns the frames going back to the WAN (responses and alerts). `frame` is
   * the caller's decoding of `bytes` when it has one (the estate decodes to route), so it is not done twice.
   */
  fromWan(bytes: Uint8Array, decoded: { frame: GbcsFrame; layout: FrameLayout } | null = decodeOrNull(bytes)): Emitted[] {
    const now = this.env.clock.nowMs();
    const frame = decoded?.frame ?? null;
    const given = decoded ?? undefined;
    const target = frame ? (frame.kind === 'gbt' ? frame.target : frame.header.target) : undefined;
    this.record(now, 'wan-in', bytes, summaryOf(frame));
    if (!target || target === this.chf.eui) return this.emitFromChf(this.chf.receive(bytes, given));
    const device = this.devices.get(target);
    if (!device) {
      // Not in the device log: the CHF cannot route it (the DCC would not have sent it).
      return [];
    }
    const out: Emitted[] = [];
    if (!this.crossHan(target, bytes, now, out, frame ?? undefined)) return this.emitFromChf(out);
    const answers = device.receive(bytes, given);
    for (const a of answers) {
      // Devices' answers cross the HAN back to the hub; losses are retried by the MAC, then dropped.
      const ch = this.channelOf(target);
      const t = this.radio.transmit(target, ch, a.bytes.length, now);
      this.trace(now, target, this.chf.eui, ch, a.bytes, t.delivered);
      if (t.delivered) out.push(a);
      else this.record(now, 'han-drop', a.bytes, summaryOfEmitted(a), `lost on the HAN after ${t.attempts} attempts`);
    }
    return this.emitFromChf(out);
  }

  /** The hub sends `bytes` to a device over the HAN; false (with a CHF alert in `out`) when it cannot. */
  private crossHan(target: Eui64, bytes: Uint8Array, now: number, out: Emitted[], frame: GbcsFrame | undefined): boolean {
    const ch = this.channelOf(target);
    const airtime = this.radio.airtimeMs(ch.band, bytes.length);
    if (ch.band === 'subGHz' && this.subGhz && frame && frame.kind !== 'gbt') {
      const h = frame.header;
      const discard = this.subGhz.admit(now, airtime, { originator: h.originator, target: h.target, cra: CRA_FLAG[h.cra], counter: h.counter });
      if (discard) {
        this.trace(now, this.chf.eui, target, ch, bytes, false);
        this.record(now, 'han-drop', bytes, summaryOf(frame), 'discarded under duty-cycle management');
        out.push(this.chf.emitAlert(subGhzAlertSpec(discard)));
        return false;
      }
    }
    const t = this.radio.transmit(target, ch, bytes.length, now);
    this.trace(now, this.chf.eui, target, ch, bytes, t.delivered);
    if (ch.band === 'subGHz' && this.subGhz) {
      for (const a of this.subGhz.recordTransmit(now, t.airtimeMs, target)) out.push(this.chf.emitAlert(subGhzAlertSpec(a)));
    }
    if (t.delivered) return true;
    this.record(now, 'han-drop', bytes, summaryOf(frame ?? null), `lost on the HAN after ${t.attempts} attempts`);
    if (frame && frame.kind !== 'gbt') out.push(this.failureToDeliver(frame.header));
    return false;
  }

  private failureToDeliver(h: { originator: Eui64; target: Eui64; cra: 'command' | 'response' | 'alert'; counter: bigint }): Emitted {
    const hex = `${h.originator}${h.target}${CRA_FLAG[h.cra].toString(16).padStart(2, '0')}${h.counter.toString(16).padStart(16, '0')}`.toUpperCase();
    return this.chf.emitAlert({
      messageCode: FAILURE_TO_DELIVER,
      alertCode: FAILURE_TO_DELIVER_ALERT,
      to: this.chf.trust.roleOf(h.originator) !== undefined ? h.originator : ROLE.supplier,
      critical: false,
      payload: (counter, at) => plainAlert(counter, FAILURE_TO_DELIVER_ALERT, at, { type: 'octet-string', hex }),
    });
  }

  /** Let time pass for everything in the premises; alerts go out to the WAN. */
  tick(): Emitted[] {
    const now = this.env.clock.nowMs();
    const out: Emitted[] = [...this.chf.tick()];
    for (const [eui, d] of this.devices) {
      for (const a of d.tick()) {
        const ch = this.channelOf(eui);
        const t = this.radio.transmit(eui, ch, a.bytes.length, now);
        this.trace(now, eui, this.chf.eui, ch, a.bytes, t.delivered);
        if (t.delivered) out.push(a);
        else this.record(now, 'han-drop', a.bytes, summaryOfEmitted(a), `alert lost on the HAN after ${t.attempts} attempts`);
      }
    }
    this.radio.forget(now - 86_400_000);
    return this.emitFromChf(out);
  }

  /** Inject interference on one of this premises' channels. */
  inject(channel: HanChannel, levelDbm: number, durationMs: number): void {
    const now = this.env.clock.nowMs();
    this.radio.inject({ channel, levelDbm, fromMs: now, toMs: now + durationMs });
  }

  private emitFromChf(out: Emitted[]): Emitted[] {
    for (const e of out) this.record(this.env.clock.nowMs(), 'wan-out', e.bytes, summaryOfEmitted(e));
    return out;
  }

  private record(atMs: number, direction: TrafficRecord['direction'], bytes: Uint8Array, who: FrameSummary, note?: string): void {
    const r: TrafficRecord = {
      atMs,
      premises: this.id,
      direction,
      ...who,
      bytes,
      get hex() {
        return toHex(bytes);
      },
      ...(note ? { note } : {}),
    };
    this.traffic.push(r);
    // Trimmed in batches so a busy premises does not shift its log on every message.
    if (this.traffic.length > this.trafficLimit * 2) this.traffic.splice(0, this.traffic.length - this.trafficLimit);
    this.env.observe?.traffic?.(r);
  }

  private trace(atMs: number, from: Eui64, to: Eui64, ch: HanChannel, bytes: Uint8Array, delivered: boolean): void {
    const han = this.env.observe?.han;
    if (!han) return;
    const channel = ch.band === 'subGHz' ? `${ch.page}/${ch.index}` : ch.channel;
    han({ atMs, premises: this.id, band: ch.band, channel, from, to, bytes, delivered, hubEui: this.chf.eui });
  }
}

type FrameSummary = Pick<TrafficRecord, 'from' | 'to' | 'messageCode' | 'cra'>;

function decodeOrNull(bytes: Uint8Array): { frame: GbcsFrame; layout: FrameLayout } | null {
  try {
    return decodeFrameWithLayout(bytes);
  } catch (e) {
    if (e instanceof GbcsDecodeError) return null;
    throw e;
  }
}

function summaryOf(f: GbcsFrame | null): FrameSummary {
  if (!f) return { from: 'unknown', to: 'unknown', messageCode: 0, cra: 'unknown' };
  if (f.kind === 'gbt') return { from: f.originator, to: f.target, messageCode: f.messageCode, cra: f.cra };
  return { from: f.header.originator, to: f.header.target, messageCode: f.header.otherInfo.messageCode, cra: f.header.cra };
}

function summaryOfEmitted(e: Emitted): FrameSummary {
  return { from: e.from, to: e.to, messageCode: e.messageCode, cra: e.kind };
}
