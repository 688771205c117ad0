import { toHex } from '../../protocols/bytes.js';
import { CLUSTER, type ReadAttributeAnswer, type UtcTime, type ZclValue, findAttribute } from '../../protocols/gbcs/gbz/index.js';
import type { DeviceKind } from '../device.js';
import type { EngineEnv } from '../shared.js';

/*
 * The ZCL state of a gas-side device: attribute stores per cluster (typed values, as a Read Attributes
 * answers them) plus the records clusters keep beyond attributes (calendars, logs, samplings, pending
 * future-dated work). Command handlers change this state; reads, logs and alerts are built from it.
 */

/** Attribute values by cluster, with faults a device reports instead of a value. */
export class AttributeStore {
  private readonly values = new Map<number, { value: ZclValue; type?: number }>();
  private readonly failing = new Map<number, number>();
  private readonly computed = new Map<number, () => ReadAttributeAnswer | undefined>();

  private static key(cluster: number, id: number): number {
    return cluster * 0x10000 + id;
  }

  private static id(cluster: number, idOrName: number | string): number {
    if (typeof idOrName === 'number') return idOrName;
    const a = findAttribute(cluster, idOrName);
    if (!a) throw new RangeError(`no attribute ${idOrName} in cluster 0x${cluster.toString(16)}`);
    return a.id;
  }

  /** What a Read Attributes reports for this attribute; undefined = unsupported. */
  read(cluster: number, id: number): ReadAttributeAnswer | undefined {
    const k = AttributeStore.key(cluster, id);
    const status = this.failing.get(k);
    if (status !== undefined) return { status };
    const c = this.computed.get(k);
    if (c) return c();
    const v = this.values.get(k);
    if (!v) return undefined;
    return v.type === undefined ? { value: v.value } : { value: v.value, type: v.type };
  }

  has(cluster: number, idOrName: number | string): boolean {
    const k = AttributeStore.key(cluster, AttributeStore.id(cluster, idOrName));
    return this.values.has(k) || this.computed.has(k);
  }

  get(cluster: number, idOrName: number | string): ZclValue | undefined {
    return this.values.get(AttributeStore.key(cluster, AttributeStore.id(cluster, idOrName)))?.value;
  }

  num(cluster: number, idOrName: number | string, fallback = 0): number {
    const v = this.get(cluster, idOrName);
    return typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : fallback;
  }

  set(cluster: number, idOrName: number | string, value: ZclValue, type?: number): void {
    const id = AttributeStore.id(cluster, idOrName);
    const k = AttributeStore.key(cluster, id);
    const t = type ?? this.values.get(k)?.type;
    this.values.set(k, t === undefined ? { value } : { value, type: t });
  }

  add(cluster: number, idOrName: number | string, delta: number): number {
    const v = this.num(cluster, idOrName) + delta;
    this.set(cluster, idOrName, v);
    return v;
  }

  /** A value derived from other state each time it is read (firmware version, credit status). */
  compute(cluster: number, idOrName: number | string, fn: () => ReadAttributeAnswer | undefined): void {
    this.computed.set(AttributeStore.key(cluster, AttributeStore.id(cluster, idOrName)), fn);
  }

  /** The value the device holds from now on, replacing whatever derived it. */
  override(cluster: number, id: number, value: ZclValue, type?: number): void {
    const k = AttributeStore.key(cluster, id);
    this.computed.delete(k);
    this.failing.delete(k);
    this.values.set(k, type === undefined ? { value } : { value, type });
  }

  /** The device does not have this attribute. */
  forget(cluster: number, id: number): void {
    const k = AttributeStore.key(cluster, id);
    this.computed.delete(k);
    this.values.delete(k);
  }

  /** The device can no longer read this attribute (hardware fault or the like): reads report `status`. */
  fail(cluster: number, id: number, status: number): void {
    this.failing.set(AttributeStore.key(cluster, id), status);
  }

  faultOf(cluster: number, id: number): number | undefined {
    return this.failing.get(AttributeStore.key(cluster, id));
  }
}

// ---- records kept beside attributes ---------------------------------------------------------------------

export interface DaySchedule {
  dayId: number;
  entries: Array<Record<string, ZclValue>>;
}

export interface Calendar {
  providerId: number;
  issuerEventId: number;
  issuerCalendarId: number;
  startTime: UtcTime;
  calendarType: number;
  calendarTimeReference: number;
  calendarName: ZclValue;
  numberOfSeasons: number;
  numberOfWeekProfiles: number;
  numberOfDayProfiles: number;
  days: Map<number, DaySchedule>;
  weeks: Map<number, Record<string, ZclValue>>;
  seasons: Array<Record<string, ZclValue>>;
}

export interface SpecialDays {
  providerId: number;
  issuerEventId: number;
  issuerCalendarId: number;
  startTime: UtcTime;
  calendarType: number;
  entries: Array<Record<string, ZclValue>>;
}

export interface BillingPeriod {
  providerId: number;
  issuerEventId: number;
  billingPeriodStartTime: UtcTime;
  billingPeriodDuration: number;
  billingPeriodDurationType: number;
  tariffType: number;
}

export interface Snapshot {
  time: number;
  cause: number;
  payloadType: number;
  payload: Record<string, ZclValue>;
}

export interface Sampling {
  id: number;
  type: number;
  startMs: number;
  /** Seconds between samples; 0xFFFF stands for the daily log (one value per day). */
  interval: number;
  max: number;
  samples: number[];
}

export interface TopUp {
  code: ZclValue;
  amount: number;
  time: number;
  origin: number;
}

export interface DebtCollection {
  time: number;
  amount: number;
  debtType: number;
  outstanding: number;
}

export interface EventRecord {
  logId: number;
  eventId: number;
  time: number;
  data: string;
}

export interface Message {
  messageId: number;
  messageControl: number;
  startTime: UtcTime;
  durationInMinutes: number;
  message: ZclValue;
  confirmed?: number;
}

/** Work a future-dated command left for later, kept until it runs or is cancelled. */
export interface PendingAction {
  /** What it replaces when a newer command of the same kind arrives or a cancellation names it. */
  kind: string;
  at: number;
  apply: () => number;
  /** Set when the use case reports the outcome by a 0x00CD alert. */
  outcome?: { messageCode: number; originatorCounter: bigint; clusterId: number; frameControl: number; commandId: number; to: string };
}

export interface GbzState {
  kind: DeviceKind;
  attrs: AttributeStore;
  /** Objects the device fails on (a command on a log record, a calendar, an event's configuration). */
  faults: Map<string, number>;
  /** DLMS clock status of the clock readings are stamped with (0 reliable, 0x02 doubtful, 0x04 GSME time base). */
  readingClockStatus: number;
  price: { issuerTariffId: number; providerId: number; issuerEventId: number; tariffType?: number; billing?: BillingPeriod; billingNextEnd?: number; rateLabel: ZclValue };
  calendars: Map<number, Calendar>;
  specialDays: Map<number, SpecialDays>;
  prepayment: {
    topUps: TopUp[];
    usedUtrnCounters: Set<string>;
    debtLog: DebtCollection[];
    snapshots: Snapshot[];
    friendlyCredit: number;
    friendlyCreditCalendarId: number;
    ecSelected: boolean;
  };
  metering: {
    snapshots: Snapshot[];
    samplings: Map<number, Sampling>;
    nextSampleId: number;
    nextSnapshotId: number;
    /** Litres not yet added to the registers (they count whole litres). */
    carry: number;
    lastAdvanceMs: number;
    lastDailyMs: number;
  };
  events: { logs: Map<number, EventRecord[]>; config: Map<number, number> };
  device: { passwords: Map<number, ZclValue>; tenancy?: { providerId: number; issuerEventId: number; tariffType: number; at: UtcTime; control: number } };
  messaging: { current?: Message };
  pending: Map<number, PendingAction>;
  nextPendingId: number;
}

const DAILY_LOG_ID = 1;
const DAY_MS = 86_400_000;

function nextMidnight(ms: number): number {
  return (Math.floor(ms / DAY_MS) + 1) * DAY_MS;
}

const P = CLUSTER.prepayment;
const M = CLUSTER.metering;
const PR = CLUSTER.price;

export const PAYMENT_MODE = {
  /** Payment control configuration bit: prepayment enabled (clear = credit mode). */
  prepayment: 0x0002,
} as const;

function ascii(s: string): string {
  return toHex(new TextEncoder().encode(s));
}

/** A device straight from the factory, commissioned for a supplier: GSME-like registers for every kind. */
export function newGbzState(env: EngineEnv, nowMs: number): GbzState {
  const attrs = new AttributeStore();
  const kind = env.kind;
  const label = kind.toUpperCase();

  attrs.set(CLUSTER.basic, 'zclVersion', 1);
  attrs.set(CLUSTER.basic, 'applicationVersion', 1);
  attrs.set(CLUSTER.basic, 'stackVersion', 1);
  attrs.set(CLUSTER.basic, 'hwVersion', 1);
  attrs.set(CLUSTER.basic, 'manufacturerName', 'smets-sim');
  attrs.set(CLUSTER.basic, 'modelIdentifier', `SIM-${label}`);
  attrs.set(CLUSTER.basic, 'dateCode', '20150101');
  // Battery-powered GSME, mains-powered GPF (in the hub), PPMID and IHD.
  attrs.set(CLUSTER.basic, 'powerSource', kind === 'gsme' ? 3 : 1);

  attrs.set(M, 'currentSummationDelivered', 0);
  attrs.set(M, 'unitOfMeasure', 1); // m3
  attrs.set(M, 'multiplier', 1);
  attrs.set(M, 'divisor', 1000);
  attrs.set(M, 'summationFormatting', 0x2b);
  attrs.set(M, 'meteringDeviceType', 1); // gas
  attrs.set(M, 'status', 0);
  attrs.set(M, 'supplyStatus', 2); // on
  attrs.set(M, 'supplyTamperState', 3); // unchanged
  attrs.set(M, 'supplyDepletionState', 3);
  attrs.set(M, 'supplyUncontrolledFlowState', 3);
  attrs.set(M, 'loadLimitSupplyState', 3);
  attrs.set(M, 'uncontrolledFlowThreshold', 200);
  attrs.set(M, 'uncontrolledFlowThresholdUnitOfMeasure', 1);
  attrs.set(M, 'uncontrolledFlowMultiplier', 1);
  attrs.set(M, 'uncontrolledFlowDivisor', 1);
  attrs.set(M, 'flowStabilisationPeriod', 10);
  attrs.set(M, 'flowMeasurementPeriod', 3600);
  attrs.set(M, 'siteId', '');
  attrs.set(M, 'customerIdNumber', '');
  attrs.set(M, 'meterSerialNumber', ascii(env.eui));
  attrs.set(M, 'billToDateDelivered', 0);
  attrs.set(M, 'billToDateTimeStampDelivered', 0);
  attrs.set(M, 'currentDayConsumptionDelivered', 0);
  attrs.set(M, 'previousDayConsumptionDelivered', 0);
  attrs.set(M, 'currentBlockPeriodConsumptionDelivered', 0);
  attrs.set(M, 'remainingBatteryLifeInDays', 3650);
  for (let n = 1; n <= 4; n++) attrs.set(M, `currentTier${n}SummationDelivered`, 0);
  for (let b = 1; b <= 4; b++) attrs.set(M, `currentNoTierBlock${b}SummationDelivered`, 0);

  attrs.set(PR, 'commodityType', 2); // gas
  attrs.set(PR, 'tariffLabel', '');
  attrs.set(PR, 'numberOfPriceTiersInUse', 0);
  attrs.set(PR, 'numberOfBlockThresholdsInUse', 0);
  attrs.set(PR, 'tierBlockMode', 0xff);
  attrs.set(PR, 'unitOfMeasure', 0); // kWh
  attrs.set(PR, 'currency', 826); // GBP
  attrs.set(PR, 'priceTrailingDigit', 0x50);
  attrs.set(PR, 'standingCharge', 0);
  attrs.set(PR, 'thresholdMultiplier', 1);
  attrs.set(PR, 'thresholdDivisor', 1000);
  attrs.set(PR, 'conversionFactor', 102264);
  attrs.set(PR, 'conversionFactorTrailingDigit', 0x50);
  attrs.set(PR, 'calorificValue', 395);
  attrs.set(PR, 'calorificValueUnit', 1); // MJ/m3
  attrs.set(PR, 'calorificValueTrailingDigit', 0x10);

  // Money is in units of 10^-5 GBP, as the RTDS GSME reports it (1250p top-up = 1 250 000).
  attrs.set(P, 'paymentControlConfiguration', 0x0097);
  attrs.set(P, 'creditRemaining', 0);
  attrs.set(P, 'emergencyCreditRemaining', 0);
  attrs.set(P, 'accumulatedDebt', 0);
  attrs.set(P, 'overallDebtCap', 1_000_000);
  attrs.set(P, 'emergencyCreditLimitAllowance', 1_000_000);
  attrs.set(P, 'emergencyCreditThreshold', 200_000);
  attrs.set(P, 'totalCreditAdded', 0);
  attrs.set(P, 'maxCreditLimit', 50_000_000);
  attrs.set(P, 'maxCreditPerTopUp', 25_000_000);
  attrs.set(P, 'lowCreditWarningLevel', 500_000);
  attrs.set(P, 'cutOffValue', 0);
  for (let k = 1; k <= 3; k++) {
    attrs.set(P, `debtLabel${k}`, '');
    attrs.set(P, `debtAmount${k}`, 0);
    attrs.set(P, `debtRecoveryMethod${k}`, 0);
    attrs.set(P, `debtRecoveryStartTime${k}`, 0);
    attrs.set(P, `debtRecoveryCollectionTime${k}`, 0);
    attrs.set(P, `debtRecoveryFrequency${k}`, 1);
    attrs.set(P, `debtRecoveryAmount${k}`, 0);
    attrs.set(P, `debtRecoveryTopUpPercentage${k}`, 0);
  }

  attrs.set(CLUSTER.deviceManagement, 'providerId', 0);
  attrs.set(CLUSTER.deviceManagement, 'providerName', '');
  attrs.set(CLUSTER.deviceManagement, 'providerContactDetails', '');

  const state: GbzState = {
    kind,
    attrs,
    faults: new Map(),
    readingClockStatus: 0,
    price: { issuerTariffId: 0, providerId: 0, issuerEventId: 0, rateLabel: '' },
    calendars: new Map(),
    specialDays: new Map(),
    prepayment: {
      topUps: [],
      usedUtrnCounters: new Set(),
      debtLog: [],
      snapshots: [],
      friendlyCredit: 0,
      friendlyCreditCalendarId: 0,
      ecSelected: false,
    },
    metering: {
      snapshots: [],
      // Sample log 1 is the daily consumption log (GCS61): one value per day at midnight, 731 days kept.
      samplings: new Map([[DAILY_LOG_ID, { id: DAILY_LOG_ID, type: 0, startMs: nextMidnight(nowMs), interval: 0xffff, max: 731, samples: [] }]]),
      nextSampleId: DAILY_LOG_ID + 1,
      nextSnapshotId: 1,
      carry: 0,
      lastAdvanceMs: nowMs,
      lastDailyMs: Math.floor(nowMs / DAY_MS) * DAY_MS,
    },
    events: { logs: new Map(), config: defaultEventConfig() },
    device: { passwords: new Map() },
    messaging: {},
    pending: new Map(),
    nextPendingId: 1,
  };

  // GBCS reads the running firmware version through Metering 0x0206 (GCS38); CS06 changes it.
  attrs.compute(M, 'currentMeterId', () => ({ value: env.shared.firmware.version.toUpperCase() }));
  attrs.compute(P, 'creditStatus', () => ({ value: creditStatus(state) }));
  return state;
}

/** ZSE Credit Status bits from the balance and emergency credit state. */
export function creditStatus(s: GbzState): number {
  const a = s.attrs;
  const credit = a.num(P, 'creditRemaining');
  const ec = a.num(P, 'emergencyCreditRemaining');
  let bits = 0;
  if (credit > a.num(P, 'lowCreditWarningLevel')) bits |= 0x01; // credit OK
  else bits |= 0x02; // low credit
  bits |= 0x04; // emergency credit enabled
  if (!s.prepayment.ecSelected && credit < a.num(P, 'emergencyCreditThreshold')) bits |= 0x08; // available
  if (s.prepayment.ecSelected) bits |= 0x10 | (ec > 0 ? 0x20 : 0);
  if (credit + (s.prepayment.ecSelected ? ec : 0) <= a.num(P, 'cutOffValue')) bits |= 0x40; // exhausted
  return bits;
}

export function isPrepayment(s: GbzState): boolean {
  return (s.attrs.num(P, 'paymentControlConfiguration') & PAYMENT_MODE.prepayment) !== 0;
}

// ---- event configuration (ZSE Device Management) ---------------------------------------------------------

/** Event configuration bits: logging (0-2: 1 tamper, 2 fault, 3 general, 4 security, 5 network), 3 push WAN, 4 push HAN. */
export const EVENT_CONFIG = { logMask: 0x07, pushWan: 0x08, pushHan: 0x10 } as const;

/** Events a GSME/GPF logs in its security log and that go out as critical (signed) alerts. */
export const SECURITY_EVENTS = new Set([
  0x8f0c, 0x8f1b, 0x8f1c, 0x8f1e, 0x8f30, 0x8f3d, 0x8f3e, 0x8f3f, 0x8f43, 0x8f47, 0x8f48, 0x8f49, 0x8f4a, 0x8f4b, 0x8f4c,
  0x8f4d, 0x8f4e, 0x8f4f, 0x8f51, 0x8f52, 0x8f53, 0x8f5b, 0x8f60, 0x8f63, 0x8f64, 0x8f70, 0x8f72, 0x8f73, 0x8f74, 0x8f75,
  0x8f76, 0x8f77, 0x8f78, 0x8f82,
]);

/** Events pushed to the WAN out of the box (the rest are only logged until GCS20 says otherwise). */
const PUSHED_BY_DEFAULT = [
  0x810d, 0x810e, 0x8119, 0x8168, 0x81a0, 0x81aa, 0x81ab, 0x81bd, 0x81be, 0x81bf, 0x81c0, 0x8f0f, 0x8f1c, 0x8f1e, 0x8f30,
  0x8f32, 0x8f3d, 0x8f3f, 0x8f51, 0x8f53, 0x8f57, 0x8f5b, 0x8f63, 0x8f64, 0x8f72, 0x8f73, 0x8f74, 0x8f75, 0x8f78,
];

function defaultEventConfig(): Map<number, number> {
  const m = new Map<number, number>();
  for (const id of PUSHED_BY_DEFAULT) m.set(id, (SECURITY_EVENTS.has(id) ? 4 : 3) | EVENT_CONFIG.pushWan);
  // Credit added locally is reported, not logged (RTDS GSME configuration).
  m.set(0x810e, EVENT_CONFIG.pushWan);
  return m;
}

export function eventConfigFor(s: GbzState, eventId: number): number {
  return s.events.config.get(eventId) ?? (SECURITY_EVENTS.has(eventId) ? 4 : 3);
}
