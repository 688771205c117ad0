import type { Rng } from './rng.js';

/*
 * Household gas use over time, deterministic for a seed: a daily heating/cooking shape (morning and evening
 * peaks, little at night), a seasonal factor (winter heating, summer hot water only) and per-hour noise.
 * Noise is a hash of (seed, hour), not a draw from a stream, so the volume of any interval is the same no
 * matter how the simulation slices time: asking for one day or for 24 hours in turn gives the same total.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Relative demand per hour of the (UTC) day; the mean is 1. */
const DAILY_SHAPE: readonly number[] = (() => {
  const raw = [0.2, 0.15, 0.15, 0.15, 0.2, 0.6, 1.9, 2.4, 1.8, 1.0, 0.7, 0.7, 0.9, 0.7, 0.6, 0.7, 1.1, 1.9, 2.3, 2.2, 1.8, 1.3, 0.8, 0.4];
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  return raw.map((x) => x / mean);
})();

export interface GasProfileOptions {
  /** Yearly consumption in cubic metres (a typical GB home uses about 1200 m3, some 12 000 kWh). */
  annualM3?: number;
  /** Share of the yearly mean drawn in deep winter versus midsummer: 0 flat, 0.8 strongly seasonal. */
  seasonality?: number;
}

export class GasProfile {
  private readonly seed: number;
  private readonly litresPerHour: number;
  private readonly seasonality: number;

  constructor(rng: Rng, opts: GasProfileOptions = {}) {
    this.seed = rng.nextU32();
    this.litresPerHour = ((opts.annualM3 ?? 1200) * 1000) / (365.25 * 24);
    this.seasonality = Math.min(0.95, Math.max(0, opts.seasonality ?? 0.7));
  }

  /** Mean flow in litres per hour during the hour that starts at `hourIndex` hours after the epoch. */
  rateAt(hourIndex: number): number {
    const t = hourIndex * HOUR_MS;
    const hourOfDay = ((hourIndex % 24) + 24) % 24;
    return this.litresPerHour * this.seasonFactor(t) * DAILY_SHAPE[hourOfDay]! * this.noise(hourIndex);
  }

  /** Gas used between two instants, in litres (0.001 m3, the GSME's register unit with divisor 1000). */
  volumeBetween(fromMs: number, toMs: number): number {
    if (!(toMs > fromMs)) return 0;
    let total = 0;
    let t = fromMs;
    // Whole days far from the ends are integrated a day at a time: long jumps of the clock stay cheap.
    while (t < toMs) {
      const hour = Math.floor(t / HOUR_MS);
      const hourStart = hour * HOUR_MS;
      if (t === hourStart && hour % 24 === 0 && toMs - t >= DAY_MS) {
        total += this.dayVolume(Math.floor(t / DAY_MS));
        t += DAY_MS;
        continue;
      }
      const end = Math.min(toMs, hourStart + HOUR_MS);
      total += (this.rateAt(hour) * (end - t)) / HOUR_MS;
      t = end;
    }
    return total;
  }

  /** Gas used on one UTC day (day index since the epoch), in litres. */
  dayVolume(dayIndex: number): number {
    let v = 0;
    for (let h = 0; h < 24; h++) v += this.rateAt(dayIndex * 24 + h);
    return v;
  }

  private seasonFactor(t: number): number {
    // Peak demand around mid January (day 15), least in mid July.
    const dayOfYear = ((t / DAY_MS) % 365.25 + 365.25) % 365.25;
    return 1 + this.seasonality * Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365.25);
  }

  private noise(hourIndex: number): number {
    // 32-bit integer hash (xorshift-multiply) of seed and hour: uniform in [0.6, 1.4).
    let x = (this.seed ^ Math.imul(hourIndex | 0, 0x9e3779b1)) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    return 0.6 + (0.8 * x) / 4294967296;
  }
}
