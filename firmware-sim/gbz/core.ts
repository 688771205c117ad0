import type { Eui64 } from '../../protocols/eui.js';
import { CLUSTER } from '../../protocols/gbcs/gbz/index.js';
import type { Payload } from '../../protocols/gbcs/payload.js';
import { GCA, GNCA, type AlertSpec, type Device, type ScheduledTask } from '../device.js';
import { GasProfile } from '../gas-profile.js';
import type { Rng } from '../rng.js';
import type { EngineEnv } from '../shared.js';
import { ROLE } from '../trust.js';
import { futureDatedOutcomeAlert, genericAlertPayload, snapshotPushAlert } from './alerts.js';
import { utc } from './rules.js';
import {
  EVENT_CONFIG,
  SECURITY_EVENTS,
  type GbzState,
  type PendingAction,
  type Snapshot,
  eventConfigFor,
  isPrepayment,
  newGbzState,
  PAYMENT_MODE,
} from './state.js';

/** What handlers and tasks may ask of the device: a HandlerContext or a TickContext both fit. */
export interface Ctx {
  readonly now: Date;
  readonly device: Device;
  readonly rng: Rng;
  alert(spec: AlertSpec): void;
  schedule(at: Date, task: ScheduledTask): void;
}

const M = CLUSTER.metering;
const P = CLUSTER.prepayment;
const PR = CLUSTER.price;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Alert message codes of the gas-side alerts built here. */
export const MESSAGE = {
  futureDatedOutcome: 0x00cd,
  billingDataLog: 0x008b,
  firmwareReceipt: 0x00cf,
  integrityWarning: 0x00f2,
} as const;

export const TASK_TYPE = 'gbz:pending';

/** Largest catch-up of the daily and billing work after a jump of the clock (older periods are not replayed). */
const MAX_PERIODS_REPLAYED = 62;
const LOG_CAPACITY = 100;
const SNAPSHOT_CAPACITY = 731;

/**
 * The device behind the command handlers: its state, and what happens without a command (gas flowing,
 * credit being used, days and billing periods ending, future-dated work coming due) and the events that
 * come out of it.
 */
export class GbzCore {
  private state: GbzState;
  private gas: GasProfile;

  constructor(readonly env: EngineEnv) {
    this.state = newGbzState(env, env.clock.nowMs());
    this.gas = new GasProfile(env.rng.fork('gas-profile'));
    const mode = env.traits?.paymentMode;
    if (mode && env.kind === 'gsme') {
      const cfg = this.state.attrs.num(P, 'paymentControlConfiguration');
      this.state.attrs.set(P, 'paymentControlConfiguration', mode === 'prepayment' ? cfg | PAYMENT_MODE.prepayment : cfg & ~PAYMENT_MODE.prepayment);
    }
  }

  get s(): GbzState {
    return this.state;
  }

  get profile(): GasProfile {
    return this.gas;
  }

  /**
   * Become the GPF of `gsme`: the GPF holds the sleepy GSME's data and answers for it, so both work on one
   * state (time is integrated once: whoever advances first moves the shared registers, the other finds them
   * up to date).
   */
  mirror(gsme: GbzCore): void {
    this.state = gsme.state;
    this.gas = gsme.gas;
  }

  get eui(): Eui64 {
    return this.env.eui;
  }

  // ---- events and alerts --------------------------------------------------------------------------------

  /** Something happened: log it and push it as the event's configuration says. */
  raiseEvent(ctx: Pick<Ctx, 'alert' | 'device'>, eventId: number, at: Date, data = ''): void {
    const cfg = eventConfigFor(this.s, eventId);
    const logId = cfg & EVENT_CONFIG.logMask;
    if (logId) this.log(logId, eventId, at, data);
    const critical = SECURITY_EVENTS.has(eventId);
    // An alert needs a supplier to go to (a KA anchor to MAC it for, unless it is signed).
    const reachable = critical ? ctx.device.trust.partyFor(ROLE.supplier) : ctx.device.trust.get(ROLE.supplier, 'ka');
    if (cfg & EVENT_CONFIG.pushWan && reachable) {
      ctx.alert({
        messageCode: critical ? GCA : GNCA,
        alertCode: eventId,
        to: ROLE.supplier,
        critical,
        payload: (counter, now) => this.genericAlert(eventId, counter, now),
      });
    }
  }

  log(logId: number, eventId: number, at: Date, data = ''): void {
    let log = this.s.events.logs.get(logId);
    if (!log) this.s.events.logs.set(logId, (log = []));
    log.push({ logId, eventId, time: at.getTime(), data });
    if (log.length > LOG_CAPACITY) log.splice(0, log.length - LOG_CAPACITY);
  }

  genericAlert(alertCode: number, _counter: bigint, at: Date): Payload {
    return genericAlertPayload(alertCode, at);
  }

  // ---- future-dated work --------------------------------------------------------------------------------

  /** Keep `action` until its time; a newer action of the same kind supersedes it. */
  defer(ctx: Pick<Ctx, 'schedule'>, action: PendingAction): void {
    this.cancel(action.kind);
    const id = this.s.nextPendingId++;
    this.s.pending.set(id, action);
    ctx.schedule(new Date(action.at), { type: TASK_TYPE, data: { id, kind: action.kind } });
  }

  /** Drop pending work of `kind` (GBCS cancellation: start time 0xFFFFFFFE/0xFFFFFFFF); true if any was pending. */
  cancel(kind: string): boolean {
    let any = false;
    for (const [id, a] of this.s.pending) {
      if (a.kind === kind) {
        this.s.pending.delete(id);
        any = true;
      }
    }
    return any;
  }

  runPending(id: number, ctx: Ctx): void {
    const a = this.s.pending.get(id);
    if (!a) return; // cancelled or superseded
    this.s.pending.delete(id);
    this.advance(ctx);
    let status: number;
    try {
      status = a.apply();
    } catch {
      status = 0x01;
    }
    if (a.outcome) {
      const o = a.outcome;
      ctx.alert({
        messageCode: MESSAGE.futureDatedOutcome,
        alertCode: status === 0 ? 0x8f66 : 0x8f67,
        to: o.to as Eui64,
        critical: true,
        payload: (_counter, now) => futureDatedOutcomeAlert(status === 0, now, o),
      });
    }
  }

  // ---- time passing -------------------------------------------------------------------------------------

  /** Bring the meter up to `ctx.now`: gas used, registers, credit, day and billing period ends. */
  advance(ctx: Ctx): void {
    const m = this.s.metering;
    const nowMs = ctx.now.getTime();
    if (nowMs <= m.lastAdvanceMs) return;
    const span = nowMs - m.lastAdvanceMs;
    // Hour steps keep tiers and blocks right; beyond two months the clock jumped and day steps will do.
    const step = span > 62 * DAY_MS ? DAY_MS : HOUR_MS;
    let t = m.lastAdvanceMs;
    while (t < nowMs) {
      const next = Math.min(nowMs, (Math.floor(t / step) + 1) * step);
      this.flow(t, next, ctx);
      t = next;
      if (t % DAY_MS === 0 && t > m.lastDailyMs) {
        // After a jump of the clock only the latest days make it into the daily log.
        if (nowMs - t <= MAX_PERIODS_REPLAYED * DAY_MS) this.endOfDay(t, ctx);
        m.lastDailyMs = t;
      }
    }
    m.lastAdvanceMs = nowMs;
    this.samplingCatchUp(nowMs);
    this.billingCatchUp(ctx);
  }

  private supplyOn(): boolean {
    return this.s.attrs.num(M, 'supplyStatus', 2) === 2;
  }

  /** Gas flowing between two instants within one hour (or one day after a jump). */
  private flow(from: number, to: number, ctx: Ctx): void {
    if (!this.supplyOn() || this.s.kind === 'ppmid' || this.s.kind === 'ihd') return;
    const m = this.s.metering;
    const litresExact = this.profile.volumeBetween(from, to) + m.carry;
    const litres = Math.floor(litresExact);
    m.carry = litresExact - litres;
    if (litres <= 0) return;
    const a = this.s.attrs;
    a.add(M, 'currentSummationDelivered', litres);
    a.add(M, 'currentDayConsumptionDelivered', litres);
    const { tier, block } = this.activeRate(new Date(from));
    if (tier > 0 && tier <= 4) a.add(M, `currentTier${tier}SummationDelivered`, litres);
    if (block > 0 && block <= 4) a.add(M, `currentNoTierBlock${block}SummationDelivered`, litres);
    a.add(M, 'currentBlockPeriodConsumptionDelivered', litres);
    const cost = this.cost(litres, tier, block);
    if (cost > 0) {
      if (isPrepayment(this.s)) this.charge(cost, ctx, new Date(to));
      else a.set(M, 'billToDateDelivered', Math.min(0xffffffff, a.num(M, 'billToDateDelivered') + cost));
    }
    this.checkUncontrolledFlow(litres, to - from, ctx, new Date(to));
  }

  /** Flow above the uncontrolled-flow threshold (m3/h after multiplier and divisor) acts on the valve as configured. */
  private checkUncontrolledFlow(litres: number, ms: number, ctx: Ctx, at: Date): void {
    const a = this.s.attrs;
    const limit = (a.num(M, 'uncontrolledFlowThreshold') * (a.num(M, 'uncontrolledFlowMultiplier', 1) || 1)) / (a.num(M, 'uncontrolledFlowDivisor', 1) || 1);
    if (!(limit > 0) || ms <= 0 || ms > HOUR_MS) return;
    const m3PerHour = (litres / 1000) * (HOUR_MS / ms);
    const action = a.num(M, 'supplyUncontrolledFlowState', 3);
    if (m3PerHour <= limit || action > 1) return;
    a.set(M, 'supplyStatus', action);
    this.raiseEvent(ctx, 0x81bf, at);
  }

  /** Tier from the active TOU calendar, block from this block period's consumption against the thresholds. */
  activeRate(at: Date): { tier: number; block: number } {
    const a = this.s.attrs;
    let tier = 0;
    const cal = this.s.calendars.get(0);
    if (cal && cal.days.size) tier = touTier(cal, at) ?? 0;
    let block = 0;
    const thresholds = a.num(PR, 'numberOfBlockThresholdsInUse');
    if (thresholds > 0) {
      const used = a.num(M, 'currentBlockPeriodConsumptionDelivered');
      const mult = a.num(PR, 'thresholdMultiplier', 1) || 1;
      const div = a.num(PR, 'thresholdDivisor', 1) || 1;
      block = 1;
      for (let b = 0; b < Math.min(thresholds, 15); b++) {
        const th = (a.num(PR, 0x0100 + b) * mult) / div; // in m3
        if (used / 1000 >= th) block = b + 2;
      }
      block = Math.min(block, 4);
    }
    return { tier: tier || (block ? 0 : 1), block };
  }

  /** Cost of `litres` at the active price, in 10^-5 GBP. */
  private cost(litres: number, tier: number, block: number): number {
    const a = this.s.attrs;
    const id = block > 0 ? (tier << 4) | (block - 1) : tier << 4;
    const price = a.num(PR, 0x0400 + id);
    if (!price) return 0;
    const cf = a.num(PR, 'conversionFactor') / 10 ** (a.num(PR, 'conversionFactorTrailingDigit') >> 4);
    const cv = a.num(PR, 'calorificValue') / 10 ** (a.num(PR, 'calorificValueTrailingDigit') >> 4);
    const kwh = ((litres / 1000) * cf * cv) / 3.6;
    const perKwh = price * 10 ** (5 - (a.num(PR, 'priceTrailingDigit') >> 4));
    return Math.round(kwh * perKwh);
  }

  /** Take money off the balance (emergency credit once selected and the credit is gone). */
  charge(amount: number, ctx: Pick<Ctx, 'alert' | 'device'>, at: Date): void {
    const a = this.s.attrs;
    const low = a.num(P, 'lowCreditWarningLevel');
    const before = a.num(P, 'creditRemaining');
    let left = amount;
    if (this.s.prepayment.ecSelected && before <= 0) {
      const ec = a.num(P, 'emergencyCreditRemaining');
      const fromEc = Math.min(ec, left);
      a.set(P, 'emergencyCreditRemaining', ec - fromEc);
      left -= fromEc;
      if (ec > 0 && ec - fromEc <= 0) this.raiseEvent(ctx, 0x81aa, at);
    }
    const after = before - left;
    a.set(P, 'creditRemaining', after);
    if (before > low && after <= low) this.raiseEvent(ctx, 0x810d, at);
    const ec = this.s.prepayment.ecSelected ? a.num(P, 'emergencyCreditRemaining') : 0;
    const cutOff = a.num(P, 'cutOffValue');
    if (isPrepayment(this.s) && before + ec > cutOff && after + ec <= cutOff && this.supplyOn()) {
      a.set(M, 'supplyStatus', 0);
      this.raiseEvent(ctx, 0x8f0f, at);
    }
    if (before >= a.num(P, 'emergencyCreditThreshold') && after < a.num(P, 'emergencyCreditThreshold') && !this.s.prepayment.ecSelected) {
      this.raiseEvent(ctx, 0x8119, at);
    }
  }

  private endOfDay(dayEndMs: number, ctx: Ctx): void {
    const a = this.s.attrs;
    a.set(M, 'previousDayConsumptionDelivered', a.num(M, 'currentDayConsumptionDelivered'));
    a.set(M, 'currentDayConsumptionDelivered', 0);
    const sc = Math.round(a.num(PR, 'standingCharge') * 10 ** (5 - (a.num(PR, 'priceTrailingDigit') >> 4)));
    if (sc) {
      if (isPrepayment(this.s)) this.charge(sc, ctx, new Date(dayEndMs));
      else a.set(M, 'billToDateDelivered', Math.min(0xffffffff, a.num(M, 'billToDateDelivered') + sc));
    }
    this.collectTimeDebts(dayEndMs, ctx);
    this.endBlockPeriod(dayEndMs);
    this.pushSnapshot(this.s.metering.snapshots, this.takeSnapshot(0x01, dayEndMs));
  }

  /**
   * Time-based debts (recovery method 0) are collected from credit at their frequency (ZSE: 1 daily, 2 weekly
   * on Mondays, 3 monthly on the 1st), in prepayment mode; each collection goes to the debt repayment log.
   */
  private collectTimeDebts(dayEndMs: number, ctx: Ctx): void {
    if (!isPrepayment(this.s)) return;
    const a = this.s.attrs;
    const day = new Date(dayEndMs);
    for (const k of [1, 2, 3]) {
      const debt = a.num(P, `debtAmount${k}`);
      if (debt <= 0 || a.num(P, `debtRecoveryMethod${k}`) !== 0) continue;
      const freq = a.num(P, `debtRecoveryFrequency${k}`);
      const due = freq === 1 || (freq === 2 && day.getUTCDay() === 1) || (freq === 3 && day.getUTCDate() === 1);
      if (!due) continue;
      const amount = Math.min(debt, a.num(P, `debtRecoveryAmount${k}`));
      if (amount <= 0) continue;
      this.recoverDebt(k, amount, dayEndMs, ctx);
    }
  }

  /** Take `amount` of debt `k` from the credit balance and log the collection. */
  recoverDebt(k: number, amount: number, atMs: number, ctx: Pick<Ctx, 'alert' | 'device'>): void {
    const a = this.s.attrs;
    const outstanding = a.num(P, `debtAmount${k}`) - amount;
    a.set(P, `debtAmount${k}`, outstanding);
    a.set(P, 'accumulatedDebt', [1, 2, 3].reduce((t, i) => t + a.num(P, `debtAmount${i}`), 0));
    this.charge(amount, ctx, new Date(atMs));
    this.s.prepayment.debtLog.push({ time: atMs, amount, debtType: k - 1, outstanding });
    if (this.s.prepayment.debtLog.length > LOG_CAPACITY) this.s.prepayment.debtLog.shift();
    if (outstanding === 0) this.raiseEvent(ctx, k === 3 ? 0x81a9 : k === 1 ? 0x81a7 : 0x81a8, new Date(atMs));
  }

  /** Block registers count per block period; at its end this period's consumption becomes the previous one. */
  private endBlockPeriod(dayEndMs: number): void {
    const a = this.s.attrs;
    const start = a.get(PR, 'startOfBlockPeriod');
    if (typeof start !== 'string') return;
    const b = { billingPeriodStartTime: start, billingPeriodDuration: a.num(PR, 'blockPeriodDuration'), billingPeriodDurationType: a.num(PR, 'blockPeriodDurationType') };
    const boundary = billingBoundaryAfter(b, dayEndMs - DAY_MS);
    if (boundary === undefined || boundary > dayEndMs) return;
    a.set(M, 'previousBlockPeriodConsumptionDelivered', a.num(M, 'currentBlockPeriodConsumptionDelivered'));
    a.set(M, 'currentBlockPeriodConsumptionDelivered', 0);
  }

  /** A register snapshot of the metering cluster: payload type 6 (TOU and block registers, delivered). */
  takeSnapshot(cause: number, atMs: number): Snapshot {
    const a = this.s.attrs;
    return {
      time: atMs,
      cause,
      payloadType: 6,
      payload: {
        currentSummationDelivered: a.num(M, 'currentSummationDelivered'),
        tierSummations: [1, 2, 3, 4].map((n) => a.num(M, `currentTier${n}SummationDelivered`)),
        // A GSME's blocks apply to one tier, with four block registers.
        numberOfTiersAndBlockThresholdsInUse: 0x14,
        tierBlockSummations: [1, 2, 3, 4].map((b) => a.num(M, `currentNoTierBlock${b}SummationDelivered`)),
      },
    };
  }

  prepaySnapshot(cause: number, atMs: number): Snapshot {
    const a = this.s.attrs;
    return {
      time: atMs,
      cause,
      payloadType: 0,
      payload: {
        accumulatedDebt: a.num(P, 'accumulatedDebt'),
        type1DebtRemaining: a.num(P, 'debtAmount1'),
        type2DebtRemaining: a.num(P, 'debtAmount2'),
        type3DebtRemaining: a.num(P, 'debtAmount3'),
        emergencyCreditRemaining: a.num(P, 'emergencyCreditRemaining'),
        creditRemaining: a.num(P, 'creditRemaining'),
      },
    };
  }

  pushSnapshot(log: Snapshot[], snap: Snapshot): void {
    log.push(snap);
    if (log.length > SNAPSHOT_CAPACITY) log.splice(0, log.length - SNAPSHOT_CAPACITY);
  }

  /**
   * Billing data log entry (end of billing period, change of tariff, mode or supplier...): both snapshots are
   * kept and the metering one is pushed to the supplier, encrypted (GCS53).
   */
  billingSnapshot(ctx: Pick<Ctx, 'alert' | 'device'>, cause: number, at: Date): Snapshot {
    const snap = this.takeSnapshot(cause, at.getTime());
    const id = this.s.metering.nextSnapshotId++;
    this.pushSnapshot(this.s.metering.snapshots, snap);
    this.pushSnapshot(this.s.prepayment.snapshots, this.prepaySnapshot(cause, at.getTime()));
    if (!ctx.device.trust.get(ROLE.supplier, 'ka')) return snap; // nobody to encrypt the log for
    ctx.alert({
      messageCode: MESSAGE.billingDataLog,
      alertCode: 0x8f0a,
      to: ROLE.supplier,
      critical: true,
      payload: (counter, now) => snapshotPushAlert(ctx.device, counter, now, MESSAGE.billingDataLog, ROLE.supplier, id, snap),
    });
    return snap;
  }

  private billingCatchUp(ctx: Ctx): void {
    const b = this.s.price.billing;
    const p = this.s.price;
    if (!b || p.billingNextEnd === undefined) return;
    let alerts = 0;
    for (let i = 0; i < 100_000 && p.billingNextEnd !== undefined && p.billingNextEnd <= ctx.now.getTime(); i++) {
      const end = new Date(p.billingNextEnd);
      this.s.attrs.set(PR, 'currentBillingPeriodStart', utc(end));
      p.billingNextEnd = billingBoundaryAfter(b, end.getTime());
      // After a long jump only the latest periods are reported; the older ones are long gone from the log.
      if (alerts++ < 3) this.billingSnapshot(ctx, 0x02, end);
    }
  }

  private samplingCatchUp(nowMs: number): void {
    for (const sm of this.s.metering.samplings.values()) {
      const stepMs = sm.interval === 0xffff ? DAY_MS : sm.interval * 1000;
      if (stepMs <= 0) continue;
      // Sample k is taken at start + k*interval and holds the gas used in the interval before it.
      let k = sm.samples.length;
      while (k < sm.max || sm.interval === 0xffff) {
        const at = sm.startMs + k * stepMs;
        if (at > nowMs) break;
        const from = at - stepMs;
        sm.samples.push(this.s.kind === 'ppmid' || this.s.kind === 'ihd' ? 0 : Math.round(this.profile.volumeBetween(from, at)));
        if (sm.interval === 0xffff && sm.samples.length > sm.max) {
          sm.samples.shift();
          sm.startMs += stepMs;
        }
        k = sm.samples.length;
        if (k > 100_000) break;
      }
    }
  }

  /** Credit arriving (remote or local top-up, adjustment); pays back emergency credit first. */
  addCredit(amount: number): void {
    const a = this.s.attrs;
    a.add(P, 'creditRemaining', amount);
    a.add(P, 'totalCreditAdded', Math.max(0, amount));
    if (this.s.prepayment.ecSelected) {
      const owed = a.num(P, 'emergencyCreditLimitAllowance') - a.num(P, 'emergencyCreditRemaining');
      const repay = Math.max(0, Math.min(owed, a.num(P, 'creditRemaining')));
      a.add(P, 'creditRemaining', -repay);
      this.s.prepayment.ecSelected = false;
      a.set(P, 'emergencyCreditRemaining', 0);
    }
    // Credit back above the cut-off arms a valve that was closed for lack of credit.
    if (a.num(M, 'supplyStatus') === 0 && a.num(P, 'creditRemaining') > a.num(P, 'cutOffValue')) a.set(M, 'supplyStatus', 1);
  }
}

/** The tier the TOU calendar gives for `at`: season by date, week profile, then the day's switch points. */
function touTier(cal: import('./state.js').Calendar, at: Date): number | undefined {
  const md = (at.getUTCMonth() + 1) * 100 + at.getUTCDate();
  let weekId: number | undefined;
  let best = -1;
  for (const s of cal.seasons) {
    const d = s.seasonStartDate as { month: number | null; day: number | null };
    const key = (d.month ?? 1) * 100 + (d.day ?? 1);
    if (key <= md && key > best) {
      best = key;
      weekId = s.weekIdRef as number;
    }
  }
  if (weekId === undefined) {
    // Before the first season start of the year: the last season of the previous year still runs.
    for (const s of cal.seasons) {
      const d = s.seasonStartDate as { month: number | null; day: number | null };
      const key = (d.month ?? 1) * 100 + (d.day ?? 1);
      if (key > best) {
        best = key;
        weekId = s.weekIdRef as number;
      }
    }
  }
  const week = weekId !== undefined ? cal.weeks.get(weekId) : undefined;
  const names = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const dayId = week ? (week[`dayIdRef${names[at.getUTCDay()]}`] as number) : [...cal.days.keys()][0];
  const day = dayId !== undefined ? cal.days.get(dayId) : undefined;
  if (!day) return undefined;
  const minute = at.getUTCHours() * 60 + at.getUTCMinutes();
  let tier: number | undefined;
  for (const e of day.entries) if ((e.startTime as number) <= minute && typeof e.priceTier === 'number') tier = e.priceTier;
  return tier;
}

/**
 * The first billing period boundary after `afterMs` for a billing calendar starting at its start time
 * (duration timebase in the low nibble: 0 minutes, 1 days, 2 weeks, 3 months).
 */
export function billingBoundaryAfter(
  b: { billingPeriodStartTime: unknown; billingPeriodDuration: number; billingPeriodDurationType: number },
  afterMs: number,
): number | undefined {
  const v = b.billingPeriodStartTime;
  if (typeof v !== 'string') return undefined;
  const start = Date.parse(v);
  const n = b.billingPeriodDuration;
  if (!(n > 0) || Number.isNaN(start)) return undefined;
  const unit = b.billingPeriodDurationType & 0x0f;
  const fixed = unit === 0 ? 60_000 : unit === 1 ? DAY_MS : unit === 2 ? 7 * DAY_MS : undefined;
  if (fixed !== undefined) {
    const len = n * fixed;
    if (afterMs < start) return start;
    return start + (Math.floor((afterMs - start) / len) + 1) * len;
  }
  if (unit !== 3) return undefined;
  const d = new Date(start);
  for (let i = 0; i < 100_000 && d.getTime() <= afterMs; i++) d.setUTCMonth(d.getUTCMonth() + n);
  return d.getTime();
}
