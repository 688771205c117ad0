import type { DlmsData } from '../dlms/index.js';
import {
  type Op,
  accessRequest,
  cosemDate,
  cosemTime,
  d,
  dateTime,
  executionTime,
  obis,
  op,
  protectedRead,
  unspecifiedTime,
} from './dlms-build.js';
import type { Params } from './params.js';
import { utrnParam } from './topup.js';
import type { BuildContext, UseCaseBuilder } from './types.js';

/*
 * DLMS COSEM use cases (ESME and CHF). Object lists and their order follow the RTDS 4.5.0 command vectors;
 * what varies between RTDS variants of a use case (values, windows, execution time) is a parameter.
 */

type Build = (p: Params, ctx: BuildContext) => Op[];

function dlms(useCase: string, messageCode: number, params: string, build: Build): UseCaseBuilder {
  return {
    useCase,
    messageCode,
    family: 'dlms',
    params,
    build(p, ctx) {
      const ops = build(p, ctx);
      p.done();
      return accessRequest(ctx, ops);
    },
  };
}

type Spec = readonly ['get' | 'action', number, string, number];

/** Reads (and parameterless actions) whose payload never varies. */
function fixed(useCase: string, messageCode: number, specs: readonly Spec[]): UseCaseBuilder {
  return dlms(useCase, messageCode, 'none', () => specs.map(([t, c, o, a]) => (t === 'get' ? op.get(c, o, a) : op.action(c, o, a))));
}

const DAY_MS = 86_400_000;

/** `from`/`to` of a log read; by default the day before `now`. */
function window(p: Params, ctx: BuildContext): { from: Date; to: Date } {
  const to = p.time('to', ctx.now);
  const from = p.time('from', new Date(to.getTime() - DAY_MS));
  if (from.getTime() > to.getTime()) p.fail('from', `is after to (${to.toISOString()})`);
  return { from, to };
}

function rangeRead(useCase: string, messageCode: number, classId: number, o: string): UseCaseBuilder {
  return dlms(useCase, messageCode, 'from, to (ISO times; default the last 24 h)', (p, ctx) => {
    const w = window(p, ctx);
    return [op.range(classId, o, 2, w.from, w.to)];
  });
}

function protectedCase(useCase: string, messageCode: number, instance: number, classId: number, objects: readonly string[], ranged: boolean): UseCaseBuilder {
  return {
    useCase,
    messageCode,
    family: 'dlms',
    params: ranged ? 'from, to (ISO times; default the last 24 h)' : 'none',
    build(p, ctx) {
      const range = ranged ? window(p, ctx) : undefined;
      p.done();
      return protectedRead(
        ctx,
        instance,
        objects.map((o) => ({ classId, obis: o, attribute: 2, ...(range ? { range } : {}) })),
      );
    },
  };
}

function voltageReads(phases: readonly number[], w: { from: Date; to: Date }): Op[] {
  return phases.flatMap((c) => [
    op.get(3, `1-0:${c}.32.0.4`, 2),
    op.get(3, `1-0:${c}.32.0.4`, 3),
    op.get(3, `1-0:${c}.36.0.4`, 2),
    op.get(3, `1-0:${c}.36.0.4`, 3),
    op.range(7, `1-0:${c}.24.0.255`, 2, w.from, w.to),
    op.get(7, `1-0:${c}.24.0.255`, 4),
  ]);
}

// --- tariffs ------------------------------------------------------------------------------------------------

/** Charge (class 113) unit_charge_passive: scaling, the commodity register it prices, the price table. */
function unitCharge(commodityScale: number, priceScale: number, commodity: DlmsData, entries: Array<[string, number]>): DlmsData {
  return d.st(d.st(d.i8(commodityScale), d.i8(priceScale)), commodity, d.arr(entries.map(([index, price]) => d.st(d.os(index), d.i16(price)))));
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0').toUpperCase();

function prices(p: Params, key: string, max: number): number[] {
  const v = p.ints(key, { min: -32768, max: 32767, maxCount: max, default: [] });
  return [...v, ...Array<number>(max - v.length).fill(0)];
}

/** Activity calendar passive tables and special days, shared by the primary and secondary element tariffs. */
function calendarOps(p: Params, calendar: string, specialDays: string): Op[] {
  const seasons = p.objects('seasons', { min: 1, max: 255 }).map((s) => {
    const name = s.str('name', { maxLength: 255 });
    const start = s.time('start');
    const week = s.int('week', { min: 0, max: 255 });
    s.done();
    return d.st(d.ascii(name), dateTime(start), d.os(hex2(week)));
  });
  const weeks = p.objects('weekProfiles', { min: 1, max: 255 }).map((w) => {
    const id = w.int('id', { max: 255 });
    const days = w.ints('days', { max: 255, minCount: 7, maxCount: 7 });
    w.done();
    return d.st(d.os(hex2(id)), ...days.map((x) => d.u8(x)));
  });
  const days = p.objects('dayProfiles', { min: 1, max: 255 }).map((dp) => {
    const id = dp.int('id', { max: 255 });
    const actions = dp.objects('switches', { min: 1 }).map((a) => {
      const start = cosemTime(a.str('start'), `${a.path}.start`);
      const script = a.int('script', { max: 0xffff });
      a.done();
      return d.st(d.os(start), d.os(obis('0-0:10.0.100.255')), d.u16(script));
    });
    dp.done();
    return d.st(d.u8(id), d.arr(actions));
  });
  const special = p.objects('specialDays', { default: [] }).map((s, i) => {
    const index = s.int('index', { max: 0xffff, default: i + 1 });
    const date = cosemDate(s.str('date'), `${s.path}.date`);
    const day = s.int('dayId', { max: 255 });
    s.done();
    return d.st(d.u16(index), d.os(date), d.u8(day));
  });
  return [
    op.set(20, calendar, 7, d.arr(seasons)),
    op.set(20, calendar, 8, d.arr(weeks)),
    op.set(20, calendar, 9, d.arr(days)),
    op.set(11, specialDays, 2, d.arr(special)),
  ];
}

const TARIFF_PARAMS = 'seasons[{name,start,week}], weekProfiles[{id,days[7]}], dayProfiles[{id,switches[{start,script}]}], specialDays[{date,dayId}], ';

/** ECS01a: primary element tariff (TOU, blocks, standing charge) with its six activation times. */
function ecs01a(p: Params): Op[] {
  const priceScale = p.int('priceScale', { min: -128, max: 127, default: -5 });
  const calendar = calendarOps(p, '0-0:13.0.0.255', '0-1:11.0.0.255');
  const blockThresholds = p.intRows('blockThresholds', { maxRows: 8, maxCols: 3, max: 0xfffffffe });
  const standing = p.int('standingCharge', { min: -32768, max: 32767 });
  const tou = prices(p, 'touPrices', 48);
  const blocks = p.intRows('blockPrices', { maxRows: 8, maxCols: 4, min: -32768, max: 32767 });
  const when = p.when('executionDateTime');
  // Block prices are indexed A1..D8: the letter is the block, the digit the block tariff (TOU register 1-8).
  const entries: Array<[string, number]> = tou.map((price, i) => [hex2(i + 1), price]);
  for (const [b, letter] of ['A', 'B', 'C', 'D'].entries()) {
    for (let t = 0; t < 8; t++) entries.push([`${letter}${t + 1}`, blocks[t]?.[b] ?? 0]);
  }
  const exec = executionTime(when);
  return [
    ...calendar,
    ...Array.from({ length: 8 }, (_, i) =>
      op.set(21, `0-0:16.1.${11 + i}.255`, 2, d.arr([...(blockThresholds[i] ?? []), 0xffffffff].map((x) => d.u32(x)))),
    ),
    // RTDS sets the passive currency-unit flag of the price matrix with every tariff; it is never false there.
    op.set(9000, '0-0:94.44.2.0', 4, d.bool(true)),
    op.set(113, '0-0:19.20.4.255', 6, unitCharge(0, priceScale, d.st(d.u16(0), d.os('000000000000'), d.i8(0)), [['', standing]])),
    op.set(113, '0-0:19.20.0.255', 6, unitCharge(3, priceScale, d.st(d.u16(3), d.os(obis('1-0:1.8.0.255')), d.i8(2)), entries)),
    op.set(20, '0-0:13.0.0.255', 10, exec),
    op.set(9000, '0-0:94.44.128.29', 6, exec),
    op.set(9000, '0-0:94.44.2.0', 6, exec),
    op.set(113, '0-0:19.20.4.255', 7, exec),
    op.set(113, '0-0:19.20.0.255', 7, exec),
    op.set(9000, '0-0:63.1.1.255', 6, exec),
  ];
}

/** Secondary element price table (ECS01c, ECS01d): four TOU prices against the secondary import register. */
function secondaryPrices(p: Params): DlmsData {
  const priceScale = p.int('priceScale', { min: -128, max: 127, default: -5 });
  const tou = prices(p, 'touPrices', 4);
  return unitCharge(3, priceScale, d.st(d.u16(3), d.os(obis('1-20:1.8.0.255')), d.i8(2)), tou.map((x, i) => [hex2(i + 1), x]));
}

// --- helpers for small setters --------------------------------------------------------------------------------

/** Sub GHz channel mask (bit-string 32: top 5 bits the channel page, low 27 the channels of that page). */
function channelMask(p: Params, key: string, page: number, first: number, count: number): DlmsData {
  const v = p.any(key);
  if (typeof v === 'string') {
    const hex = p.hex(key, { length: 4 });
    if (parseInt(hex.slice(0, 2), 16) >> 3 !== page) p.fail(key, `channel page bits must be ${page} (${(page << 3).toString(16).toUpperCase()}……)`);
    return d.bits(32, hex);
  }
  const channels = p.ints(key, { min: first, max: first + count - 1, maxCount: count });
  let mask = page * 2 ** 27;
  for (const c of new Set(channels)) mask += 2 ** (c - first);
  return d.bits(32, mask.toString(16).padStart(8, '0').toUpperCase());
}

function textOctets(p: Params, key: string, maxLength: number, def?: string): DlmsData {
  const s = p.str(key, { maxLength, ...(def !== undefined ? { default: def } : {}) });
  if (/[^\x20-\x7e]/.test(s)) p.fail(key, 'only printable ASCII is allowed');
  return d.ascii(s);
}

/** Schedule (class 10) entry as RTDS writes them for ECS37: every day, no special days, open-ended. */
function demandPeriodEntry(index: number, time: string, selector: number): DlmsData {
  return d.st(
    d.u16(index),
    d.bool(true),
    d.os(obis('0-0:10.128.100.255')),
    d.u16(selector),
    d.os(time),
    d.u16(0xffff),
    d.bits(7, 'FE'),
    d.bits(0, ''),
    d.os('000001FFFF'),
    d.os('FFFFFFFFFF'),
  );
}

/** Single-action schedule execution times (billing calendar): `[{time: "hh:mm", date: "*-*-01"}]`. */
function billingCalendar(p: Params): DlmsData {
  const entries = p.objects('schedule', { min: 1, max: 12 }).map((e) => {
    const t = cosemTime(e.str('time'), `${e.path}.time`);
    const date = cosemDate(e.str('date'), `${e.path}.date`);
    e.done();
    return d.st(d.os(t), d.os(date));
  });
  return d.arr(entries);
}

// --- the table ----------------------------------------------------------------------------------------------

export const DLMS_USE_CASES: readonly UseCaseBuilder[] = [
  // Tariffs and prices
  dlms('ECS01a', 0x0019, `${TARIFF_PARAMS}blockThresholds[[..]x8], standingCharge, touPrices[<=48], blockPrices[[A..D]x8], priceScale=-5, executionDateTime`, (p) => ecs01a(p)),
  dlms('ECS01c', 0x00b7, `touPrices[<=4], priceScale=-5, ${TARIFF_PARAMS}executionDateTime`, (p) => {
    const charge = secondaryPrices(p);
    const calendar = calendarOps(p, '0-0:13.0.1.255', '0-1:11.0.1.255');
    const exec = executionTime(p.when('executionDateTime'));
    return [
      op.set(113, '0-0:19.20.5.255', 6, charge),
      ...calendar,
      op.set(20, '0-0:13.0.1.255', 10, exec),
      op.set(113, '0-0:19.20.5.255', 7, exec),
      op.set(9000, '0-0:94.44.128.30', 6, exec),
    ];
  }),
  dlms('ECS01d', 0x00c7, 'touPrices[<=4], priceScale=-5, executionDateTime', (p) => {
    const charge = secondaryPrices(p);
    return [op.set(113, '0-0:19.20.5.255', 6, charge), op.set(113, '0-0:19.20.5.255', 7, executionTime(p.when('executionDateTime')))];
  }),
  dlms('ECS02', 0x001a, 'creditChargeConfiguration[{credit,charge,collection}], executionDateTime', (p) => {
    const config = p.objects('creditChargeConfiguration', { min: 1 }).map((c) => {
      const credit = obis(c.str('credit', { pattern: /^\d+-\d+:\d+\.\d+\.\d+\.\d+$/, what: 'OBIS a-b:c.d.e.f' }));
      const charge = obis(c.str('charge', { pattern: /^\d+-\d+:\d+\.\d+\.\d+\.\d+$/, what: 'OBIS a-b:c.d.e.f' }));
      const collection = c.str('collection', { default: '111', pattern: /^[01]{3}$/, what: 'three bits such as 111' });
      c.done();
      return d.st(d.os(credit), d.os(charge), d.bits(3, (parseInt(collection, 2) << 5).toString(16).padStart(2, '0').toUpperCase()));
    });
    return [
      // Account mode and status: payment mode 1 = credit, account status 1 as RTDS sends it.
      op.set(111, '0-1:19.0.0.255', 2, d.st(d.en(1), d.en(1))),
      op.set(111, '0-1:19.0.0.255', 11, d.arr(config)),
      op.set(111, '0-1:19.0.0.255', 13, executionTime(p.when('executionDateTime'))),
    ];
  }),
  dlms('ECS04a', 0x001c, 'amount (signed, meter balance adjustment)', (p) => [op.action(112, '0-0:19.10.0.255', 1, d.i32(p.int('amount', { min: -(2 ** 31), max: 2 ** 31 - 1 })))]),
  dlms('ECS04b', 0x00b3, 'none', () => [0, 1, 2].map((i) => op.action(112, `0-0:19.10.${i}.255`, 2, d.i32(0)))),
  dlms('ECS05', 0x001d, 'none', () => [op.action(9, '0-0:10.0.100.255', 1, d.u16(99))]),
  // Top-up: the counter's low 32 bits are zero and its bits 32-41 travel in the token.
  dlms('CS01a', 0x0007, 'utrn, or value (0-8191) + valueClass=pennies|pounds', (p, ctx) => [op.action(115, '0-0:19.40.0.255', 1, d.ascii(utrnParam(p, ctx)))]),

  // Messages, tenancy, contact details
  dlms('ECS10', 0x0021, 'message (text)', (p) => [op.set(1, '0-2:96.13.1.255', 2, textOctets(p, 'message', 255))]),
  dlms('ECS12', 0x0022, 'tenancyDate (ISO time)', (p) => [op.set(1, '0-0:94.44.3.2', 2, dateTime(p.time('tenancyDate')))]),
  dlms('ECS15a', 0x0024, 'none', () => [op.action(7, '0-0:99.98.0.255', 1, d.i8(0))]),
  dlms('ECS15c', 0x00c1, 'none', () => [op.action(7, '0-17:99.98.2.255', 1, d.i8(0))]),
  dlms('ECS16', 0x0025, 'telephone, name (supplier contact details)', (p) => [
    op.set(9000, '0-0:96.13.0.255', 2, textOctets(p, 'telephone', 255)),
    op.set(9000, '0-0:96.13.1.255', 2, textOctets(p, 'name', 255)),
  ]),
  dlms('ECS50', 0x0058, 'cin (customer identification number)', (p) => [op.set(1, '0-3:96.13.1.255', 2, textOctets(p, 'cin', 255))]),

  // Energy registers and other instantaneous reads
  fixed('ECS17a', 0x0026, [['get', 3, '1-0:2.8.0.255', 2], ['get', 3, '1-0:2.8.0.255', 3], ['get', 3, '1-0:4.8.0.255', 2], ['get', 3, '1-0:4.8.0.255', 3]]),
  protectedCase('ECS17b', 0x0027, 8, 1, ['0-0:94.44.34.10'], false),
  fixed('ECS17c', 0x0028, [['get', 1, '0-0:94.44.34.20', 2]]),
  protectedCase('ECS17d', 0x0029, 9, 1, ['0-0:94.44.34.1'], false),
  protectedCase('ECS17e', 0x002a, 10, 1, ['0-0:94.44.34.2'], false),
  fixed('ECS18b', 0x002c, [
    ['get', 1, '0-0:94.44.5.0', 2],
    ['get', 1, '0-0:94.44.5.1', 2],
    ['get', 4, '1-0:1.6.0.255', 2],
    ['get', 4, '1-0:1.6.0.255', 3],
    ['get', 4, '1-0:1.6.0.255', 5],
    ['get', 4, '1-0:1.6.1.255', 2],
    ['get', 4, '1-0:1.6.1.255', 3],
    ['get', 4, '1-0:1.6.1.255', 5],
    ['get', 10, '0-0:12.0.0.255', 2],
  ]),
  protectedCase('ECS19', 0x002d, 1, 1, ['0-0:94.44.34.30'], false),
  protectedCase('ECS20c', 0x0030, 2, 7, ['0-0:98.1.0.255', '0-0:98.1.1.255'], true),
  protectedCase('ECS21b', 0x0034, 6, 7, ['0-0:98.1.8.255'], true),
  rangeRead('ECS21c', 0x0035, 7, '0-0:98.1.10.255'),
  rangeRead('ECS22a', 0x0036, 7, '0-0:99.1.1.255'),
  protectedCase('ECS22b', 0x0037, 7, 7, ['0-0:99.1.0.255'], true),
  rangeRead('ECS22c', 0x0038, 7, '0-0:99.1.2.255'),
  dlms('ECS23', 0x0039, 'from, to (voltage profile window; default the last 24 h)', (p, ctx) => voltageReads([32], window(p, ctx))),
  dlms('ECS23b', 0x00bc, 'from, to (voltage profile window; default the last 24 h)', (p, ctx) => voltageReads([32, 52, 72], window(p, ctx))),
  fixed('ECS24b', 0x00bd, [
    ['get', 113, '0-0:19.20.5.255', 5],
    ['get', 3, '0-0:94.44.1.8', 2],
    ['get', 3, '0-0:94.44.1.8', 3],
    ['get', 11, '0-0:11.0.1.255', 2],
    ['get', 20, '0-0:13.0.1.255', 3],
    ['get', 20, '0-0:13.0.1.255', 4],
    ['get', 20, '0-0:13.0.1.255', 5],
  ]),
  protectedCase('ECS66', 0x0060, 4, 7, ['0-0:99.1.3.255'], true),
  fixed('ECS82', 0x0069, [['get', 112, '0-0:19.10.0.255', 2]]),

  // Configuration reads
  fixed('ECS25r1', 0x00ee, [
    ['get', 1, '0-30:97.98.15.255', 2],
    ['get', 1, '0-30:97.98.16.255', 2],
    ['get', 1, '0-30:97.98.17.255', 2],
    ['get', 1, '0-30:97.98.18.255', 2],
  ]),
  fixed('ECS25r2', 0x00ef, [['get', 1, '0-33:97.98.15.255', 2], ['get', 1, '0-33:97.98.18.255', 2]]),
  fixed('ECS26a', 0x003b, [
    ['get', 113, '0-0:19.20.1.255', 5],
    ['get', 11, '0-0:11.0.2.255', 2],
    ['get', 113, '0-0:19.20.1.255', 8],
    ['get', 113, '0-0:19.20.1.255', 5],
    ['get', 113, '0-0:19.20.2.255', 5],
    ['get', 113, '0-0:19.20.2.255', 8],
    ['get', 113, '0-0:19.20.2.255', 5],
    ['get', 113, '0-0:19.20.3.255', 13],
    ['get', 9000, '0-0:94.44.2.10', 2],
    ['get', 21, '0-0:16.0.1.255', 2],
    ['get', 9000, '0-0:94.44.2.20', 2],
    ['get', 111, '0-0:19.0.0.255', 16],
    ['get', 111, '0-0:19.0.0.255', 18],
    ['get', 111, '0-0:19.0.0.255', 19],
    ['get', 112, '0-0:19.10.1.255', 9],
    ['get', 112, '0-0:19.10.1.255', 10],
    ['get', 10, '0-0:12.0.1.255', 2],
    ['get', 111, '0-0:19.0.0.255', 11],
  ]),
  fixed('ECS26b', 0x003c, [
    ...[1, 2, 3, 4].flatMap((i): Spec[] => [
      ['get', 71, `0-0:17.0.${i}.255`, 4],
      ['get', 71, `0-0:17.0.${i}.255`, 6],
    ]),
    ['get', 1, '1-0:32.35.0.4', 2],
    ['get', 1, '1-0:32.31.0.4', 2],
  ]),
  fixed('ECS26d', 0x003e, [['get', 22, '0-0:15.0.0.255', 4]]),
  fixed('ECS26e', 0x003f, [
    ['get', 1, '0-0:96.1.1.255', 2],
    ['get', 1, '0-0:96.1.2.255', 2],
    ['get', 1, '0-0:96.1.4.255', 2],
    ['get', 1, '0-0:96.1.6.255', 2],
    ['get', 1, '0-0:94.44.0.4', 2],
  ]),
  fixed('ECS26f', 0x0040, [['get', 21, '0-0:16.0.0.255', 2]]),
  fixed('ECS26i', 0x0092, [['get', 1, '0-0:96.1.1.255', 2], ['get', 1, '0-0:96.1.4.255', 2], ['get', 1, '0-0:96.1.6.255', 2]]),
  fixed('ECS26j', 0x00be, [['get', 111, '0-0:19.0.0.255', 2]]),
  fixed('ECS26n', 0x00fa, [['get', 1, '0-0:96.1.4.255', 2], ['get', 1, '0-0:96.1.6.255', 2]]),
  fixed('ECS40', 0x004e, [['get', 1, '0-0:94.44.34.11', 2], ['get', 1, '1-0:0.0.2.255', 2]]),
  fixed('ECS52', 0x0059, [['get', 1, '0-0:0.2.1.255', 2]]),

  // Event, security and ALCS logs
  rangeRead('ECS35b', 0x0049, 7, '0-0:99.98.1.255'),
  rangeRead('ECS35d', 0x0094, 7, '0-0:99.98.1.255'),
  rangeRead('ECS35g', 0x00fd, 7, '0-17:99.98.2.255'),

  // Alert and event behaviours: 512 flags, one per event, as 64 bytes of hex
  ...(
    [
      ['ECS25a1', 0x00ea, '0-30:97.98.12.255'],
      ['ECS25a3', 0x00ec, '0-30:97.98.14.255'],
      ['ECS25b', 0x00b0, '0-33:97.98.11.255'],
      ['ECS25b3', 0x00ed, '0-33:97.98.14.255'],
    ] as const
  ).map(([uc, code, o]) => dlms(uc, code, 'flags (64 bytes of hex: the 512-bit behaviour bit-string)', (p) => [op.set(1, o, 2, d.bits(512, p.hex('flags', { length: 64 })))])),

  // Configuration writes
  dlms('ECS28a', 0x0043, 'enabled (bool), powerThreshold, period, restorationPeriod, executionDateTime', (p) => {
    const enabled = p.bool('enabled');
    const threshold = p.int('powerThreshold');
    const period = p.int('period');
    const restoration = p.int('restorationPeriod');
    const exec = executionTime(p.when('executionDateTime'));
    const objects = ['0-0:94.44.0.3', '0-0:94.44.128.7', '0-0:94.44.128.6', '0-0:94.44.128.8'];
    return [
      op.set(9000, objects[0]!, 4, d.bool(enabled)),
      op.set(9000, objects[1]!, 4, d.u32(threshold)),
      op.set(9000, objects[2]!, 4, d.u32(period)),
      op.set(9000, objects[3]!, 4, d.u32(restoration)),
      ...objects.map((o) => op.set(9000, o, 6, exec)),
    ];
  }),
  dlms(
    'ECS29b',
    0x00ae,
    'capturePeriod (RMS voltage profiles), limiters[4]{threshold, minOverDuration} (0-0:17.0.1-4), underVoltage[3], overVoltage[3] (average RMS thresholds L1-L3)',
    (p) => {
      const capture = p.int('capturePeriod');
      const limiters = p.objects('limiters', { min: 4, max: 4 }).map((l) => {
        const v = { threshold: l.int('threshold'), duration: l.int('minOverDuration') };
        l.done();
        return v;
      });
      const under = p.ints('underVoltage', { minCount: 3, maxCount: 3 });
      const over = p.ints('overVoltage', { minCount: 3, maxCount: 3 });
      const phases = [32, 52, 72];
      const threshold = (i: number, d2: 31 | 35) => op.set(1, `1-0:${phases[i]}.${d2}.0.4`, 2, d.u32(d2 === 31 ? under[i]! : over[i]!));
      return [
        ...phases.map((c) => op.set(7, `1-0:${c}.24.0.255`, 4, d.u32(capture))),
        ...limiters.flatMap((l, i) => [op.set(71, `0-0:17.0.${i + 1}.255`, 4, d.u32(l.threshold)), op.set(71, `0-0:17.0.${i + 1}.255`, 6, d.u32(l.duration))]),
        // RTDS writes L1 over-then-under and L2/L3 under-then-over; the sets are independent, the order is kept
        // only so built commands compare byte for byte with the reference.
        threshold(0, 35),
        threshold(0, 31),
        threshold(1, 31),
        threshold(1, 35),
        threshold(2, 31),
        threshold(2, 35),
        // New thresholds restart the counters of excursions measured against the old ones.
        ...phases.flatMap((c) => [op.action(3, `1-0:${c}.32.0.4`, 1, d.i8(0)), op.action(3, `1-0:${c}.36.0.4`, 1, d.i8(0))]),
      ];
    },
  ),
  dlms('ECS29e', 0x00d3, 'none', () => [op.action(3, '1-0:32.32.0.4', 1, d.i8(0)), op.action(3, '1-0:32.36.0.4', 1, d.i8(0))]),
  dlms('ECS30', 0x0046, 'schedule[{time: "hh:mm", date: "*-*-01"}] (billing calendar)', (p) => [op.set(22, '0-0:15.0.0.255', 4, billingCalendar(p))]),
  dlms('ECS30a', 0x00d7, 'schedule[{time: "hh:mm", date: "*-01-01"}] (billing calendar, all periodicities)', (p) => [op.set(22, '0-0:15.0.0.255', 4, billingCalendar(p))]),
  dlms('ECS37', 0x004a, 'start, end (hh:mm: the maximum demand configurable period)', (p) => {
    const start = cosemTime(p.str('start'), `${p.path}.start`);
    const end = cosemTime(p.str('end'), `${p.path}.end`);
    return [op.set(10, '0-0:12.0.0.255', 2, d.arr([demandPeriodEntry(0, start, 1), demandPeriodEntry(1, end, 2)]))];
  }),
  dlms('ECS38', 0x004b, 'randomisedOffsetLimit (seconds)', (p) => [op.set(1, '0-0:94.44.0.1', 2, d.u16(p.int('randomisedOffsetLimit', { max: 0xffff })))]),
  dlms('ECS46a', 0x0053, 'labels {"1".."5": text} (ALCS/HCALCS labels)', (p) => {
    const labels = p.object('labels');
    const ops: Op[] = [];
    for (const n of [1, 2, 3, 4, 5]) {
      if (labels.has(String(n))) ops.push(op.set(1, `0-0:94.44.0.${10 + n}`, 2, d.vs(labels.str(String(n), { maxLength: 255 }))));
    }
    labels.done();
    if (ops.length === 0) p.fail('labels', 'give at least one of "1".."5"');
    return ops;
  }),
  dlms('ECS62', 0x005f, 'associated[1..5] (booleans: ALCS n follows the boost button)', (p) => {
    const v = p.any('associated');
    if (!Array.isArray(v) || v.length < 1 || v.length > 5 || v.some((x) => typeof x !== 'boolean')) {
      p.fail('associated', 'expected 1 to 5 booleans (ALCS 1, 2, ...)');
    }
    return (v as boolean[]).map((b, i) => op.set(1, `0-0:94.44.6.${i + 1}`, 2, d.bool(b)));
  }),
  fixed('ECS61a', 0x00bb, [
    ...[11, 12, 13, 14, 15, 21, 22, 23, 24, 25].map((e): Spec => ['get', 1, `0-0:94.44.0.${e}`, 2]),
    ['get', 11, '0-0:11.0.3.255', 2],
    ['get', 10, '0-0:12.0.2.255', 2],
    ...[1, 2, 3, 4, 5].map((b): Spec => ['get', 70, `0-${b}:96.3.10.255`, 2]),
  ]),
  dlms('ECS61c', 0x005e, 'from, to (boost button log window; default the last 24 h)', (p, ctx) => {
    const w = window(p, ctx);
    return [
      op.get(1, '0-0:94.44.7.255', 2),
      op.range(7, '0-0:99.98.20.255', 2, w.from, w.to),
      ...[1, 2, 3, 4, 5].map((i) => op.get(1, `0-0:94.44.6.${i}`, 2)),
    ];
  }),
  fixed('ECS61d', 0x011c, [
    ...[11, 12, 13, 14, 15].map((e): Spec => ['get', 1, `0-0:94.44.0.${e}`, 2]),
    ['get', 11, '0-0:11.0.3.255', 2],
    ['get', 10, '0-0:12.0.2.255', 2],
  ]),
  fixed('ECS61e', 0x011d, [21, 22, 23, 24, 25, 31, 32, 33, 34, 35].map((e): Spec => ['get', 1, `0-0:94.44.0.${e}`, 2])),

  // Supply (load switch script table 0-0:10.0.106.255: 51 close, 52 open, 54 arm)
  dlms('ECS42', 0x004f, 'none', () => [op.action(9, '0-0:10.0.106.255', 1, d.u16(51))]),
  dlms('ECS43', 0x0050, 'none', () => [op.action(9, '0-0:10.0.106.255', 1, d.u16(52))]),
  dlms('ECS44', 0x0051, 'none', () => [op.action(9, '0-0:10.0.106.255', 1, d.u16(54))]),

  // Clock: clock base, preset time with a validity window, adjust to it, read back time and status
  dlms('ECS70', 0x0062, 'validityStart, validityEnd (ISO times; default now ± 30 min)', (p, ctx) => {
    const start = p.time('validityStart', new Date(ctx.now.getTime() - 1_800_000));
    const end = p.time('validityEnd', new Date(ctx.now.getTime() + 1_800_000));
    if (end.getTime() < start.getTime()) p.fail('validityEnd', 'is before validityStart');
    return [
      op.set(8, '0-0:1.0.0.255', 9, d.en(5)),
      op.action(8, '0-0:1.0.0.255', 5, d.st(unspecifiedTime(), dateTime(start), dateTime(end))),
      op.action(8, '0-0:1.0.0.255', 4, d.i8(0)),
      op.get(8, '0-0:1.0.0.255', 2),
      op.get(8, '0-0:1.0.0.255', 4),
    ];
  }),

  // Comms hub function: device log (ZigBee network control, class 104) and Sub GHz (dual band)
  dlms('CCS01', 0x0001, 'device (EUI), deviceType (0 GSME, 1 ESME, 3 GPF, 4 HCALCS, 5 PPMID, 6 type 2), installCode (hex), joinTimeout=90', (p) => {
    const device = p.eui('device');
    const type = p.int('deviceType', { max: 255 });
    const code = p.hex('installCode', { maxLength: 255 });
    const timeout = p.int('joinTimeout', { max: 0xffff, default: 90 });
    return [
      // The last element of register_device is 0 in every RTDS CCS01; its meaning is not established.
      op.action(104, '0-0:30.3.0.255', 1, d.st(d.os(device), d.en(type), d.os(code), d.en(0))),
      op.set(104, '0-0:30.3.0.255', 3, d.u16(timeout)),
      op.set(104, '0-0:30.3.0.255', 2, d.bool(true)),
    ];
  }),
  dlms('CCS02', 0x0002, 'device (EUI)', (p) => [op.action(104, '0-0:30.3.0.255', 2, d.os(p.eui('device')))]),
  dlms('CCS03', 0x0003, 'header (8 bytes hex, RTDS 0000000000000140), entries[{device, key (16 bytes hex)}]', (p) => {
    const header = p.hex('header', { length: 8 });
    const entries = p.objects('entries', { min: 1 }).map((e) => {
      const device = e.eui('device');
      const key = e.hex('key', { length: 16 });
      e.done();
      return d.st(d.os(device), d.os(key));
    });
    return [op.action(104, '0-0:30.3.0.255', 5, d.st(d.os(header), d.arr(entries)))];
  }),
  fixed('CCS05', 0x0004, [['get', 104, '0-0:30.3.0.255', 4]]),
  fixed('CCS06', 0x010f, [['get', 104, '0-0:30.3.0.255', 4]]),
  fixed('CCS07', 0x00fe, [['action', 104, '0-0:30.3.0.255', 4], ['action', 104, '0-0:30.3.1.255', 4]]),
  fixed('DBCH01', 0x010a, [['get', 1, '0-0:94.44.10.2', 2]]),
  rangeRead('DBCH02', 0x010b, 7, '0-0:94.44.10.3'),
  fixed('DBCH03', 0x010c, [['get', 1, '0-0:94.44.10.0', 2]]),
  dlms(
    'DBCH04',
    0x010d,
    'lowerBand0To26, lowerBand27To34, lowerBand35To61, upperBand0To26 (channel lists or 32-bit masks as hex), normalLimitedDutyCycleThreshold, limitedCriticalDutyCycleThreshold, maxChannelChangesPerWeek, gsmeCurfew, channelQuieterThreshold, channelNoisierThreshold, nonGsmePoorCommsPercentageThreshold, nonGsmePoorCommsMeasurementPeriods, localNoiseMeasurementPeriod, localFailurePercentage, localRetryPercentage',
    (p) => {
      const u16 = (k: string) => d.u16(p.int(k, { max: 0xffff }));
      const u8 = (k: string) => d.u8(p.int(k, { max: 0xff }));
      const config = d.st(
        channelMask(p, 'lowerBand0To26', 28, 0, 27),
        channelMask(p, 'lowerBand27To34', 29, 27, 8),
        channelMask(p, 'lowerBand35To61', 30, 35, 27),
        channelMask(p, 'upperBand0To26', 31, 0, 27),
        u16('normalLimitedDutyCycleThreshold'),
        u16('limitedCriticalDutyCycleThreshold'),
        u8('maxChannelChangesPerWeek'),
        u16('gsmeCurfew'),
        u8('channelQuieterThreshold'),
        u8('channelNoisierThreshold'),
        u16('nonGsmePoorCommsPercentageThreshold'),
        u8('nonGsmePoorCommsMeasurementPeriods'),
        u16('localNoiseMeasurementPeriod'),
        u16('localFailurePercentage'),
        u16('localRetryPercentage'),
      );
      return [op.set(1, '0-0:94.44.10.0', 2, config)];
    },
  ),
  dlms('DBCH05', 0x010e, 'none', () => [op.set(1, '0-0:94.44.10.1', 2, d.u8(0))]),
];
