import type { Hex } from '../../bytes.js';
import type { AccessRequestSpec, DlmsData } from '../dlms/index.js';
import type { Payload } from '../payload.js';
import { type DlmsDateTime, EPOCH_2000_MS, dlmsDateTimeFromDate } from '../time.js';
import { CommandParamsError, type When } from './params.js';
import type { BuildContext } from './types.js';

/*
 * A small vocabulary for DLMS access-requests as GBCS use cases write them: one spec and one data entry per
 * operation, null-data for gets, long-invoke-id 0x20 ‖ low 24 bits of the originator counter.
 */

/** `A-B:C.D.E.F` to the 6 OBIS bytes as hex. */
export function obis(text: string): Hex {
  const m = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!m) throw new RangeError(`bad OBIS text ${text}`);
  return m
    .slice(1)
    .map((n) => Number(n).toString(16).padStart(2, '0').toUpperCase())
    .join('');
}

export const d = {
  nul: (): DlmsData => ({ type: 'null' }),
  /** RTDS head-ends write TRUE as 0xFF (any non-zero byte is true in A-XDR), so builders do too. */
  bool: (value: boolean): DlmsData => (value ? { type: 'boolean', value, raw: 0xff } : { type: 'boolean', value }),
  u8: (value: number): DlmsData => ({ type: 'uint8', value }),
  u16: (value: number): DlmsData => ({ type: 'uint16', value }),
  u32: (value: number): DlmsData => ({ type: 'uint32', value }),
  i8: (value: number): DlmsData => ({ type: 'int8', value }),
  i16: (value: number): DlmsData => ({ type: 'int16', value }),
  i32: (value: number): DlmsData => ({ type: 'int32', value }),
  en: (value: number): DlmsData => ({ type: 'enum', value }),
  os: (hex: Hex): DlmsData => ({ type: 'octet-string', hex }),
  /** Visible-string from text (GBCS labels are ASCII). */
  vs: (value: string): DlmsData => ({ type: 'visible-string', value }),
  bits: (bits: number, hex: Hex): DlmsData => ({ type: 'bit-string', bits, hex }),
  dt: (value: DlmsDateTime): DlmsData => ({ type: 'date-time', value }),
  st: (...items: DlmsData[]): DlmsData => ({ type: 'structure', items }),
  arr: (items: DlmsData[]): DlmsData => ({ type: 'array', items }),
  /** Octet-string of ASCII text (messages, contact details, install codes). */
  ascii: (text: string): DlmsData => ({ type: 'octet-string', hex: Buffer.from(text, 'latin1').toString('hex').toUpperCase() }),
};

/** One operation of an access-request: its specification and its data entry. */
export type Op = [AccessRequestSpec, DlmsData];

export const op = {
  get: (classId: number, o: string, attribute: number): Op => [{ type: 'get', classId, obis: obis(o), attribute }, d.nul()],
  set: (classId: number, o: string, attribute: number, data: DlmsData): Op => [{ type: 'set', classId, obis: obis(o), attribute }, data],
  action: (classId: number, o: string, method: number, data: DlmsData = d.nul()): Op => [{ type: 'action', classId, obis: obis(o), method }, data],
  /**
   * Profile-generic buffer read between two instants: selector 1 (range descriptor) restricted on the
   * 0-0:94.44.100.255 time column, times as seconds since 2000, all columns.
   */
  range: (classId: number, o: string, attribute: number, from: Date, to: Date): Op => [
    {
      type: 'get-with-selection',
      classId,
      obis: obis(o),
      attribute,
      selector: 1,
      parameters: d.st(d.st(d.u16(1), d.os(obis('0-0:94.44.100.255')), d.i8(2), d.u16(0)), d.u32(seconds2000(from)), d.u32(seconds2000(to)), d.arr([])),
    },
    d.nul(),
  ],
};

import { dlmsInvokeId } from '../dlms/index.js';

export const invokeId = dlmsInvokeId;

export function accessRequest(ctx: BuildContext, ops: readonly Op[]): Payload {
  return {
    family: 'dlms',
    dlms: { type: 'access-request', invokeIdAndPriority: invokeId(ctx.counter), dateTime: null, specs: ops.map((o) => o[0]), data: ops.map((o) => o[1]) },
  };
}

/** Seconds since 2000-01-01T00:00:00Z as a u32 (range selectors, compact-array times). */
export function seconds2000(t: Date): number {
  const s = Math.floor((t.getTime() - EPOCH_2000_MS) / 1000);
  if (s < 0 || s > 0xffffffff) throw new CommandParamsError('time', `${t.toISOString()} is outside the 2000-based u32 range`);
  return s;
}

const dtFilled = (v: number, dow: number): DlmsDateTime => ({
  year: v ? 0xffff : 0,
  month: v,
  day: v,
  dayOfWeek: dow,
  hour: v,
  minute: v,
  second: v,
  hundredths: v,
  deviation: -32768,
  clockStatus: 0xff,
});

/**
 * Execution date-time of a future-dateable DLMS command: all zeros for "now", all wildcards for "never"
 * (which cancels a pending one), otherwise the instant (RTDS leaves day-of-week, deviation and status unset).
 */
export function executionTime(w: When): DlmsData {
  if (w === 'now') return d.dt(dtFilled(0, 0));
  if (w === 'never') return d.dt(dtFilled(0xff, 0xff));
  return d.dt(dlmsDateTimeFromDate(w));
}

/** A fully wildcarded date-time (a preset time the device does not use). */
export function unspecifiedTime(): DlmsData {
  return d.dt(dtFilled(0xff, 0xff));
}

export function dateTime(t: Date): DlmsData {
  return d.dt(dlmsDateTimeFromDate(t));
}

/**
 * A COSEM date (5 bytes: year, month, day, day-of-week) from `YYYY-MM-DD`, with `*` for any year or month,
 * `FE`/`FD` for the DST months or last/second-last day as in the Blue Book.
 */
export function cosemDate(text: string, path: string): Hex {
  const m = /^(\*|\d{4})-(\*|\d{1,2}|FE|FD)-(\*|\d{1,2}|FE|FD)$/i.exec(text);
  if (!m) throw new CommandParamsError(path, `expected a date YYYY-MM-DD (* for any year/month/day), got ${JSON.stringify(text)}`);
  const field = (s: string, max: number, wide = false) => {
    if (s === '*') return wide ? 'FFFF' : 'FF';
    if (/^F[DE]$/i.test(s)) return s.toUpperCase();
    const n = Number(s);
    if (n > max || (!wide && n < 1)) throw new CommandParamsError(path, `${s} is out of range in ${text}`);
    return n.toString(16).padStart(wide ? 4 : 2, '0').toUpperCase();
  };
  return `${field(m[1]!, 0xfffe, true)}${field(m[2]!, 12)}${field(m[3]!, 31)}FF`;
}

/** A COSEM time (4 bytes: hour, minute, second, hundredths) from `hh:mm[:ss]`. */
export function cosemTime(text: string, path: string): Hex {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m || +m[1]! > 23 || +m[2]! > 59 || +(m[3] ?? 0) > 59) {
    throw new CommandParamsError(path, `expected a time of day hh:mm[:ss], got ${JSON.stringify(text)}`);
  }
  return [m[1], m[2], m[3] ?? '0', '0'].map((n) => Number(n).toString(16).padStart(2, '0').toUpperCase()).join('');
}

/**
 * get_protected_attributes (Data protection, class 30, method 1) on `0-0:43.2.<instance>.255`: the meter
 * answers with the object encrypted for `requester` (protection type 2, agreed key C(0e, 2s ECC CDH)),
 * keyed by a transaction id of 04 ‖ the originator counter.
 */
export function protectedRead(
  ctx: BuildContext,
  instance: number,
  objects: ReadonlyArray<{ classId: number; obis: string; attribute: number; range?: { from: Date; to: Date } }>,
): Payload {
  const counter = ctx.counter.toString(16).padStart(16, '0').toUpperCase();
  const defs = objects.map((o) =>
    d.st(
      d.u16(o.classId),
      d.os(obis(o.obis)),
      d.i8(o.attribute),
      d.u16(0),
      o.range ? d.st(d.en(1), d.st(dateTime(o.range.from), dateTime(o.range.to))) : d.st(d.en(0), d.nul()),
    ),
  );
  const protection = d.st(d.en(2), d.st(d.os(`04${counter}`), d.os(ctx.requester), d.os(ctx.target), d.os(''), d.st(d.en(2), d.st(d.os('02'), d.os('')))));
  return accessRequest(ctx, [op.action(30, `0-0:43.2.${instance}.255`, 1, d.st(d.arr(defs), d.arr([protection])))]);
}
