import { CLUSTER, ZCL_STATUS, type ZclValue } from '../../../protocols/gbcs/gbz/index.js';
import { type Call, type Handler, type Outcome, num, reply, setFromFields, status, time } from '../call.js';
import { billingBoundaryAfter } from '../core.js';
import { utc } from '../rules.js';
import type { BillingPeriod, Calendar, GbzState } from '../state.js';
import { octetsToText, textToOctets } from './general.js';

/*
 * Price cluster (the meter is its client: the supplier publishes, the meter answers with a Default
 * Response) and Calendar cluster. Publishes with a start time in the future are kept passive and become
 * active when the clock gets there; the attributes always show the active tariff.
 */

const PR = CLUSTER.price;
const BLOCK_PRICE = 0x0400;
const BLOCK_THRESHOLD = 0x0100;

const publishTariffInformation: Handler = (c) => {
  const f = c.f;
  return status(
    c.effect('price.tariff', time(f.startTime), () => {
      const a = c.s.attrs;
      c.s.price.issuerTariffId = num(f.issuerTariffId);
      c.s.price.providerId = num(f.providerId);
      c.s.price.issuerEventId = num(f.issuerEventId);
      c.s.price.rateLabel = f.tariffLabel ?? '';
      a.set(PR, 'tariffLabel', textToOctets(f.tariffLabel));
      a.set(PR, 'numberOfPriceTiersInUse', num(f.numberOfPriceTiersInUse));
      a.set(PR, 'numberOfBlockThresholdsInUse', num(f.numberOfBlockThresholdsInUse));
      a.set(PR, 'tierBlockMode', num(f.tierBlockMode));
      a.set(PR, 'unitOfMeasure', num(f.unitOfMeasure));
      a.set(PR, 'currency', num(f.currency));
      a.set(PR, 'priceTrailingDigit', num(f.priceTrailingDigit));
      a.set(PR, 'standingCharge', num(f.standingCharge));
      a.set(PR, 'thresholdMultiplier', num(f.blockThresholdMultiplier));
      a.set(PR, 'thresholdDivisor', num(f.blockThresholdDivisor));
      c.s.price.tariffType = num(f.tariffTypeChargingScheme);
      return 0;
    }),
  );
};

const publishPriceMatrix: Handler = (c) => {
  const f = c.f;
  const entries = (f.priceMatrix as Array<{ tierBlockId: number; price: number }>) ?? [];
  // Sub-payload control bit 0: prices per TOU tier (tier n is "tier n block 1"); clear: per tier/block id.
  const tou = (num(f.subPayloadControl) & 1) === 1;
  return status(
    c.effect('price.matrix', time(f.startTime), () => {
      if (num(f.commandIndex) === 0) for (let i = 0; i < 256; i++) c.s.attrs.set(PR, BLOCK_PRICE + i, 0);
      for (const e of entries) c.s.attrs.set(PR, BLOCK_PRICE + (tou ? (e.tierBlockId & 0x0f) << 4 : e.tierBlockId & 0xff), e.price);
      return 0;
    }),
  );
};

const publishBlockThresholds: Handler = (c) => {
  const f = c.f;
  const sets = (f.blockThresholds as Array<{ tier: number; blockThresholds: number[] }>) ?? [];
  return status(
    c.effect('price.thresholds', time(f.startTime), () => {
      const a = c.s.attrs;
      if (num(f.commandIndex) === 0) for (let i = 0; i < 256; i++) a.set(PR, BLOCK_THRESHOLD + i, 0);
      for (const t of sets) {
        t.blockThresholds.forEach((v, i) => a.set(PR, BLOCK_THRESHOLD + t.tier * 16 + i, v));
        a.set(PR, BLOCK_THRESHOLD + t.tier * 16 + 15, t.blockThresholds.length);
      }
      return 0;
    }),
  );
};

const publishConversionFactor: Handler = (c) =>
  setFromFields(c, 'price.conversionFactor', time(c.f.startTime), PR, {
    conversionFactor: 'conversionFactor',
    conversionFactorTrailingDigit: 'conversionFactorTrailingDigit',
  });

const publishCalorificValue: Handler = (c) =>
  setFromFields(c, 'price.calorificValue', time(c.f.startTime), PR, {
    calorificValue: 'calorificValue',
    calorificValueUnit: 'calorificValueUnit',
    calorificValueTrailingDigit: 'calorificValueTrailingDigit',
  });

/** The billing calendar as published; the device works out where the current period ends. */
export function setBillingPeriod(s: GbzState, b: BillingPeriod, now: Date): void {
  s.price.billing = b;
  s.price.billingNextEnd = billingBoundaryAfter(b, now.getTime());
  s.attrs.set(PR, 'currentBillingPeriodStart', b.billingPeriodStartTime);
  s.attrs.set(PR, 'currentBillingPeriodDuration', b.billingPeriodDuration);
}

const publishBillingPeriod: Handler = (c) => {
  const f = c.f;
  // The start time is when the billing calendar starts counting, not an activation time.
  return status(
    c.effect('price.billingPeriod', undefined, () => {
      setBillingPeriod(
        c.s,
        {
          providerId: num(f.providerId),
          issuerEventId: num(f.issuerEventId),
          billingPeriodStartTime: f.billingPeriodStartTime as string,
          billingPeriodDuration: num(f.billingPeriodDuration),
          billingPeriodDurationType: num(f.billingPeriodDurationType),
          tariffType: num(f.tariffType),
        },
        c.now,
      );
      return 0;
    }),
  );
};

const publishBlockPeriod: Handler = (c) => {
  const f = c.f;
  return status(
    c.effect('price.blockPeriod', undefined, () => {
      const a = c.s.attrs;
      a.set(PR, 'startOfBlockPeriod', f.blockPeriodStartTime ?? 0);
      a.set(PR, 'blockPeriodDuration', num(f.blockPeriodDuration));
      a.set(PR, 'blockPeriodDurationType', num(f.blockPeriodDurationType));
      if (f.tariffResolutionPeriod !== undefined) a.set(PR, 'tariffResolutionPeriod', num(f.tariffResolutionPeriod));
      return 0;
    }),
  );
};

const getBillingPeriod: Handler = (c) => {
  const b = c.s.price.billing;
  if (!b) return status(ZCL_STATUS.notFound);
  return { replies: [{ command: 'publishBillingPeriod', fields: { ...b } }] };
};

const getCurrentPrice: Handler = (c) => {
  const a = c.s.attrs;
  const { tier, block } = c.core.activeRate(c.now);
  const id = block > 0 ? (tier << 4) | (block - 1) : tier << 4;
  const tiers = a.num(PR, 'numberOfPriceTiersInUse');
  return reply('publishPrice', {
    providerId: c.s.price.providerId,
    rateLabel: c.s.price.rateLabel ?? '',
    issuerEventId: c.s.price.issuerEventId,
    currentTime: utc(c.now),
    unitOfMeasure: a.num(PR, 'unitOfMeasure'),
    currency: a.num(PR, 'currency'),
    priceTrailingDigitAndPriceTier: (a.num(PR, 'priceTrailingDigit') & 0xf0) | (Math.min(tier, 15) & 0x0f),
    numberOfPriceTiersAndRegisterTier: ((Math.min(tiers, 15) & 0x0f) << 4) | (Math.min(tier, 15) & 0x0f),
    startTime: 0,
    durationInMinutes: 0xffff,
    price: a.num(PR, BLOCK_PRICE + id),
  });
};

const getTariffInformation: Handler = (c) => {
  const a = c.s.attrs;
  if (!c.s.price.issuerTariffId) return status(ZCL_STATUS.notFound);
  return reply('publishTariffInformation', {
    providerId: c.s.price.providerId,
    issuerEventId: c.s.price.issuerEventId,
    issuerTariffId: c.s.price.issuerTariffId,
    startTime: 0,
    tariffTypeChargingScheme: c.s.price.tariffType ?? 0,
    tariffLabel: octetsToText(a.get(PR, 'tariffLabel')),
    numberOfPriceTiersInUse: a.num(PR, 'numberOfPriceTiersInUse'),
    numberOfBlockThresholdsInUse: a.num(PR, 'numberOfBlockThresholdsInUse'),
    unitOfMeasure: a.num(PR, 'unitOfMeasure'),
    currency: a.num(PR, 'currency'),
    priceTrailingDigit: a.num(PR, 'priceTrailingDigit'),
    standingCharge: a.num(PR, 'standingCharge'),
    tierBlockMode: a.num(PR, 'tierBlockMode'),
    blockThresholdMultiplier: a.num(PR, 'thresholdMultiplier'),
    blockThresholdDivisor: a.num(PR, 'thresholdDivisor'),
  });
};

/** The whole of a price table (matrix or thresholds) as the one and only command of its set. */
function wholeTable(c: Call, command: string, table: Record<string, unknown>): Outcome {
  return reply(command, {
    providerId: c.s.price.providerId,
    issuerEventId: c.s.price.issuerEventId,
    startTime: 0,
    issuerTariffId: c.s.price.issuerTariffId,
    commandIndex: 0,
    numberOfCommands: 1,
    subPayloadControl: 0,
    ...table,
  });
}

const getPriceMatrix: Handler = (c) => {
  const priceMatrix: Array<{ tierBlockId: number; price: number }> = [];
  for (let i = 0; i < 256; i++) {
    const p = c.s.attrs.num(PR, BLOCK_PRICE + i);
    if (p) priceMatrix.push({ tierBlockId: i, price: p });
  }
  if (!priceMatrix.length) return status(ZCL_STATUS.notFound);
  return wholeTable(c, 'publishPriceMatrix', { priceMatrix });
};

const getBlockThresholds: Handler = (c) => {
  const blockThresholds: Array<{ tier: number; blockThresholds: number[] }> = [];
  for (let t = 0; t < 16; t++) {
    const n = c.s.attrs.num(PR, BLOCK_THRESHOLD + t * 16 + 15);
    if (n) blockThresholds.push({ tier: t, blockThresholds: Array.from({ length: n }, (_, i) => c.s.attrs.num(PR, BLOCK_THRESHOLD + t * 16 + i)) });
  }
  if (!blockThresholds.length) return status(ZCL_STATUS.notFound);
  return wholeTable(c, 'publishBlockThresholds', { blockThresholds });
};

const getConversionFactor: Handler = (c) =>
  reply('publishConversionFactor', {
    issuerEventId: c.s.price.issuerEventId,
    startTime: 0,
    conversionFactor: c.s.attrs.num(PR, 'conversionFactor'),
    conversionFactorTrailingDigit: c.s.attrs.num(PR, 'conversionFactorTrailingDigit'),
  });

const getCalorificValue: Handler = (c) =>
  reply('publishCalorificValue', {
    issuerEventId: c.s.price.issuerEventId,
    startTime: 0,
    calorificValue: c.s.attrs.num(PR, 'calorificValue'),
    calorificValueUnit: c.s.attrs.num(PR, 'calorificValueUnit'),
    calorificValueTrailingDigit: c.s.attrs.num(PR, 'calorificValueTrailingDigit'),
  });

// ---- Calendar ---------------------------------------------------------------------------------------------

const CAL = CLUSTER.calendar;

function draftKey(id: number): string {
  return `calendar:${id}`;
}

/** The calendar a publish belongs to: the one published earlier in this command, or the active one. */
function calendarById(c: Call, issuerCalendarId: number): Calendar | undefined {
  const d = c.scope.get(draftKey(issuerCalendarId)) as Calendar | undefined;
  if (d) return d;
  for (const cal of c.s.calendars.values()) if (cal.issuerCalendarId === issuerCalendarId) return cal;
  return undefined;
}

const publishCalendar: Handler = (c) => {
  const f = c.f;
  const type = num(f.calendarType);
  const draft: Calendar = {
    providerId: num(f.providerId),
    issuerEventId: num(f.issuerEventId),
    issuerCalendarId: num(f.issuerCalendarId),
    startTime: (f.startTime as string | number) ?? 0,
    calendarType: type,
    calendarTimeReference: num(f.calendarTimeReference),
    calendarName: f.calendarName ?? '',
    numberOfSeasons: num(f.numberOfSeasons),
    numberOfWeekProfiles: num(f.numberOfWeekProfiles),
    numberOfDayProfiles: num(f.numberOfDayProfiles),
    days: new Map(),
    weeks: new Map(),
    seasons: [],
  };
  c.scope.set(draftKey(draft.issuerCalendarId), draft);
  return status(
    c.effect(`calendar.${type}`, time(f.startTime), () => {
      c.s.calendars.set(type, draft);
      // Type 3 is the friendly credit calendar the payment mode response names.
      if (type === 3) c.s.prepayment.friendlyCreditCalendarId = draft.issuerCalendarId;
      return 0;
    }),
  );
};

const publishDayProfile: Handler = (c) => {
  const cal = calendarById(c, num(c.f.issuerCalendarId));
  if (!cal) return status(ZCL_STATUS.notFound);
  const dayId = num(c.f.dayId);
  const entries = (c.f.dayScheduleEntries as Array<Record<string, ZclValue>>) ?? [];
  const prev = num(c.f.commandIndex) > 0 ? (cal.days.get(dayId)?.entries ?? []) : [];
  cal.days.set(dayId, { dayId, entries: [...prev, ...entries] });
  return status(0);
};

const publishWeekProfile: Handler = (c) => {
  const cal = calendarById(c, num(c.f.issuerCalendarId));
  if (!cal) return status(ZCL_STATUS.notFound);
  const { providerId: _p, issuerEventId: _e, issuerCalendarId: _c, ...refs } = c.f;
  cal.weeks.set(num(c.f.weekId), refs);
  return status(0);
};

const publishSeasons: Handler = (c) => {
  const cal = calendarById(c, num(c.f.issuerCalendarId));
  if (!cal) return status(ZCL_STATUS.notFound);
  const entries = (c.f.seasonEntries as Array<Record<string, ZclValue>>) ?? [];
  cal.seasons = num(c.f.commandIndex) > 0 ? [...cal.seasons, ...entries] : [...entries];
  return status(0);
};

const publishSpecialDays: Handler = (c) => {
  const f = c.f;
  const type = num(f.calendarType);
  const entries = (f.specialDayEntries as Array<Record<string, ZclValue>>) ?? [];
  return status(
    c.effect(`specialDays.${type}`, time(f.startTime), () => {
      c.s.specialDays.set(type, {
        providerId: num(f.providerId),
        issuerEventId: num(f.issuerEventId),
        issuerCalendarId: num(f.issuerCalendarId),
        startTime: 0,
        calendarType: type,
        entries,
      });
      return 0;
    }),
  );
};

const cancelCalendar: Handler = (c) => {
  const type = num(c.f.calendarType);
  c.core.cancel(`calendar.${type}`);
  c.core.cancel(`specialDays.${type}`);
  const had = c.s.calendars.delete(type);
  c.s.specialDays.delete(type);
  return status(had ? 0 : ZCL_STATUS.notFound);
};

/**
 * The calendar a get asks about: a real issuer calendar id names it; "current" (0, 0xFFFFFFFE/F) takes the
 * type another component of the same command names (Get Special Days carries one), else the TOU calendar.
 */
function pickCalendar(c: Call): Calendar | undefined {
  const id = num(c.f.issuerCalendarId);
  if (id !== 0 && id < 0xfffffffe) return [...c.s.calendars.values()].find((k) => k.issuerCalendarId === id);
  let type: number | undefined = typeof c.f.calendarType === 'number' ? c.f.calendarType : undefined;
  for (const s of c.siblings) {
    if (type !== undefined) break;
    const t = s.command?.typed && s.clusterId === CAL ? s.command.fields.calendarType : undefined;
    if (typeof t === 'number') type = t;
  }
  if (type !== undefined && type !== 0xff) return c.s.calendars.get(type);
  return c.s.calendars.get(0) ?? c.s.calendars.values().next().value;
}

function calendarHeader(cal: Calendar): Record<string, number> {
  return { providerId: cal.providerId, issuerEventId: cal.issuerEventId, issuerCalendarId: cal.issuerCalendarId };
}

const getCalendar: Handler = (c) => {
  const type = num(c.f.calendarType, 0xff);
  const cals = [...c.s.calendars.values()].filter((k) => type === 0xff || k.calendarType === type);
  if (!cals.length) return status(ZCL_STATUS.notFound);
  return {
    replies: cals.map((cal) => ({
      command: 'publishCalendar',
      fields: {
        ...calendarHeader(cal),
        startTime: cal.startTime,
        calendarType: cal.calendarType,
        calendarTimeReference: cal.calendarTimeReference,
        calendarName: cal.calendarName,
        numberOfSeasons: cal.seasons.length,
        numberOfWeekProfiles: cal.weeks.size,
        numberOfDayProfiles: cal.days.size,
      },
    })),
  };
};

const getDayProfiles: Handler = (c) => {
  const cal = pickCalendar(c);
  const start = num(c.f.startDayId, 1);
  const n = num(c.f.numberOfDays);
  const days = cal ? [...cal.days.values()].filter((d) => d.dayId >= start).sort((a, b) => a.dayId - b.dayId) : [];
  const chosen = n > 0 ? days.slice(0, n) : days;
  if (!cal || !chosen.length) return status(ZCL_STATUS.notFound);
  return {
    replies: chosen.map((d) => ({
      command: 'publishDayProfile',
      fields: {
        ...calendarHeader(cal),
        dayId: d.dayId,
        totalNumberOfScheduleEntries: d.entries.length,
        commandIndex: 0,
        totalNumberOfCommands: 1,
        calendarType: cal.calendarType,
        dayScheduleEntries: d.entries,
      },
    })),
  };
};

const getWeekProfiles: Handler = (c) => {
  const cal = pickCalendar(c);
  const start = num(c.f.startWeekId, 1);
  const n = num(c.f.numberOfWeeks);
  const weeks = cal ? [...cal.weeks.entries()].filter(([id]) => id >= start).sort((a, b) => a[0] - b[0]) : [];
  const chosen = n > 0 ? weeks.slice(0, n) : weeks;
  if (!cal || !chosen.length) return status(ZCL_STATUS.notFound);
  return { replies: chosen.map(([weekId, refs]) => ({ command: 'publishWeekProfile', fields: { ...calendarHeader(cal), ...refs, weekId } })) };
};

const getSeasons: Handler = (c) => {
  const cal = pickCalendar(c);
  if (!cal || !cal.seasons.length) return status(ZCL_STATUS.notFound);
  return {
    replies: [{ command: 'publishSeasons', fields: { ...calendarHeader(cal), commandIndex: 0, totalNumberOfCommands: 1, seasonEntries: cal.seasons } }],
  };
};

const getSpecialDays: Handler = (c) => {
  const type = num(c.f.calendarType, 0xff);
  const id = num(c.f.issuerCalendarId);
  const sd = [...c.s.specialDays.values()].find(
    (d) => (type === 0xff || d.calendarType === type) && (id === 0 || id >= 0xfffffffe || d.issuerCalendarId === id),
  );
  if (!sd) return status(ZCL_STATUS.notFound);
  return reply('publishSpecialDays', {
    providerId: sd.providerId,
    issuerEventId: sd.issuerEventId,
    issuerCalendarId: sd.issuerCalendarId,
    startTime: sd.startTime,
    calendarType: sd.calendarType,
    totalNumberOfSpecialDays: sd.entries.length,
    commandIndex: 0,
    totalNumberOfCommands: 1,
    specialDayEntries: sd.entries,
  });
};

export const PRICE_HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ['publishTariffInformation', publishTariffInformation],
  ['publishPriceMatrix', publishPriceMatrix],
  ['publishBlockThresholds', publishBlockThresholds],
  ['publishConversionFactor', publishConversionFactor],
  ['publishCalorificValue', publishCalorificValue],
  ['publishBillingPeriod', publishBillingPeriod],
  ['publishBlockPeriod', publishBlockPeriod],
  ['getBillingPeriod', getBillingPeriod],
  ['getCurrentPrice', getCurrentPrice],
  ['getTariffInformation', getTariffInformation],
  ['getPriceMatrix', getPriceMatrix],
  ['getBlockThresholds', getBlockThresholds],
  ['getConversionFactor', getConversionFactor],
  ['getCalorificValue', getCalorificValue],
]);

export const CALENDAR_HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ['publishCalendar', publishCalendar],
  ['publishDayProfile', publishDayProfile],
  ['publishWeekProfile', publishWeekProfile],
  ['publishSeasons', publishSeasons],
  ['publishSpecialDays', publishSpecialDays],
  ['cancelCalendar', cancelCalendar],
  ['getCalendar', getCalendar],
  ['getDayProfiles', getDayProfiles],
  ['getWeekProfiles', getWeekProfiles],
  ['getSeasons', getSeasons],
  ['getSpecialDays', getSpecialDays],
]);
