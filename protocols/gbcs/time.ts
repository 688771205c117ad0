import type { Reader, Writer } from '../bytes.js';
import { int, obj, str, uint } from '../check.js';
import { GbcsEncodeError } from '../errors.js';

/**
 * DLMS date-time (12 octets). Fields keep their raw values so any octet string round-trips, wildcards
 * included: 0xFFFF year / 0xFF fields mean "not specified", month 0xFD/0xFE are the DST months, day
 * 0xFD/0xFE the second-last/last day, deviation -32768 (0x8000) is "not specified".
 * `iso` is a reading for people, derived on decode; when encoding, the numeric fields win and `iso` is used
 * only if they are all absent.
 */
export interface DlmsDateTime {
  year: number;
  month: number;
  day: number;
  dayOfWeek: number;
  hour: number;
  minute: number;
  second: number;
  hundredths: number;
  deviation: number;
  clockStatus: number;
  iso?: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ISO-like text; unspecified parts print as `*`, so "never" shows as `****-**-**T**:**:**`. */
export function dlmsDateTimeIso(d: DlmsDateTime): string {
  const y = d.year === 0xffff ? '****' : pad(d.year, 4);
  const mo = d.month === 0xff ? '**' : d.month === 0xfe ? 'DE' : d.month === 0xfd ? 'DB' : pad(d.month);
  const da = d.day === 0xff ? '**' : d.day === 0xfe ? 'LD' : d.day === 0xfd ? 'L2' : pad(d.day);
  const h = d.hour === 0xff ? '**' : pad(d.hour);
  const mi = d.minute === 0xff ? '**' : pad(d.minute);
  const s = d.second === 0xff ? '**' : pad(d.second);
  const hs = d.hundredths === 0xff || d.hundredths === 0 ? '' : `.${pad(d.hundredths)}`;
  let zone = '';
  if (d.deviation !== -32768) {
    // DLMS deviation is minutes local-to-UTC with the opposite sign to ISO offsets.
    const off = -d.deviation;
    zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  }
  return `${y}-${mo}-${da}T${h}:${mi}:${s}${hs}${zone}`;
}

export function readDlmsDateTime(r: Reader, field: string): DlmsDateTime {
  r.need(12, field);
  const d: DlmsDateTime = {
    year: r.u16(field),
    month: r.u8(field),
    day: r.u8(field),
    dayOfWeek: r.u8(field),
    hour: r.u8(field),
    minute: r.u8(field),
    second: r.u8(field),
    hundredths: r.u8(field),
    deviation: r.i16(field),
    clockStatus: r.u8(field),
  };
  d.iso = dlmsDateTimeIso(d);
  return d;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{2}))?(Z)?$/;

export function writeDlmsDateTime(w: Writer, value: unknown, path: string): void {
  const v = obj(value, path);
  if (v.year === undefined && typeof v.iso === 'string') {
    const m = ISO_RE.exec(str(v.iso, `${path}.iso`));
    if (!m) throw new GbcsEncodeError(`${path}.iso`, `expected YYYY-MM-DDThh:mm:ss[.hh][Z], got ${JSON.stringify(v.iso)}`);
    w.u16(+m[1]!).u8(+m[2]!).u8(+m[3]!).u8(0xff).u8(+m[4]!).u8(+m[5]!).u8(+m[6]!).u8(m[7] ? +m[7] : 0);
    w.u16(m[8] ? 0 : 0x8000).u8(m[8] ? 0 : 0xff);
    return;
  }
  w.u16(uint(v.year, `${path}.year`, 0xffff));
  w.u8(uint(v.month, `${path}.month`, 0xff));
  w.u8(uint(v.day, `${path}.day`, 0xff));
  w.u8(uint(v.dayOfWeek, `${path}.dayOfWeek`, 0xff));
  w.u8(uint(v.hour, `${path}.hour`, 0xff));
  w.u8(uint(v.minute, `${path}.minute`, 0xff));
  w.u8(uint(v.second, `${path}.second`, 0xff));
  w.u8(uint(v.hundredths, `${path}.hundredths`, 0xff));
  w.u16(int(v.deviation, `${path}.deviation`, -32768, 32767) & 0xffff);
  w.u8(uint(v.clockStatus, `${path}.clockStatus`, 0xff));
}

/** Build a DLMS date-time for a UTC instant with unspecified day-of-week, deviation and status (as RTDS). */
export function dlmsDateTimeFromDate(date: Date): DlmsDateTime {
  const d: DlmsDateTime = {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    dayOfWeek: 0xff,
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    hundredths: 0,
    deviation: -32768,
    clockStatus: 0xff,
  };
  d.iso = dlmsDateTimeIso(d);
  return d;
}

/** The instant a fully specified DLMS date-time names (taken as UTC), or null if any part is a wildcard. */
export function dlmsDateTimeToDate(d: DlmsDateTime): Date | null {
  if (d.year === 0xffff || d.month > 12 || d.day > 31 || d.hour > 23 || d.minute > 59 || d.second > 59) return null;
  const ms = Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second, d.hundredths === 0xff ? 0 : d.hundredths * 10);
  return new Date(ms - (d.deviation === -32768 ? 0 : -d.deviation * 60_000));
}

/** GBCS/ZCL epoch: seconds since 2000-01-01T00:00:00Z. */
export const EPOCH_2000_MS = Date.UTC(2000, 0, 1);

export function secondsSince2000ToIso(s: number): string {
  return new Date(EPOCH_2000_MS + s * 1000).toISOString().replace('.000Z', 'Z');
}

/** Inverse of `secondsSince2000ToIso`; accepts a number of seconds as well as the ISO text. */
export function isoToSecondsSince2000(v: unknown, path: string): number {
  if (typeof v === 'number') return uint(v, path, 0xffffffff);
  const t = Date.parse(str(v, path));
  if (Number.isNaN(t) || !/Z$|[+-]\d\d:\d\d$/.test(v as string)) {
    throw new GbcsEncodeError(path, `expected an ISO UTC time like 2015-01-01T00:00:00Z, got ${JSON.stringify(v)}`);
  }
  const s = (t - EPOCH_2000_MS) / 1000;
  if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new GbcsEncodeError(path, `${v} is outside the 2000-based u32 range`);
  return s;
}
