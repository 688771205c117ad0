import type { Eui64 } from '../protocols/eui.js';
import { Rng } from '../firmware-sim/rng.js';
import type { ChtsVersion, DeviceSpec, GbcsVersion, PremisesSpec } from './premises.js';

/** Shares (0..1) of premises with each feature. */
export interface MixShares {
  dualBand: number;
  gas: number;
  prepayment: number;
  ppmid: number;
  ihd: number;
}

/** What one premises is forced to be, where the mix would otherwise decide. */
export interface PremisesOverride {
  hub?: 'single' | 'dual';
  gas?: boolean;
  prepayment?: boolean;
  ppmid?: boolean;
  ihd?: boolean;
  chts?: ChtsVersion;
  gbcs?: GbcsVersion;
  annualKWh?: number;
}

export interface MixPlan {
  seed: string;
  count: number;
  /** Premises ids are the prefix and a six-digit (or wider) number from 1: P000001. */
  idPrefix: string;
  shares: MixShares;
  chts: ChtsVersion;
  gbcs: GbcsVersion;
  /** Typical annual electricity import (kWh); each premises varies around it. */
  annualKWh: number;
  /** Share of premises with PV export (default 0.05) and mean share of load that is electric heating (default 0.1). */
  solarShare?: number;
  heatingShare?: number;
  overrides?: ReadonlyMap<string, PremisesOverride>;
}

/** The id of the n-th premises (1-based) of `count`: prefix and at least six digits, e.g. P000001. */
export function premisesId(idPrefix: string, n: number, count: number): string {
  return `${idPrefix}${String(n).padStart(Math.max(6, String(count).length), '0')}`;
}

/*
 * EUI-64s: an OUI-like prefix, the premises number and a nibble for the device's slot, so an engineer can read
 * which premises a device belongs to from its EUI. The prefix 00-DB-5D is ours, not a registered OUI.
 */
const SLOT = { chf: 0x0, esme: 0x1, gsme: 0x2, gpf: 0x3, ppmid: 0x4, ihd: 0x5 } as const;

function euiFor(i: number, slot: keyof typeof SLOT): Eui64 {
  return `00DB5D${(i + 1).toString(16).toUpperCase().padStart(9, '0')}${SLOT[slot].toString(16).toUpperCase()}` as Eui64;
}

/** Largest premises count whose EUIs stay distinct (36 bits of premises number). */
export const MAX_PREMISES = 2 ** 36 - 2;

/**
 * The premises of an estate, one at a time: each is a pure function of (seed, index), so the 70,000th is the
 * same whether or not the others are made, and an estate of 100k is generated without holding a plan for all.
 */
export function* premisesOfMix(plan: MixPlan): Generator<PremisesSpec> {
  if (!Number.isInteger(plan.count) || plan.count < 0 || plan.count > MAX_PREMISES) throw new RangeError(`premises count must be 0..${MAX_PREMISES}, got ${plan.count}`);
  for (let i = 0; i < plan.count; i++) yield premisesAt(plan, i);
}

export function premisesAt(plan: MixPlan, i: number): PremisesSpec {
  const id = premisesId(plan.idPrefix, i + 1, plan.count);
  const o = plan.overrides?.get(id) ?? {};
  const r = Rng.fromSeed(`${plan.seed}/mix/${i}`);
  const s = plan.shares;
  const chance = (p: number) => r.float() < p;
  // Draw every decision whether or not an override wins, so overriding one premises never shifts another.
  const drawn = { dual: chance(s.dualBand), gas: chance(s.gas), prepayment: chance(s.prepayment), ppmid: chance(s.ppmid), ihd: chance(s.ihd) };
  const dual = o.hub ? o.hub === 'dual' : drawn.dual;
  const gas = o.gas ?? drawn.gas;
  const prepayment = o.prepayment ?? drawn.prepayment;
  const ppmid = o.ppmid ?? drawn.ppmid;
  const ihd = o.ihd ?? drawn.ihd;
  const chts = o.chts ?? plan.chts;
  const gbcs = o.gbcs ?? plan.gbcs;
  const channel24 = 11 + r.int(0, 15);
  // Received strength at the hub: most meters sit a room or two away; a few are in a cupboard or basement.
  const rssi = () => Math.round(-55 - r.int(0, 20) - (r.float() < 0.1 ? r.int(5, 20) : 0));
  // On a dual band hub, Sub GHz is for the devices 2.4 GHz reaches badly (about one in three here).
  const band = (): DeviceSpec['band'] => (dual && r.float() < 0.35 ? 'subGHz' : '2.4GHz');
  const annualKWh = Math.round((o.annualKWh ?? plan.annualKWh) * (0.6 + r.float() * 0.8));
  const paymentMode = prepayment ? ('prepayment' as const) : ('credit' as const);
  const esme: DeviceSpec = { kind: 'esme', eui: euiFor(i, 'esme'), band: band(), rssiDbm: rssi(), paymentMode, annualKWh };
  const devices: DeviceSpec[] = [esme];
  if (gas) {
    devices.push({ kind: 'gsme', eui: euiFor(i, 'gsme'), band: band(), rssiDbm: rssi(), paymentMode });
    // The gas proxy lives in the comms hub itself: a strong, short link.
    devices.push({ kind: 'gpf', eui: euiFor(i, 'gpf'), band: '2.4GHz', rssiDbm: -30 });
  }
  if (ppmid) devices.push({ kind: 'ppmid', eui: euiFor(i, 'ppmid'), band: band(), rssiDbm: rssi() });
  if (ihd) devices.push({ kind: 'ihd', eui: euiFor(i, 'ihd'), band: '2.4GHz', rssiDbm: rssi() });
  // Drawn last, so adding them left every earlier decision of an existing estate as it was.
  esme.solarKwp = chance(plan.solarShare ?? 0.05) ? 2 + r.int(0, 2) : 0;
  esme.heatingShare = Math.min(1, (plan.heatingShare ?? 0.1) * (0.5 + r.float()));
  return { id, hub: { eui: euiFor(i, 'chf'), band: dual ? 'dual' : 'single', chts, gbcs, channel24 }, devices };
}
