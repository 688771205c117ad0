import { type ConsumptionProfile, HALF_HOUR_MS, halfHourStart } from '../profile.js';
import { type Booking, bookingOf } from './tariff.js';

/*
 * The ESME's energy registers. Energy flows from the premises' consumption profile; the tariff in force
 * (activity calendar selector) decides which TOU or block register each half hour is booked to. Registers
 * are kept as running totals at `t`; `advance` books the energy up to a later instant. Readings of the
 * past are the running totals minus what was booked since.
 */

export const TOU_RATES = 48;
export const SECONDARY_RATES = 4;
export const BLOCK_RATES = 8;
export const BLOCKS = 8;

export interface Totals {
  import: number;
  importSecondary: number;
  export: number;
  reactiveImport: number;
  reactiveExport: number;
  /** Primary element TOU registers, rate 1..48 at index 0..47. */
  tou: number[];
  /** Secondary element TOU registers (twin element meters). */
  touSecondary: number[];
  /** Block registers, block-major: block b (0..7), rate r (1..8) at b*8 + r-1. */
  blocks: number[];
}

export function zeroTotals(): Totals {
  return {
    import: 0,
    importSecondary: 0,
    export: 0,
    reactiveImport: 0,
    reactiveExport: 0,
    tou: new Array(TOU_RATES).fill(0),
    touSecondary: new Array(SECONDARY_RATES).fill(0),
    blocks: new Array(BLOCKS * BLOCK_RATES).fill(0),
  };
}

export interface Demand {
  /** Highest half-hour average demand since the last reset (W). */
  value: number;
  /** End of the half hour it was measured in (ms). */
  at: number;
}

export interface MeteringHooks {
  /** The tariff selector of the primary element at `t`. */
  primarySelector(t: number): number | undefined;
  /** The tariff selector of the secondary element at `t`. */
  secondarySelector(t: number): number | undefined;
  /** Block thresholds (Wh, ascending, 0xFFFFFFFF = unused) for block tariff rate 1..8. */
  blockThresholds(rate: number): number[];
  /** Energy of each half hour booked, with its price booking, for prepayment charging. */
  onHalfHour?(slotStart: number, wh: number, booking: Booking): void;
}

export class Metering {
  twin = false;
  /** Instant (simulation ms) the totals are valid at. */
  t: number;
  readonly totals: Totals = zeroTotals();
  /** Consumption per block-tariff rate since the block counters were last reset (Wh). */
  blockCounters: number[] = new Array(BLOCK_RATES).fill(0);
  demand: { import: Demand; importSecondary: Demand; export: Demand } = {
    import: { value: 0, at: 0 },
    importSecondary: { value: 0, at: 0 },
    export: { value: 0, at: 0 },
  };

  constructor(
    readonly primary: ConsumptionProfile,
    readonly secondary: ConsumptionProfile,
    private readonly hooks: MeteringHooks,
    start: number,
  ) {
    this.t = start;
    this.demand.import.at = start;
    this.demand.importSecondary.at = start;
    this.demand.export.at = start;
  }

  /** Book the energy of [t, to) into the registers. */
  advance(to: number): void {
    if (!(to > this.t)) return;
    this.book(this.t, to, this.totals, true);
    this.t = to;
  }

  /** Totals as they read at `at` (<= t): running totals minus what was booked since. */
  totalsAt(at: number): Totals {
    if (at >= this.t) return structuredClone(this.totals);
    const since = zeroTotals();
    this.book(at, this.t, since, false);
    const now = this.totals;
    return {
      import: now.import - since.import,
      importSecondary: now.importSecondary - since.importSecondary,
      export: now.export - since.export,
      reactiveImport: now.reactiveImport - since.reactiveImport,
      reactiveExport: now.reactiveExport - since.reactiveExport,
      tou: now.tou.map((v, i) => v - since.tou[i]!),
      touSecondary: now.touSecondary.map((v, i) => v - since.touSecondary[i]!),
      blocks: now.blocks.map((v, i) => v - since.blocks[i]!),
    };
  }

  /** Energy imported on the primary element in [from, to) (Wh). */
  importBetween(from: number, to: number): number {
    return this.primary.integrate(this.primary.importWh, from, to);
  }

  resetBlockCounters(): void {
    this.blockCounters.fill(0);
  }

  resetDemand(at: number): void {
    for (const d of Object.values(this.demand)) {
      d.value = 0;
      d.at = at;
    }
  }

  private book(from: number, to: number, into: Totals, live: boolean): void {
    const p = this.primary;
    const s = this.secondary;
    for (let a = from; a < to; ) {
      const slot = halfHourStart(a);
      const b = Math.min(slot + HALF_HOUR_MS, to);
      const share = (b - a) / HALF_HOUR_MS;
      const v = p.slot(a);
      const wh = v.importWh * share;
      into.import += wh;
      into.export += v.exportWh * share;
      into.reactiveImport += v.reactiveImportVarh * share;
      into.reactiveExport += v.reactiveExportVarh * share;
      const booking = bookingOf(this.hooks.primarySelector(a));
      if (booking.kind === 'block') {
        const block = live ? this.blockOf(booking.rate) : 0;
        into.blocks[block * BLOCK_RATES + booking.rate - 1]! += wh;
        if (live) this.blockCounters[booking.rate - 1]! += wh;
      } else if (booking.kind === 'tou') {
        into.tou[booking.rate - 1]! += wh;
      }
      let wh2 = 0;
      if (this.twin) {
        wh2 = s.importWh(a);
        into.importSecondary += wh2 * share;
        const b2 = bookingOf(this.hooks.secondarySelector(a));
        const rate = b2.kind === 'secondary' ? b2.rate : 1;
        into.touSecondary[Math.min(rate, SECONDARY_RATES) - 1]! += wh2 * share;
      }
      if (live && b === slot + HALF_HOUR_MS) {
        this.noteDemand(this.demand.import, v.importWh * 2, b);
        this.noteDemand(this.demand.export, v.exportWh * 2, b);
        if (this.twin) this.noteDemand(this.demand.importSecondary, wh2 * 2, b);
        this.hooks.onHalfHour?.(slot, v.importWh, booking);
      }
      a = b;
    }
  }

  private noteDemand(d: Demand, watts: number, at: number): void {
    if (watts > d.value) {
      d.value = watts;
      d.at = at;
    }
  }

  private blockOf(rate: number): number {
    const used = this.blockCounters[rate - 1]!;
    let block = 0;
    for (const th of this.hooks.blockThresholds(rate)) {
      if (th >= 0xffffffff) break;
      if (used >= th) block++;
    }
    return Math.min(block, BLOCKS - 1);
  }
}
