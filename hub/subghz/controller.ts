import type { Eui64 } from '../../protocols/eui.js';
import type { DlmsData } from '../../protocols/gbcs/dlms/index.js';
import { type HanChannel, type SubGhzChannel, channelKey, channelWord, channelsOfWord } from '../radio/channels.js';
import { DutyCycleWindow } from '../radio/duty-cycle.js';
import type { HanRadio } from '../radio/model.js';
import { type SubGhzConfig, DEFAULT_SUBGHZ_CONFIG, allowedChannelWords, configToData } from './config.js';

/** Sub GHz alert codes (GBCS 0x8F20-0x8F2D) and the message codes RTDS carries them with (DBCH06-11). */
export const SUBGHZ_ALERT = {
  limitedDutyCycle: 0x8f20,
  belowNormalLimited: 0x8f21,
  criticalDutyCycle: 0x8f22,
  belowLimitedCritical: 0x8f23,
  regulatedDutyCycle: 0x8f24,
  belowCriticalRegulated: 0x8f25,
  channelChanged: 0x8f26,
  scanInitiated: 0x8f27,
  scanOutcome: 0x8f28,
  threeLostGsmeSearches: 0x8f29,
  configChanged: 0x8f2a,
  notChangedAgility: 0x8f2b,
  messageDiscarded: 0x8f2c,
  capacityExhausted: 0x8f2d,
} as const;

/**
 * Message codes of the Sub GHz alerts RTDS shows (DBCH06-11). The others (0x8F21-25, 0x8F27, 0x8F29,
 * 0x8F2B) have no use case of their own in RTDS 4.5.0; we send them as Generic Non Critical Alerts.
 */
export const SUBGHZ_ALERT_MESSAGE_CODE: Readonly<Record<number, number>> = {
  0x8f20: 0x0110,
  0x8f26: 0x0111,
  0x8f28: 0x0112,
  0x8f2a: 0x0113,
  0x8f2c: 0x0114,
  0x8f2d: 0x0115,
};
export const GNCA_MESSAGE_CODE = 0x1001;

export type DutyLevel = 'normal' | 'limited' | 'critical' | 'regulated';

/** A Sub GHz alert the controller decided to raise: code plus the alert-specific DLMS body (if any). */
export interface SubGhzAlert {
  alertCode: number;
  messageCode: number;
  atMs: number;
  body?: DlmsData;
}

export interface ChannelLogEntry {
  atMs: number;
  alertCode: number;
  /** The alert body flattened as RTDS's DBCH02 log shows it: channel word (4) ‖ `09 01 xx`. */
  data: Uint8Array;
}

export interface SubGhzOptions {
  config?: SubGhzConfig;
  operating?: SubGhzChannel;
  /** Regulatory duty-cycle limit (hundredths of %); not configurable over the air. Our default: 2.5 %. */
  regulatedLimit?: number;
  /** Sub GHz devices the hub can serve at once (DBCH11 when exceeded). */
  capacity?: number;
}

const WEEK_MS = 7 * 86_400_000;
const octet = (...b: number[]): DlmsData => ({ type: 'octet-string', hex: b.map((x) => x.toString(16).padStart(2, '0')).join('').toUpperCase() });
const word32 = (w: number): DlmsData => ({ type: 'bit-string', bits: 32, hex: (w >>> 0).toString(16).toUpperCase().padStart(8, '0') });

/**
 * The comms hub's Sub GHz side (GBCS v2 dual band, CHTS v1.1): operating channel and its log, the
 * configuration, channel scans and frequency agility, duty-cycle management and device capacity. Every
 * alert it returns comes from a state change it measured on the radio model, never from a script.
 */
export class SubGhzController {
  config: SubGhzConfig;
  operating: SubGhzChannel;
  readonly log: ChannelLogEntry[] = [];
  level: DutyLevel = 'normal';
  readonly duty = new DutyCycleWindow();
  readonly regulatedLimit: number;
  readonly capacity: number;
  private changes: number[] = [];
  private changeSequence = 0;
  /** Noise on the operating channel when it was chosen: agility compares against it. */
  private baselineNoiseDbm: number | undefined;
  private lastObservationMs: number | undefined;
  readonly devices = new Set<Eui64>();

  constructor(
    readonly radio: HanRadio,
    opts: SubGhzOptions = {},
  ) {
    this.config = { ...(opts.config ?? DEFAULT_SUBGHZ_CONFIG) };
    this.operating = opts.operating ?? { page: 28, index: 0 };
    this.regulatedLimit = opts.regulatedLimit ?? 250;
    this.capacity = opts.capacity ?? 16;
  }

  get operatingChannel(): HanChannel {
    return { band: 'subGHz', ...this.operating };
  }

  allowedChannels(): SubGhzChannel[] {
    return allowedChannelWords(this.config).flatMap((w) => channelsOfWord(w));
  }

  /** DBCH04: a new configuration; raises 0x8F2A carrying it. */
  setConfig(c: SubGhzConfig, atMs: number): SubGhzAlert[] {
    this.config = { ...c };
    const out: SubGhzAlert[] = [{ alertCode: SUBGHZ_ALERT.configChanged, messageCode: 0x0113, atMs, body: configToData(c) }];
    // A channel no longer allowed must be left at once.
    if (!this.allowedChannels().some((x) => x.page === this.operating.page && x.index === this.operating.index)) {
      out.push(...this.assess(atMs, true));
    }
    return out;
  }

  /** DBCH05: scan now and decide (0x8F27 initiated, 0x8F28 outcome, and 0x8F26 or 0x8F2B). */
  requestScan(atMs: number): SubGhzAlert[] {
    return [{ alertCode: SUBGHZ_ALERT.scanInitiated, messageCode: GNCA_MESSAGE_CODE, atMs }, ...this.assess(atMs, false)];
  }

  /**
   * Periodic check (the local noise measurement period): noise on the operating channel risen by the
   * Noisier threshold over its baseline starts a frequency-agility assessment.
   */
  observe(atMs: number, now = false): SubGhzAlert[] {
    // Noise is measured once per LocalCHNoiseMeasurementPeriod (read as seconds; the corpus gives no unit),
    // unless a caller asks for a measurement now.
    const period = Math.max(1, this.config.localChNoiseMeasurementPeriod) * 1000;
    if (!now && this.lastObservationMs !== undefined && atMs - this.lastObservationMs < period) return [];
    this.lastObservationMs = atMs;
    const noise = this.radio.energyDetect(this.operatingChannel, atMs);
    if (this.baselineNoiseDbm === undefined) {
      this.baselineNoiseDbm = noise;
      return [];
    }
    if (noise - this.baselineNoiseDbm >= this.config.channelNoisierThreshold) {
      return [{ alertCode: SUBGHZ_ALERT.scanInitiated, messageCode: GNCA_MESSAGE_CODE, atMs }, ...this.assess(atMs, false)];
    }
    return [];
  }

  private changesInLastWeek(atMs: number): number {
    this.changes = this.changes.filter((t) => t > atMs - WEEK_MS);
    return this.changes.length;
  }

  /** Measure every allowed channel and move when a channel is quieter by the Quieter threshold. */
  private assess(atMs: number, forced: boolean): SubGhzAlert[] {
    const current = this.radio.energyDetect(this.operatingChannel, atMs);
    let best: { ch: SubGhzChannel; noise: number } | undefined;
    for (const ch of this.allowedChannels()) {
      if (ch.page === this.operating.page && ch.index === this.operating.index) continue;
      const noise = this.radio.energyDetect({ band: 'subGHz', ...ch }, atMs);
      if (!best || noise < best.noise) best = { ch, noise };
    }
    const better = best && (forced || current - best.noise >= this.config.channelQuieterThreshold);
    if (!better || !best) {
      // Outcome: scan done, channel kept (our reading of the two 1-byte codes: outcome 0, reason 0).
      this.baselineNoiseDbm = current;
      return [{ alertCode: SUBGHZ_ALERT.scanOutcome, messageCode: 0x0112, atMs, body: { type: 'structure', items: [octet(0), octet(0)] } }];
    }
    if (!forced && this.changesInLastWeek(atMs) >= this.config.maxChannelChangesPerWeek) {
      // Staying put is the decision until the noise rises again: without a new baseline every later
      // measurement would repeat the same refusal.
      this.baselineNoiseDbm = current;
      return [
        { alertCode: SUBGHZ_ALERT.scanOutcome, messageCode: 0x0112, atMs, body: { type: 'structure', items: [octet(0), octet(1)] } },
        { alertCode: SUBGHZ_ALERT.notChangedAgility, messageCode: GNCA_MESSAGE_CODE, atMs },
      ];
    }
    return [
      { alertCode: SUBGHZ_ALERT.scanOutcome, messageCode: 0x0112, atMs, body: { type: 'structure', items: [octet(1), octet(0)] } },
      this.moveTo(best.ch, atMs, best.noise),
    ];
  }

  private moveTo(ch: SubGhzChannel, atMs: number, noise: number): SubGhzAlert {
    this.operating = ch;
    this.baselineNoiseDbm = noise;
    this.changes.push(atMs);
    const seq = this.changeSequence++ & 0x07;
    const w = channelWord(ch);
    const data = new Uint8Array([(w >>> 24) & 0xff, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff, 0x09, 0x01, seq]);
    this.log.push({ atMs, alertCode: SUBGHZ_ALERT.channelChanged, data });
    return { alertCode: SUBGHZ_ALERT.channelChanged, messageCode: 0x0111, atMs, body: { type: 'structure', items: [word32(w), octet(seq)] } };
  }

  /** Record the hub's own Sub GHz transmission and report duty-cycle level changes. */
  recordTransmit(atMs: number, airtimeMs: number, to: Eui64): SubGhzAlert[] {
    this.duty.add(atMs, airtimeMs);
    return this.updateLevel(atMs, to);
  }

  /** Duty-cycle level now, with the alerts for crossing thresholds either way. */
  updateLevel(atMs: number, device?: Eui64): SubGhzAlert[] {
    const dc = this.duty.hundredthsOfPercent(atMs);
    const next: DutyLevel =
      dc >= this.regulatedLimit ? 'regulated' : dc >= this.config.limitedCriticalDutyCycleThreshold ? 'critical' : dc >= this.config.normalLimitedDutyCycleThreshold ? 'limited' : 'normal';
    if (next === this.level) return [];
    const order: DutyLevel[] = ['normal', 'limited', 'critical', 'regulated'];
    const from = order.indexOf(this.level);
    const to = order.indexOf(next);
    const out: SubGhzAlert[] = [];
    if (to > from) {
      for (let i = from + 1; i <= to; i++) {
        const code = [0, SUBGHZ_ALERT.limitedDutyCycle, SUBGHZ_ALERT.criticalDutyCycle, SUBGHZ_ALERT.regulatedDutyCycle][i]!;
        out.push({
          alertCode: code,
          messageCode: SUBGHZ_ALERT_MESSAGE_CODE[code] ?? GNCA_MESSAGE_CODE,
          atMs,
          // In Limited the hub tells a device to hold off; the alert names it (DBCH06).
          ...(code === SUBGHZ_ALERT.limitedDutyCycle && device ? { body: { type: 'octet-string', hex: device } as DlmsData } : {}),
        });
      }
    } else {
      for (let i = from; i > to; i--) {
        const code = [0, SUBGHZ_ALERT.belowNormalLimited, SUBGHZ_ALERT.belowLimitedCritical, SUBGHZ_ALERT.belowCriticalRegulated][i]!;
        out.push({ alertCode: code, messageCode: GNCA_MESSAGE_CODE, atMs });
      }
    }
    this.level = next;
    return out;
  }

  /**
   * Whether a message may go out on Sub GHz now. In Regulated the hub must not transmit: the message is
   * discarded and 0x8F2C names it (originator ‖ target ‖ CRA ‖ counter, 25 bytes).
   */
  admit(atMs: number, airtimeMs: number, id: { originator: Eui64; target: Eui64; cra: number; counter: bigint }): SubGhzAlert | null {
    this.updateLevel(atMs);
    if (this.duty.headroomMs(atMs, this.regulatedLimit) >= airtimeMs && this.level !== 'regulated') return null;
    const hex = `${id.originator}${id.target}${id.cra.toString(16).padStart(2, '0')}${id.counter.toString(16).padStart(16, '0')}`.toUpperCase();
    return { alertCode: SUBGHZ_ALERT.messageDiscarded, messageCode: 0x0114, atMs, body: { type: 'octet-string', hex } };
  }

  /** A device asks to join on Sub GHz; refused with 0x8F2D when the hub is full. */
  join(eui: Eui64, atMs: number): SubGhzAlert | null {
    if (this.devices.has(eui)) return null;
    if (this.devices.size >= this.capacity) {
      return { alertCode: SUBGHZ_ALERT.capacityExhausted, messageCode: 0x0115, atMs, body: { type: 'octet-string', hex: eui } };
    }
    this.devices.add(eui);
    return null;
  }

  /** Log entries between two instants (DBCH02's range selection). */
  logBetween(fromMs: number, toMs: number): ChannelLogEntry[] {
    return this.log.filter((e) => e.atMs >= fromMs && e.atMs <= toMs);
  }

  /** Restore state from a reference (conformance seeding or a snapshot). */
  restoreLog(entries: readonly ChannelLogEntry[]): void {
    this.log.length = 0;
    this.log.push(...entries);
  }

  channelKey(): string {
    return channelKey(this.operatingChannel);
  }
}
