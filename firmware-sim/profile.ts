import { createHash } from 'node:crypto';

/*
 * Seeded half-hourly consumption for one premises. Every value is a pure function of (seed, instant), so a
 * meter can answer "how much was used between a and b" for any interval, in any order, without keeping a
 * history, and two runs with the same seed read the same numbers. Shapes follow what GB domestic load
 * looks like: a night-time base load, a morning shoulder, an evening peak that is bigger on winter
 * evenings, flatter weekends, and a seasonal swing of roughly two to one between January and July.
 */

export const HALF_HOUR_MS = 30 * 60_000;
const DAY_MS = 86_400_000;

export interface ProfileOptions {
  /** Seed text: the same seed gives the same curve. */
  seed: string;
  /** Annual import in kWh (GB typical domestic: 2,700; electric heating: 6,000+). */
  annualKWh?: number;
  /** Installed PV peak power in kW (0 = no export). */
  solarKwp?: number;
  /** Share of the load that is electric heating (0..1): it follows outside temperature. */
  heatingShare?: number;
}

export interface SlotValues {
  importWh: number;
  exportWh: number;
  reactiveImportVarh: number;
  reactiveExportVarh: number;
}

export interface ConsumptionProfile {
  readonly seed: string;
  /** Active import in the half hour that contains `t` (Wh, not rounded). */
  importWh(t: number): number;
  /** Active export (PV) in the half hour that contains `t` (Wh). */
  exportWh(t: number): number;
  /** Reactive import in the half hour that contains `t` (varh). */
  reactiveImportVarh(t: number): number;
  /** Reactive export in the half hour that contains `t` (varh). */
  reactiveExportVarh(t: number): number;
  /** Average active power drawn in the half hour that contains `t` (W). */
  powerW(t: number): number;
  /** Average RMS voltage in the half hour that contains `t` (V). */
  voltage(t: number): number;
  /** Every quantity of the half hour that contains `t` at once (cheaper than one call each). */
  slot(t: number): SlotValues;
  /** Integral of `fn` (a per-half-hour quantity) over [from, to), pro rata for partial half hours. */
  integrate(fn: (t: number) => number, from: number, to: number): number;
}

/** Start of the half hour that contains `t` (ms since the epoch). */
export function halfHourStart(t: number): number {
  return Math.floor(t / HALF_HOUR_MS) * HALF_HOUR_MS;
}

/** 32-bit avalanche hash (a finaliser in the style of murmur3) for stateless per-slot noise. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function seedWord(seed: string): number {
  return createHash('sha256').update(`smets-sim/profile:${seed}`).digest().readUInt32LE(0);
}

/** Gaussian bump centred on `mu` hours with width `sigma` hours, wrapping around midnight. */
function bump(hour: number, mu: number, sigma: number): number {
  let d = Math.abs(hour - mu);
  if (d > 12) d = 24 - d;
  return Math.exp(-(d * d) / (2 * sigma * sigma));
}

export function createConsumptionProfile(opts: ProfileOptions): ConsumptionProfile {
  const annual = opts.annualKWh ?? 2700;
  const kwp = opts.solarKwp ?? 0;
  const heating = Math.min(Math.max(opts.heatingShare ?? 0.1, 0), 1);
  const s = seedWord(opts.seed);
  const uniform = (a: number, b: number) => mix32(mix32(s ^ Math.imul(a, 0x9e3779b1)) ^ Math.imul(b, 0x7feb352d)) / 4294967296;

  // Daily shape in relative units; normalised below so a mean day uses annual/365 kWh.
  const shape = (hour: number, weekend: boolean, winter: number): number => {
    const base = 0.35;
    const morning = weekend ? 0.45 * bump(hour, 9.5, 1.6) : 0.6 * bump(hour, 7.5, 1.0);
    const daytime = weekend ? 0.35 * bump(hour, 13, 2.5) : 0.15 * bump(hour, 13, 2.5);
    const evening = (0.95 + 0.45 * winter) * bump(hour, 18.5, 1.6) + 0.35 * bump(hour, 21, 1.4);
    return base + morning + daytime + evening;
  };
  let meanShape = 0;
  for (let h = 0; h < 24; h += 0.5) meanShape += (5 * shape(h, false, 0.5) + 2 * shape(h, true, 0.5)) / 7 / 48;
  const meanSlotWh = (annual * 1000) / 365 / 48;

  /** 1 in mid-January, 0 in mid-July: the heating season and the lighting load follow it. */
  const winterness = (t: number): number => {
    const d = new Date(t);
    const doy = (t - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS;
    return 0.5 + 0.5 * Math.cos((2 * Math.PI * (doy - 15)) / 365.25);
  };

  // The shape is linear in winterness, so per half-hour tables of its two parts make a slot a few multiplies.
  const shapeBase: number[][] = [[], []];
  const shapeWinter: number[][] = [[], []];
  const heatShape: number[] = [];
  for (let i = 0; i < 48; i++) {
    const h = i / 2;
    for (const w of [0, 1]) {
      shapeBase[w]![i] = shape(h, w === 1, 0);
      shapeWinter[w]![i] = shape(h, w === 1, 1) - shapeBase[w]![i]!;
    }
    heatShape[i] = 1.6 * bump(h, 7, 1.5) + 1.4 * bump(h, 19, 2.5) + 0.3;
  }
  let dayCache = { day: NaN, winter: 0, cold: 0, dayFactor: 0, weekend: 0 };
  const dayValues = (day: number) => {
    if (dayCache.day !== day) {
      const winter = winterness(day * DAY_MS + DAY_MS / 2);
      const dow = (day + 4) % 7; // 1970-01-01 was a Thursday
      dayCache = { day, winter, cold: winter * (0.7 + 0.6 * uniform(day, 1)), dayFactor: 0.8 + 0.4 * uniform(day, 2), weekend: dow === 0 || dow === 6 ? 1 : 0 };
    }
    return dayCache;
  };

  const importWh = (t: number): number => {
    const slot = Math.floor(t / HALF_HOUR_MS);
    const day = Math.floor(slot / 48);
    const i = slot - day * 48;
    const dv = dayValues(day);
    const seasonal = 0.72 + 0.56 * dv.winter;
    // Heating follows cold days (day-level weather noise) and runs mostly morning and evening.
    const heat = heating * dv.cold * heatShape[i]!;
    // Appliance events (kettle, oven, washing machine) as occasional spikes on top of the smooth shape.
    const u = uniform(slot, 3);
    const spike = u > 0.93 ? 1 + (4 * (u - 0.93)) / 0.07 : 0;
    const noise = 0.85 + 0.3 * uniform(slot, 4);
    const sh = shapeBase[dv.weekend]![i]! + dv.winter * shapeWinter[dv.weekend]![i]!;
    const rel = (sh * seasonal * dv.dayFactor * noise + spike * 0.6) * (1 - heating) + heat;
    return Math.max((rel / meanShape) * meanSlotWh, 5);
  };

  const exportWh = (t: number, imported?: number): number => {
    if (kwp <= 0) return 0;
    const slot = Math.floor(t / HALF_HOUR_MS);
    const day = Math.floor(t / DAY_MS);
    const date = new Date(slot * HALF_HOUR_MS);
    const hour = date.getUTCHours() + date.getUTCMinutes() / 60 + 0.25;
    const summer = 1 - winterness(t);
    const halfDay = 4 + 4.5 * summer; // hours from solar noon to sunset
    const x = (hour - 12.5) / halfDay;
    if (Math.abs(x) >= 1) return 0;
    const clouds = 0.25 + 0.75 * uniform(day, 5) * (0.8 + 0.2 * uniform(slot, 6));
    const generated = kwp * 1000 * Math.cos((x * Math.PI) / 2) ** 2 * (0.35 + 0.65 * summer) * clouds * 0.5;
    // What the house uses itself is not exported.
    return Math.max(generated - (imported ?? importWh(t)) * 0.6, 0);
  };

  const tanPhi = (t: number): number => 0.15 + 0.2 * uniform(Math.floor(t / HALF_HOUR_MS), 7);

  const integrate = (fn: (t: number) => number, from: number, to: number): number => {
    if (!(to > from)) return 0;
    let total = 0;
    for (let a = from; a < to; ) {
      const slotEnd = halfHourStart(a) + HALF_HOUR_MS;
      const b = Math.min(slotEnd, to);
      total += (fn(a) * (b - a)) / HALF_HOUR_MS;
      a = b;
    }
    return total;
  };

  return {
    seed: opts.seed,
    importWh,
    exportWh: (t) => exportWh(t),
    slot: (t) => {
      const imp = importWh(t);
      const exp = exportWh(t, imp);
      return { importWh: imp, exportWh: exp, reactiveImportVarh: imp * tanPhi(t), reactiveExportVarh: exp * 0.05 };
    },
    reactiveImportVarh: (t) => importWh(t) * tanPhi(t),
    reactiveExportVarh: (t) => exportWh(t) * 0.05,
    powerW: (t) => importWh(t) * 2,
    voltage: (t) => {
      const slot = Math.floor(t / HALF_HOUR_MS);
      const date = new Date(slot * HALF_HOUR_MS);
      const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
      // Voltage sags a little with the evening network peak and rises with midday PV.
      return 241 - 4 * bump(hour, 18.5, 2) + 2 * bump(hour, 13, 2.5) + 2 * (uniform(slot, 8) - 0.5);
    },
    integrate,
  };
}
