import type { Eui64 } from '../../protocols/eui.js';
import type { Rng } from '../../firmware-sim/rng.js';
import { type Band, type HanChannel, channelKey } from './channels.js';

/** Interference a test or user injects: a level on one channel for a time window. */
export interface Interference {
  channel: HanChannel;
  levelDbm: number;
  fromMs: number;
  toMs: number;
}

/** A device's radio link to the hub: one band, a base received signal strength. */
export interface Link {
  eui: Eui64;
  band: Band;
  /** RSSI at the hub with no interference, from distance and walls. */
  baseRssiDbm: number;
}

export interface LinkQuality {
  rssiDbm: number;
  lqi: number;
  snrDb: number;
  /** Probability a single frame is lost. */
  packetErrorRate: number;
}

export interface Transmission {
  delivered: boolean;
  attempts: number;
  /** Air time used on the channel, all attempts (ms): what duty cycle counts. */
  airtimeMs: number;
  latencyMs: number;
}

/** Bit rates: 250 kbit/s O-QPSK at 2.4 GHz, 100 kbit/s FSK on the Sub GHz pages. */
const BITRATE: Record<Band, number> = { '2.4GHz': 250_000, subGHz: 100_000 };
/** PHY + MAC + NWK + APS overhead per frame, and the payload size above which frames fragment. */
const FRAME_OVERHEAD = 40;
const MAX_FRAME_PAYLOAD = 80;
const MAX_ATTEMPTS = 4;

function dbmToMw(dbm: number): number {
  return 10 ** (dbm / 10);
}
function mwToDbm(mw: number): number {
  return 10 * Math.log10(mw);
}

/**
 * The HAN inside one premises, seeded: links, interference, noise, and what crossing the air costs.
 * Loss follows the signal-to-noise ratio of the link on its channel at that moment, so injected
 * interference on a channel makes traffic on it fail and retry, and shows in energy detection.
 */
export class HanRadio {
  private readonly links = new Map<Eui64, Link>();
  private interference: Interference[] = [];

  constructor(
    private readonly rng: Rng,
    readonly noiseFloorDbm = -100,
  ) {}

  join(link: Link): void {
    this.links.set(link.eui, { ...link });
  }

  leave(eui: Eui64): void {
    this.links.delete(eui);
  }

  link(eui: Eui64): Link | undefined {
    return this.links.get(eui);
  }

  linksOn(band: Band): Link[] {
    return [...this.links.values()].filter((l) => l.band === band);
  }

  inject(i: Interference): void {
    if (!(i.toMs > i.fromMs)) throw new RangeError('interference must end after it starts');
    this.interference.push({ ...i });
  }

  /** Drop interference that ended before `ms` (keeps long simulations small). */
  forget(ms: number): void {
    this.interference = this.interference.filter((i) => i.toMs > ms);
  }

  activeInterference(atMs: number): Interference[] {
    return this.interference.filter((i) => i.fromMs <= atMs && atMs < i.toMs);
  }

  /** Noise on a channel: the floor plus every active interferer on it, summed as power. */
  noiseDbm(ch: HanChannel, atMs: number): number {
    const key = channelKey(ch);
    let mw = dbmToMw(this.noiseFloorDbm);
    for (const i of this.interference) if (i.fromMs <= atMs && atMs < i.toMs && channelKey(i.channel) === key) mw += dbmToMw(i.levelDbm);
    return mwToDbm(mw);
  }

  /** What the hub's energy detection reads on a channel (noise with ±1 dB measurement jitter). */
  energyDetect(ch: HanChannel, atMs: number): number {
    return Math.round((this.noiseDbm(ch, atMs) + (this.rng.float() * 2 - 1)) * 10) / 10;
  }

  quality(eui: Eui64, ch: HanChannel, atMs: number): LinkQuality {
    const l = this.links.get(eui);
    if (!l) throw new RangeError(`${eui} has no link to this hub`);
    const snrDb = l.baseRssiDbm - this.noiseDbm(ch, atMs);
    // A smooth waterfall: ~0 % loss above 12 dB SNR, ~50 % at 4 dB, nearly all lost below 0 dB.
    const packetErrorRate = 1 / (1 + Math.exp((snrDb - 4) * 0.8));
    const lqi = Math.max(0, Math.min(255, Math.round((snrDb + 5) * 8.5)));
    return { rssiDbm: Math.round(l.baseRssiDbm), lqi, snrDb, packetErrorRate };
  }

  /** Air time of one message of `bytes` on a band, fragmented into HAN frames. */
  airtimeMs(band: Band, bytes: number): number {
    const frames = Math.max(1, Math.ceil(bytes / MAX_FRAME_PAYLOAD));
    return ((bytes + frames * FRAME_OVERHEAD) * 8 * 1000) / BITRATE[band];
  }

  /** Send one message over a link: retries on loss, as the HAN MAC would. */
  transmit(eui: Eui64, ch: HanChannel, bytes: number, atMs: number): Transmission {
    const q = this.quality(eui, ch, atMs);
    const once = this.airtimeMs(ch.band, bytes);
    let attempts = 0;
    while (attempts < MAX_ATTEMPTS) {
      attempts++;
      if (this.rng.float() >= q.packetErrorRate) {
        return { delivered: true, attempts, airtimeMs: once * attempts, latencyMs: Math.round(once * attempts + 5 * attempts) };
      }
    }
    return { delivered: false, attempts, airtimeMs: once * attempts, latencyMs: Math.round(once * attempts + 5 * attempts) };
  }
}
