import { CLUSTER, ZCL_STATUS, type ZclValue } from '../../../protocols/gbcs/gbz/index.js';
import { parseUtrn, verifyUtrn } from '../../../protocols/crypto/index.js';
import { GbcsCryptoError } from '../../../protocols/errors.js';
import { ROLE } from '../../trust.js';
import { type Call, type Handler, type Outcome, num, setFromFields, status, time } from '../call.js';
import type { Ctx, GbzCore } from '../core.js';
import { utc, utcToDate } from '../rules.js';
import { PAYMENT_MODE, isPrepayment } from '../state.js';
import { snapshotReply } from './metering.js';

/*
 * Prepayment cluster: credit, emergency credit, debts, payment mode and the top-up path. Money is in
 * 10^-5 GBP (the unit RTDS GSMEs report balances in).
 */

const P = CLUSTER.prepayment;
const M = CLUSTER.metering;

/** ZSE Consumer Top Up Response result types. */
export const TOP_UP = { accepted: 0, invalid: 1, duplicate: 2, error: 3, maxCredit: 4, tooLarge: 6 } as const;

/** ZSE originating device: 0 energy service interface (remote), 1 meter keypad, 2 IHD/PPMID. */
export const ORIGIN = { remote: 0, meter: 1, hanDevice: 2 } as const;

export interface TopUpResult {
  resultType: number;
  amount: number;
}

function utrnText(v: ZclValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.hex === 'string') {
    return new TextDecoder().decode(Uint8Array.from(Buffer.from(v.hex, 'hex')));
  }
  return undefined;
}

/**
 * A UTRN entered at the meter, a PPMID or sent over the WAN: authentic for this device (GMAC keyed with the
 * supplier's prepayment top-up anchor), not used before, within the credit limits; then credited and logged.
 */
export function applyTopUp(core: GbzCore, ctx: Pick<Ctx, 'device' | 'alert'>, code: ZclValue | undefined, origin: number, at: Date): TopUpResult {
  const s = core.s;
  const a = s.attrs;
  const utrn = utrnText(code);
  const anchor = ctx.device.trust.get(ROLE.supplier, 'ka-topup');
  if (!utrn || !anchor) return { resultType: TOP_UP.error, amount: 0 };
  let valid = false;
  let parsed: ReturnType<typeof parseUtrn> | undefined;
  try {
    parsed = parseUtrn(utrn);
    valid = verifyUtrn({ utrn, key: ctx.device.keyAgreementSecret(anchor.publicKey), supplier: anchor.eui, device: core.eui });
  } catch (e) {
    if (!(e instanceof GbcsCryptoError)) throw e;
  }
  if (!valid || !parsed) {
    core.raiseEvent(ctx, 0x8f63, at);
    return { resultType: TOP_UP.invalid, amount: 0 };
  }
  const counterKey = String(parsed.counterBits);
  if (s.prepayment.usedUtrnCounters.has(counterKey)) {
    core.raiseEvent(ctx, 0x8f51, at);
    return { resultType: TOP_UP.duplicate, amount: 0 };
  }
  const amount = parsed.value * (parsed.valueClass === 'pounds' ? 100_000 : 1_000);
  if (amount > a.num(P, 'maxCreditPerTopUp')) return { resultType: TOP_UP.tooLarge, amount: 0 };
  if (a.num(P, 'creditRemaining') + amount > a.num(P, 'maxCreditLimit')) {
    core.raiseEvent(ctx, 0x8f5b, at);
    return { resultType: TOP_UP.maxCredit, amount: 0 };
  }
  s.prepayment.usedUtrnCounters.add(counterKey);
  core.addCredit(amount);
  // Payment-based debts (recovery method 1) take their share of every top-up (percentage in 0.01 %).
  for (const k of [1, 2, 3]) {
    const debt = a.num(P, `debtAmount${k}`);
    if (debt <= 0 || a.num(P, `debtRecoveryMethod${k}`) !== 1) continue;
    const share = Math.min(debt, Math.floor((amount * a.num(P, `debtRecoveryTopUpPercentage${k}`)) / 10_000));
    if (share > 0) core.recoverDebt(k, share, at.getTime(), ctx);
  }
  s.prepayment.topUps.unshift({ code: utrn, amount, time: at.getTime(), origin });
  if (s.prepayment.topUps.length > 100) s.prepayment.topUps.length = 100;
  if (origin !== ORIGIN.remote) core.raiseEvent(ctx, 0x810e, at);
  return { resultType: TOP_UP.accepted, amount };
}

const consumerTopUp: Handler = (c) => {
  const origin = num(c.f.originatingDevice);
  const r =
    c.fault !== undefined ? { resultType: TOP_UP.error, amount: 0 } : applyTopUp(c.core, c.ctx, c.f.topUpCode, origin, c.now);
  const ok = r.resultType === TOP_UP.accepted;
  return {
    replies: [
      {
        command: 'consumerTopUpResponse',
        fields: {
          resultType: r.resultType,
          // A rejected top-up reports neither a value nor a balance (ZCL invalid value -1).
          topUpValue: ok ? r.amount : -1,
          sourceOfTopUp: origin,
          creditRemaining: ok ? c.s.attrs.num(P, 'creditRemaining') : -1,
        },
      },
    ],
  };
};
consumerTopUp.reportsOwnFault = true;

const selectAvailableEmergencyCredit: Handler = (c) => {
  const s = c.s;
  const a = s.attrs;
  if (s.prepayment.ecSelected) return status(0);
  if (a.num(P, 'creditRemaining') >= a.num(P, 'emergencyCreditThreshold')) return status(ZCL_STATUS.failure);
  s.prepayment.ecSelected = true;
  a.set(P, 'emergencyCreditRemaining', a.num(P, 'emergencyCreditLimitAllowance'));
  c.core.raiseEvent(c.ctx, 0x81ab, c.now);
  if (a.num(M, 'supplyStatus') === 0) {
    // Emergency credit after disablement arms the valve for the consumer to open.
    a.set(M, 'supplyStatus', 1);
    c.core.raiseEvent(c.ctx, 0x8168, c.now);
  }
  return status(0);
};

const emergencyCreditSetup: Handler = (c) =>
  setFromFields(c, 'prepayment.emergencyCredit', time(c.f.startTime), P, {
    emergencyCreditLimitAllowance: 'emergencyCreditLimit',
    emergencyCreditThreshold: 'emergencyCreditThreshold',
  });

const setLowCreditWarningLevel: Handler = (c) => setFromFields(c, 'prepayment.lowCreditWarning', undefined, P, { lowCreditWarningLevel: 'lowCreditWarningLevel' });

const setMaximumCreditLimit: Handler = (c) =>
  setFromFields(c, 'prepayment.maximumCredit', time(c.f.implementationDateTime), P, { maxCreditLimit: 'maximumCreditLevel', maxCreditPerTopUp: 'maximumCreditPerTopUp' });

const setOverallDebtCap: Handler = (c) => setFromFields(c, 'prepayment.debtCap', time(c.f.implementationDateTime), P, { overallDebtCap: 'overallDebtCap' });

/** GBCS credit adjustment types: 0 add to credit, 1 set credit, 2 reset / 3 adjust the credit-mode meter balance. */
const creditAdjustment: Handler = (c) => {
  const type = num(c.f.creditAdjustmentType);
  const value = num(c.f.creditAdjustmentValue);
  if (type > 3) return status(ZCL_STATUS.invalidField);
  return status(
    c.effect('prepayment.creditAdjustment', time(c.f.startTime), () => {
      const a = c.s.attrs;
      switch (type) {
        case 0:
          c.core.addCredit(value);
          break;
        case 1:
          a.set(P, 'creditRemaining', value);
          break;
        case 2:
          a.set(M, 'billToDateDelivered', 0);
          a.set(M, 'billToDateTimeStampDelivered', utc(c.ctx.now));
          break;
        case 3:
          a.set(M, 'billToDateDelivered', Math.max(0, Math.min(0xffffffff, a.num(M, 'billToDateDelivered') + value)));
          a.set(M, 'billToDateTimeStampDelivered', utc(c.ctx.now));
          break;
      }
      return 0;
    }),
  );
};

/** ZSE debt amount type: register = type/2 + 1, odd types add to the debt instead of setting it. */
const changeDebt: Handler = (c) => {
  const f = c.f;
  const amountType = num(f.debtAmountType);
  if (amountType > 5) return status(ZCL_STATUS.invalidField);
  const k = (amountType >> 1) + 1;
  const a = c.s.attrs;
  const amount = (amountType & 1 ? a.num(P, `debtAmount${k}`) : 0) + num(f.debtAmount);
  if (amount < 0 || amount > 0xffffffff) return status(ZCL_STATUS.invalidValue);
  a.set(P, `debtLabel${k}`, typeof f.debtLabel === 'string' ? Buffer.from(f.debtLabel).toString('hex').toUpperCase() : '');
  a.set(P, `debtAmount${k}`, amount);
  a.set(P, `debtRecoveryMethod${k}`, num(f.debtRecoveryMethod));
  a.set(P, `debtRecoveryStartTime${k}`, f.debtRecoveryStartTime ?? 0);
  a.set(P, `debtRecoveryCollectionTime${k}`, num(f.debtRecoveryCollectionTime));
  a.set(P, `debtRecoveryFrequency${k}`, num(f.debtRecoveryFrequency));
  a.set(P, `debtRecoveryAmount${k}`, num(f.debtRecoveryAmount));
  a.set(P, `debtRecoveryTopUpPercentage${k}`, num(f.debtRecoveryBalancePercentage));
  a.set(P, 'accumulatedDebt', [1, 2, 3].reduce((t, i) => t + a.num(P, `debtAmount${i}`), 0));
  return status(0);
};

function paymentModeResponse(c: Call): Outcome {
  const a = c.s.attrs;
  return {
    replies: [
      {
        command: 'changePaymentModeResponse',
        fields: {
          friendlyCredit: c.s.prepayment.friendlyCredit,
          friendlyCreditCalendarId: c.s.prepayment.friendlyCreditCalendarId,
          emergencyCreditLimit: a.num(P, 'emergencyCreditLimitAllowance'),
          emergencyCreditThreshold: a.num(P, 'emergencyCreditThreshold'),
        },
      },
    ],
  };
}

const changePaymentMode: Handler = (c) => {
  const config = num(c.f.proposedPaymentControlConfiguration);
  const st = c.effect('prepayment.paymentMode', time(c.f.implementationDateTime), () => {
    const wasPrepayment = isPrepayment(c.s);
    c.s.attrs.set(P, 'paymentControlConfiguration', config);
    c.s.attrs.set(P, 'cutOffValue', num(c.f.cutOffValue));
    // A change of mode closes the billing data log entry of the old mode (snapshot cause "change of mode").
    if (wasPrepayment !== ((config & PAYMENT_MODE.prepayment) !== 0)) {
      const at = c.ctx.now.getTime();
      c.core.pushSnapshot(c.s.metering.snapshots, c.core.takeSnapshot(0x4000, at));
      c.core.pushSnapshot(c.s.prepayment.snapshots, c.core.prepaySnapshot(0x4000, at));
    }
    return 0;
  });
  return st === 0 ? paymentModeResponse(c) : status(st);
};

const getPrepaySnapshot: Handler = (c) => snapshotReply(c.s.prepayment.snapshots, c, 'publishPrepaySnapshot');

/** The window of a log read: the component's from-date-time (or none) up to the latest end time. */
function logWindow(c: Call): { from: number; to: number } {
  const from = utcToDate(c.comp.fromDateTime)?.getTime() ?? 0;
  const raw = time(c.f.latestEndTime);
  const to = raw === undefined || (typeof raw === 'number' && (raw === 0 || raw >= 0xfffffffe)) ? Infinity : (utcToDate(raw)?.getTime() ?? Infinity);
  return { from, to };
}

const getTopUpLog: Handler = (c) => {
  const { from, to } = logWindow(c);
  const n = num(c.f.numberOfRecords);
  const hits = c.s.prepayment.topUps.filter((t) => t.time >= from && t.time <= to).sort((x, y) => y.time - x.time);
  const chosen = n > 0 ? hits.slice(0, n) : hits;
  if (!chosen.length) return status(ZCL_STATUS.notFound);
  return {
    replies: [
      {
        command: 'publishTopUpLog',
        fields: {
          commandIndex: 0,
          totalNumberOfCommands: 1,
          topUps: chosen.map((t) => ({ topUpCode: t.code, topUpAmount: t.amount, topUpTime: utc(new Date(t.time)) })),
        },
      },
    ],
  };
};

const getDebtRepaymentLog: Handler = (c) => {
  const { from, to } = logWindow(c);
  const n = num(c.f.numberOfDebts);
  const type = num(c.f.debtType, 0xff);
  const hits = c.s.prepayment.debtLog
    .filter((d) => d.time >= from && d.time <= to && (type === 0xff || d.debtType === type))
    .sort((x, y) => y.time - x.time);
  const chosen = n > 0 ? hits.slice(0, n) : hits;
  if (!chosen.length) return status(ZCL_STATUS.notFound);
  return {
    replies: [
      {
        command: 'publishDebtLog',
        fields: {
          commandIndex: 0,
          totalNumberOfCommands: 1,
          debts: chosen.map((d) => ({
            collectionTime: utc(new Date(d.time)),
            amountCollected: d.amount,
            debtType: d.debtType,
            outstandingDebt: d.outstanding,
          })),
        },
      },
    ],
  };
};

export const PREPAYMENT_HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ['selectAvailableEmergencyCredit', selectAvailableEmergencyCredit],
  ['changeDebt', changeDebt],
  ['emergencyCreditSetup', emergencyCreditSetup],
  ['consumerTopUp', consumerTopUp],
  ['creditAdjustment', creditAdjustment],
  ['changePaymentMode', changePaymentMode],
  ['getPrepaySnapshot', getPrepaySnapshot],
  ['getTopUpLog', getTopUpLog],
  ['setLowCreditWarningLevel', setLowCreditWarningLevel],
  ['getDebtRepaymentLog', getDebtRepaymentLog],
  ['setMaximumCreditLimit', setMaximumCreditLimit],
  ['setOverallDebtCap', setOverallDebtCap],
]);
