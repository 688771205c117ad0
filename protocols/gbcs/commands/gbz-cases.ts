import { CLUSTER, type ZclComponentSpec, zclComponent } from '../gbz/index.js';
import { seconds2000 } from './dlms-build.js';
import { utrnParam } from './topup.js';
import { CommandParamsError, type Params, type When } from './params.js';
import type { BuildContext, UseCaseBuilder } from './types.js';

/*
 * GBZ (ZigBee ZCL) use cases for the GSME, GPF and other HAN devices. Components are numbered 0, 1, 2...
 * in order, as RTDS does; every field the head-end does not choose (provider id 0, issuer event id = issue
 * time) is filled the way the RTDS commands fill it.
 */

type Component = Omit<ZclComponentSpec, 'sequenceNumber'>;
type Build = (p: Params, ctx: BuildContext) => Component[];

function gbz(useCase: string, messageCode: number, params: string, build: Build): UseCaseBuilder {
  return {
    useCase,
    messageCode,
    family: 'gbz',
    params,
    build(p, ctx) {
      const components = build(p, ctx);
      p.done();
      return { family: 'gbz', gbz: { components: components.map((c, i) => zclComponent({ ...c, sequenceNumber: i })) } };
    },
  };
}

const { basic, price, metering, prepayment, calendar, deviceManagement, events } = CLUSTER;

function readAttributes(clusterId: number, ids: readonly number[]): Component {
  return { clusterId, command: 'readAttributes', fields: { attributes: ids.map((id) => ({ id })) } };
}

function fixed(useCase: string, messageCode: number, components: readonly Component[]): UseCaseBuilder {
  return gbz(useCase, messageCode, 'none', () => components.map((c) => ({ ...c })));
}

/** ZCL UTCTime of a future-dateable command: 0 is "now"; the two cancel values differ by command. */
function utc(w: When, never: 0xfffffffe | 0xffffffff): number {
  if (w === 'now') return 0;
  if (w === 'never') return never;
  return seconds2000(w);
}

const issuer = (ctx: BuildContext) => seconds2000(ctx.now);

const YEAR_MS = 365 * 86_400_000;

function span(p: Params, ctx: BuildContext, back: number): { from: number; to: number } {
  const to = p.time('to', ctx.now);
  const from = p.time('from', new Date(to.getTime() - back));
  if (from.getTime() > to.getTime()) p.fail('from', `is after to (${to.toISOString()})`);
  return { from: seconds2000(from), to: seconds2000(to) };
}

/** ZCL Date from `YYYY-MM-DD` or `*-MM-DD` (any year). */
function zclDate(text: string, path: string): { year: number | null; month: number; day: number; dayOfWeek: null } {
  const m = /^(\*|\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  if (!m || +m[2]! < 1 || +m[2]! > 12 || +m[3]! < 1 || +m[3]! > 31) {
    throw new CommandParamsError(path, `expected a date YYYY-MM-DD or *-MM-DD, got ${JSON.stringify(text)}`);
  }
  return { year: m[1] === '*' ? null : +m[1]!, month: +m[2]!, day: +m[3]!, dayOfWeek: null };
}

function minutesOfDay(text: string, path: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m || +m[1]! > 23 || +m[2]! > 59) throw new CommandParamsError(path, `expected a time of day hh:mm, got ${JSON.stringify(text)}`);
  return +m[1]! * 60 + +m[2]!;
}

/**
 * Calendar cluster publishes (calendar, day profiles, week profiles, seasons, special days). `calendarType`
 * 0 switches price tiers (tariffs), 3 switches friendly credit on and off (prepayment configuration).
 */
function calendarComponents(p: Params, ctx: BuildContext, calendarType: 0 | 3, start: When): Component[] {
  const id = issuer(ctx);
  const head = { providerId: 0, issuerEventId: id, issuerCalendarId: id };
  const days = p.objects('dayProfiles', { min: 1, max: 255 }).map((dp) => {
    const dayId = dp.int('id', { min: 1, max: 255 });
    const entries = dp.objects('switches', { min: 1, max: 255 }).map((s) => {
      const startTime = minutesOfDay(s.str('start'), `${s.path}.start`);
      const e = calendarType === 0 ? { startTime, priceTier: s.int('tier', { max: 255 }) } : { startTime, friendlyCreditEnable: s.bool('friendlyCredit') };
      s.done();
      return e;
    });
    dp.done();
    return { dayId, entries };
  });
  const weeks = p.objects('weekProfiles', { min: 1, max: 255 }).map((w) => {
    const weekId = w.int('id', { min: 1, max: 255 });
    const d = w.ints('days', { max: 255, minCount: 7, maxCount: 7 });
    w.done();
    return { weekId, d };
  });
  const seasons = p.objects('seasons', { min: 1, max: 255 }).map((s) => {
    const seasonStartDate = zclDate(s.str('start'), `${s.path}.start`);
    const weekIdRef = s.int('week', { min: 1, max: 255 });
    s.done();
    return { seasonStartDate, weekIdRef };
  });
  const special = p.objects('specialDays', { max: 255, default: [] }).map((s) => {
    const specialDayDate = zclDate(s.str('date'), `${s.path}.date`);
    const dayIdRef = s.int('dayId', { min: 1, max: 255 });
    s.done();
    return { specialDayDate, dayIdRef };
  });
  const startTime = utc(start, 0xfffffffe);
  return [
    {
      clusterId: calendar,
      command: 'publishCalendar',
      fields: { ...head, startTime, calendarType, calendarTimeReference: 0, calendarName: '', numberOfSeasons: seasons.length, numberOfWeekProfiles: weeks.length, numberOfDayProfiles: days.length },
    },
    ...days.map(
      (dp): Component => ({
        clusterId: calendar,
        command: 'publishDayProfile',
        fields: { ...head, dayId: dp.dayId, totalNumberOfScheduleEntries: dp.entries.length, commandIndex: 0, totalNumberOfCommands: 1, calendarType, dayScheduleEntries: dp.entries },
      }),
    ),
    ...weeks.map(
      (w): Component => ({
        clusterId: calendar,
        command: 'publishWeekProfile',
        fields: {
          ...head,
          weekId: w.weekId,
          dayIdRefMonday: w.d[0],
          dayIdRefTuesday: w.d[1],
          dayIdRefWednesday: w.d[2],
          dayIdRefThursday: w.d[3],
          dayIdRefFriday: w.d[4],
          dayIdRefSaturday: w.d[5],
          dayIdRefSunday: w.d[6],
        },
      }),
    ),
    { clusterId: calendar, command: 'publishSeasons', fields: { ...head, commandIndex: 0, totalNumberOfCommands: 1, seasonEntries: seasons } },
    {
      clusterId: calendar,
      command: 'publishSpecialDays',
      fields: { ...head, startTime, calendarType, totalNumberOfSpecialDays: special.length, commandIndex: 0, totalNumberOfCommands: 1, specialDayEntries: special },
    },
  ];
}

/**
 * Price cluster tariff: tariff information, block thresholds (GCS01a block tariffs only) and the price
 * matrix. A block tariff prices blocks 0..n; a TOU tariff prices tiers 1..n. GCS01b sets prices only, so it
 * names how many block thresholds are in use (`blocks`) without publishing them.
 */
function tariffComponents(p: Params, ctx: BuildContext, start: When, withThresholds: boolean): Component[] {
  const id = issuer(ctx);
  const thresholds = withThresholds && p.has('blockThresholds') ? p.ints('blockThresholds', { minCount: 1, maxCount: 15 }) : undefined;
  const count = withThresholds ? thresholds?.length : p.optInt('blocks', { min: 1, max: 15 });
  const block = count !== undefined;
  const prices = p.ints('prices', { minCount: 1, maxCount: count !== undefined ? count + 1 : 48 });
  const standingCharge = p.int('standingCharge');
  const currency = p.int('currency', { max: 0xffff, default: 826 });
  const priceTrailingDigit = p.int('priceTrailingDigit', { max: 0xff, default: 0x50 });
  const head = { providerId: 0, issuerEventId: id };
  const later = utc(start, 0xfffffffe);
  return [
    {
      clusterId: price,
      command: 'publishTariffInformation',
      fields: {
        ...head,
        issuerTariffId: 1,
        startTime: utc(start, 0xffffffff),
        tariffTypeChargingScheme: block ? 0x10 : 0x00,
        tariffLabel: '',
        numberOfPriceTiersInUse: block ? 0 : prices.length,
        numberOfBlockThresholdsInUse: count ?? 0,
        unitOfMeasure: 0,
        currency,
        priceTrailingDigit,
        standingCharge,
        tierBlockMode: 0xff,
        blockThresholdMultiplier: 1,
        blockThresholdDivisor: 1000,
      },
    },
    ...(thresholds
      ? [
          {
            clusterId: price,
            command: 'publishBlockThresholds',
            fields: { ...head, startTime: later, issuerTariffId: 1, commandIndex: 0, numberOfCommands: 1, subPayloadControl: 1, blockThresholds: [{ tier: 0, blockThresholds: thresholds }] },
          },
        ]
      : []),
    {
      clusterId: price,
      command: 'publishPriceMatrix',
      fields: {
        ...head,
        startTime: later,
        issuerTariffId: 1,
        commandIndex: 0,
        numberOfCommands: 1,
        subPayloadControl: block ? 0 : 1,
        priceMatrix: prices.map((x, i) => ({ tierBlockId: block ? i : i + 1, price: x })),
      },
    },
  ];
}

function creditAdjustment(useCase: string, code: number, type: number, withValue: boolean): UseCaseBuilder {
  return gbz(useCase, code, withValue ? 'value (signed credit adjustment)' : 'none', (p, ctx) => [
    {
      clusterId: prepayment,
      command: 'creditAdjustment',
      fields: {
        issuerEventId: issuer(ctx),
        startTime: 0,
        creditAdjustmentType: type,
        creditAdjustmentValue: withValue ? p.int('value', { min: -(2 ** 31), max: 2 ** 31 - 1 }) : 0,
      },
    },
  ]);
}

function paymentMode(useCase: string, code: number): UseCaseBuilder {
  return gbz(useCase, code, 'paymentControlConfiguration (bitmap16), cutOffValue (signed), executionDateTime', (p, ctx) => [
    {
      clusterId: prepayment,
      command: 'changePaymentMode',
      fields: {
        providerId: 0,
        issuerEventId: issuer(ctx),
        implementationDateTime: utc(p.when('executionDateTime'), 0xffffffff),
        proposedPaymentControlConfiguration: p.int('paymentControlConfiguration', { max: 0xffff }),
        cutOffValue: p.int('cutOffValue', { min: -(2 ** 31), max: 2 ** 31 - 1 }),
      },
    },
  ]);
}

function snapshots(clusterId: number, command: string, count: number, cause: number, s: { from: number; to: number }): Component[] {
  return Array.from({ length: count }, (_, i) => ({
    clusterId,
    command,
    fields: { earliestStartTime: s.from, latestEndTime: s.to, snapshotOffset: i, snapshotCause: cause },
  }));
}

function supply(useCase: string, code: number, proposedSupplyStatus: number): UseCaseBuilder {
  return gbz(useCase, code, 'none', (_p, ctx) => [
    {
      clusterId: metering,
      command: 'changeSupply',
      fields: { providerId: 0, issuerEventId: issuer(ctx), requestDateTime: 0, implementationDateTime: 0, proposedSupplyStatus, supplyControlBits: 1 },
    },
  ]);
}

function sampledData(useCase: string, code: number, sampleId: number): UseCaseBuilder {
  return gbz(useCase, code, 'from (ISO time of the earliest sample), samples', (p) => [
    {
      clusterId: metering,
      command: 'getSampledData',
      fields: { sampleId, earliestSampleTime: seconds2000(p.time('from')), sampleType: 0, numberOfSamples: p.int('samples', { min: 1, max: 0xffff }) },
    },
  ]);
}

const CALENDAR_PARAMS = 'dayProfiles[{id,switches[{start:"hh:mm",…}]}], weekProfiles[{id,days[7]}], seasons[{start:"*-MM-DD",week}], specialDays[{date,dayId}]';

export const GBZ_USE_CASES: readonly UseCaseBuilder[] = [
  // Tariffs
  gbz('GCS01a', 0x006b, `${CALENDAR_PARAMS} (switches: tier), prices, blockThresholds (block tariff), standingCharge, currency=826, priceTrailingDigit=0x50, executionDateTime`, (p, ctx) => {
    const start = p.when('executionDateTime');
    return [...calendarComponents(p, ctx, 0, start), ...tariffComponents(p, ctx, start, true)];
  }),
  gbz('GCS01b', 0x00a3, 'prices, blocks (number of block thresholds in use; absent = TOU), standingCharge, currency=826, priceTrailingDigit=0x50, executionDateTime', (p, ctx) =>
    tariffComponents(p, ctx, p.when('executionDateTime'), false),
  ),
  gbz('GCS05', 0x006f, `emergencyCreditLimit, emergencyCreditThreshold, overallDebtCap, lowCreditWarningLevel, maximumCreditLevel, maximumCreditPerTopUp, ${CALENDAR_PARAMS} (switches: friendlyCredit), executionDateTime`, (p, ctx) => {
    const start = p.when('executionDateTime');
    const id = issuer(ctx);
    const at = utc(start, 0xffffffff);
    const u32 = (k: string) => p.int(k);
    return [
      { clusterId: prepayment, command: 'emergencyCreditSetup', fields: { issuerEventId: id, startTime: at, emergencyCreditLimit: u32('emergencyCreditLimit'), emergencyCreditThreshold: u32('emergencyCreditThreshold') } },
      { clusterId: prepayment, command: 'setOverallDebtCap', fields: { providerId: 0, issuerEventId: id, implementationDateTime: at, overallDebtCap: u32('overallDebtCap') } },
      // This command has no time of its own: the component's from-date-time carries it.
      { clusterId: prepayment, command: 'setLowCreditWarningLevel', fromDateTime: at, fields: { lowCreditWarningLevel: u32('lowCreditWarningLevel') } },
      {
        clusterId: prepayment,
        command: 'setMaximumCreditLimit',
        fields: { providerId: 0, issuerEventId: id, implementationDateTime: at, maximumCreditLevel: u32('maximumCreditLevel'), maximumCreditPerTopUp: u32('maximumCreditPerTopUp') },
      },
      ...calendarComponents(p, ctx, 3, start),
    ];
  }),

  // Prepayment and payment mode
  paymentMode('GCS02', 0x006c),
  paymentMode('GCS03', 0x006d),
  gbz('GCS06', 0x0070, 'none', () => [{ clusterId: prepayment, command: 'selectAvailableEmergencyCredit', fields: { commandIssueDateTime: 0, originatingDevice: 0 } }]),
  creditAdjustment('GCS40b', 0x00b4, 1, false),
  creditAdjustment('GCS40c', 0x00c0, 3, true),
  creditAdjustment('GCS40d', 0x00c2, 2, false),
  gbz('CS01b', 0x0097, 'utrn, or value (0-8191) + valueClass=pennies|pounds', (p, ctx) => [
    { clusterId: prepayment, command: 'consumerTopUp', fields: { originatingDevice: 0, topUpCode: utrnParam(p, ctx) } },
  ]),

  // Device management: tenancy, supplier, PIN, site id, events
  gbz('GCS09', 0x0072, 'tenancyDate (ISO time), changeControl=512', (p, ctx) => [
    {
      clusterId: deviceManagement,
      command: 'publishChangeOfTenancy',
      fields: {
        providerId: 0,
        issuerEventId: issuer(ctx),
        tariffType: 0,
        implementationDateTime: seconds2000(p.time('tenancyDate')),
        proposedTenancyChangeControl: p.int('changeControl', { default: 512 }),
      },
    },
  ]),
  gbz('GCS11', 0x0073, 'none', (_p, ctx) => [
    {
      clusterId: deviceManagement,
      command: 'requestNewPasswordResponse',
      fields: { issuerEventId: issuer(ctx), implementationDateTime: 0, durationInMinutes: 0, passwordType: 2, password: '' },
    },
  ]),
  gbz('GCS20', 0x00ad, 'configurations[{eventConfiguration (bitmap8), eventIds[]}]', (p, ctx) =>
    p.objects('configurations', { min: 1 }).map((c) => {
      const fields = {
        issuerEventId: issuer(ctx),
        startDateTime: 0,
        eventConfiguration: c.int('eventConfiguration', { max: 0xff }),
        configurationControl: 0,
        eventConfigurationPayload: { eventIds: c.ints('eventIds', { max: 0xffff, minCount: 1, maxCount: 255 }) },
      };
      c.done();
      return { clusterId: deviceManagement, command: 'setEventConfiguration', fields };
    }),
  ),
  gbz('GCS20r', 0x00f1, 'eventId=0x81FF', (p) => [{ clusterId: deviceManagement, command: 'getEventConfiguration', fields: { eventId: p.int('eventId', { max: 0xffff, default: 0x81ff }) } }]),
  gbz('GCS41', 0x0087, 'mprn (site id text)', (p, ctx) => [
    { clusterId: deviceManagement, command: 'updateSiteId', fields: { issuerEventId: issuer(ctx), siteIdTime: 0, providerId: 0, siteId: p.str('mprn', { maxLength: 32 }) } },
  ]),
  gbz('GCS44', 0x0088, 'name, telephone (supplier contact details)', (p, ctx) => [
    {
      clusterId: deviceManagement,
      command: 'publishChangeOfSupplier',
      fields: {
        currentProviderId: 0,
        issuerEventId: issuer(ctx),
        tariffType: 0,
        proposedProviderId: 0,
        providerChangeImplementationTime: 0,
        providerChangeControl: 0x1800,
        proposedProviderName: p.str('name', { maxLength: 16 }),
        proposedProviderContactDetails: p.str('telephone', { maxLength: 19 }),
      },
    },
  ]),
  gbz('CS10b', 0x00a1, 'from, to (ISO times; default the last 24 h)', (p, ctx) => {
    const s = span(p, ctx, 86_400_000);
    return [
      {
        clusterId: events,
        command: 'getEventLog',
        // Log 4 is the security log; 0 events from offset 0 means all of them.
        fields: { eventControlLogId: 4, eventId: 0, startTime: s.from, endTime: s.to, numberOfEvents: 0, eventOffset: 0 },
      },
    ];
  }),
  gbz('CS11', 0x0015, 'logId=3', (p) => [{ clusterId: events, command: 'clearEventLogRequest', fields: { logId: p.int('logId', { max: 0xff, default: 3 }) } }]),

  // Gas configuration and supply
  gbz('GCS23', 0x007c, 'conversionFactor, calorificValue, conversionFactorTrailingDigit=0x50, calorificValueUnit=1, calorificValueTrailingDigit=0x10', (p, ctx) => {
    const id = issuer(ctx);
    return [
      {
        clusterId: price,
        command: 'publishConversionFactor',
        fields: { issuerEventId: id, startTime: 0, conversionFactor: p.int('conversionFactor'), conversionFactorTrailingDigit: p.int('conversionFactorTrailingDigit', { max: 0xff, default: 0x50 }) },
      },
      {
        clusterId: price,
        command: 'publishCalorificValue',
        fields: {
          issuerEventId: id,
          startTime: 0,
          calorificValue: p.int('calorificValue'),
          calorificValueUnit: p.int('calorificValueUnit', { max: 0xff, default: 1 }),
          calorificValueTrailingDigit: p.int('calorificValueTrailingDigit', { max: 0xff, default: 0x10 }),
        },
      },
    ];
  }),
  gbz(
    'GCS24',
    0x007d,
    'uncontrolledFlowThreshold, unitOfMeasure=1, multiplier=1, divisor=1, stabilisationPeriod, measurementPeriod, supplyTamperState, supplyDepletionState, supplyUncontrolledFlowState, loadLimitSupplyState',
    (p, ctx) => {
      const id = issuer(ctx);
      const u8 = (k: string, def?: number) => p.int(k, { max: 0xff, ...(def !== undefined ? { default: def } : {}) });
      return [
        {
          clusterId: metering,
          command: 'setUncontrolledFlowThreshold',
          fields: {
            providerId: 0,
            issuerEventId: id,
            uncontrolledFlowThreshold: p.int('uncontrolledFlowThreshold', { max: 0xffff }),
            unitOfMeasure: u8('unitOfMeasure', 1),
            multiplier: p.int('multiplier', { max: 0xffff, default: 1 }),
            divisor: p.int('divisor', { max: 0xffff, default: 1 }),
            stabilisationPeriod: u8('stabilisationPeriod'),
            measurementPeriod: p.int('measurementPeriod', { max: 0xffff }),
          },
        },
        {
          clusterId: metering,
          command: 'setSupplyStatus',
          fields: {
            issuerEventId: id,
            supplyTamperState: u8('supplyTamperState'),
            supplyDepletionState: u8('supplyDepletionState'),
            supplyUncontrolledFlowState: u8('supplyUncontrolledFlowState'),
            loadLimitSupplyState: u8('loadLimitSupplyState'),
          },
        },
      ];
    },
  ),
  ...(['GCS25', 'GCS25a'] as const).map((uc) =>
    gbz(uc, uc === 'GCS25' ? 0x007e : 0x00d8, 'start (ISO time), duration, durationType=0x23', (p, ctx) => {
      const id = issuer(ctx);
      const start = seconds2000(p.time('start'));
      const duration = p.int('duration', { max: 0xffffff });
      const durationType = p.int('durationType', { max: 0xff, default: 0x23 });
      return [
        {
          clusterId: price,
          command: 'publishBillingPeriod',
          fields: { providerId: 0, issuerEventId: id, billingPeriodStartTime: start, billingPeriodDuration: duration, billingPeriodDurationType: durationType, tariffType: 0 },
        },
        {
          clusterId: price,
          command: 'publishBlockPeriod',
          fields: {
            providerId: 0,
            issuerEventId: id,
            blockPeriodStartTime: start,
            blockPeriodDuration: duration,
            blockPeriodControl: 2,
            blockPeriodDurationType: durationType,
            tariffType: 0,
            tariffResolutionPeriod: 1,
          },
        },
      ];
    }),
  ),
  gbz('GCS31', 0x0080, 'interval=360 (seconds between samples), samples=41', (p, ctx) => [
    {
      clusterId: metering,
      command: 'startSampling',
      fields: {
        issuerEventId: issuer(ctx),
        startSamplingTime: 0,
        sampleType: 0,
        sampleRequestInterval: p.int('interval', { min: 1, max: 0xffff, default: 360 }),
        maxNumberOfSamples: p.int('samples', { min: 1, max: 0xffff, default: 41 }),
      },
    },
  ]),
  supply('GCS32', 0x0081, 0),
  supply('GCS39', 0x0085, 1),

  // Reads
  fixed('GCS13a', 0x0074, [readAttributes(metering, [0x0302, 0x0301, 0x0300, 0x0000])]),
  fixed('GCS13b', 0x00b8, [readAttributes(metering, [0x0700, 0x0701, 0x0702, 0x0703, 0x0302, 0x0301, 0x0300])]),
  fixed('GCS13c', 0x00b6, [readAttributes(metering, [0x0302, 0x0301, 0x0300, 0x0100, 0x0102, 0x0104, 0x0106])]),
  gbz('GCS15c', 0x0076, 'from, to (ISO times; default the last year)', (p, ctx) => {
    const s = span(p, ctx, YEAR_MS);
    // Billing-calendar snapshots (cause 2): the twelve most recent of each kind.
    return [...snapshots(metering, 'getSnapshot', 12, 2, s), ...snapshots(prepayment, 'getPrepaySnapshot', 12, 2, s)];
  }),
  gbz('GCS15e', 0x00c5, 'from (ISO time; default a year ago), records=5', (p, ctx) => [
    {
      clusterId: prepayment,
      command: 'getTopUpLog',
      fromDateTime: seconds2000(p.time('from', new Date(ctx.now.getTime() - YEAR_MS))),
      fields: { latestEndTime: 0xfffffffe, numberOfRecords: p.int('records', { min: 1, max: 0xff, default: 5 }) },
    },
  ]),
  gbz('GCS16a', 0x0077, 'from, to (ISO times; default the last year)', (p, ctx) =>
    // Daily snapshots (cause 1): the 31 most recent.
    snapshots(metering, 'getSnapshot', 31, 1, span(p, ctx, YEAR_MS)),
  ),
  sampledData('GCS18', 0x0079, 2),
  sampledData('GCS61', 0x00a0, 1),
  fixed('GCS21a', 0x007b, [readAttributes(price, [0x0306, 0x0305, 0x0304, 0x0303, 0x0302]), readAttributes(metering, [0x0b13, 0x0b12, 0x0b11, 0x0b10, 0x0b14, 0x0b15])]),
  fixed('GCS21b', 0x00b5, [
    readAttributes(prepayment, [0x0239, 0x0006, 0x0216, 0x0226, 0x0040, 0x0010, 0x0011, 0x0031, 0x0021, 0x0022, 0x0217, 0x0227]),
    readAttributes(price, [0x0617]),
    // Issuer calendar id 0xFFFFFFFE asks for the current calendar.
    { clusterId: calendar, command: 'getDayProfiles', fields: { providerId: 0, issuerCalendarId: 0xfffffffe, startDayId: 1, numberOfDays: 0 } },
    { clusterId: calendar, command: 'getWeekProfiles', fields: { providerId: 0, issuerCalendarId: 0xfffffffe, startWeekId: 1, numberOfWeeks: 0 } },
    { clusterId: calendar, command: 'getSeasons', fields: { providerId: 0, issuerCalendarId: 0xfffffffe } },
    { clusterId: calendar, command: 'getSpecialDays', fields: { startTime: 0, numberOfEvents: 0, calendarType: 3, providerId: 0, issuerCalendarId: 0xfffffffe } },
  ]),
  fixed('GCS21d', 0x009d, [{ clusterId: price, command: 'getBillingPeriod', fields: { earliestStartTime: 0, minIssuerEventId: 0xffffffff, numberOfCommands: 1, tariffType: 0 } }]),
  fixed('GCS21e', 0x009e, [readAttributes(basic, [0x0004, 0x0005, 0x0003]), readAttributes(metering, [0x0608, 0x0607])]),
  fixed('GCS21k', 0x00da, [{ clusterId: price, command: 'getBillingPeriod', fields: { earliestStartTime: 0, minIssuerEventId: 0xffffffff, numberOfCommands: 1, tariffType: 0 } }]),
  fixed('GCS21m', 0x00fb, [readAttributes(basic, [0x0004, 0x0005]), readAttributes(metering, [0x0608, 0x0607])]),
  fixed('GCS46', 0x0089, [readAttributes(metering, [0x0307])]),
  fixed('GCS60', 0x008d, [readAttributes(metering, [0x0a00]), readAttributes(prepayment, [0x0001])]),
  fixed('GCS60a', 0x012a, [readAttributes(metering, [0x0a00]), readAttributes(prepayment, [0x0001])]),
];
