import { type Hex, fromHex, toHex } from '../../protocols/bytes.js';
import type { DlmsData, DlmsTypeDescription } from '../../protocols/gbcs/dlms/index.js';
import { type DlmsDateTime, dlmsDateTimeFromDate, dlmsDateTimeToDate, EPOCH_2000_MS } from '../../protocols/gbcs/time.js';

/*
 * Small constructors and readers for A-XDR values, so object code reads like the COSEM attribute it builds
 * rather than like JSON. Everything here is pure.
 */

export const nul = (): DlmsData => ({ type: 'null' });
/** GBCS devices send TRUE as FF (any non-zero byte is TRUE in A-XDR; RTDS meters all use FF). */
export const bool = (value: boolean): DlmsData => (value ? { type: 'boolean', value, raw: 0xff } : { type: 'boolean', value });
export const u8 = (value: number): DlmsData => ({ type: 'uint8', value });
export const u16 = (value: number): DlmsData => ({ type: 'uint16', value });
export const u32 = (value: number): DlmsData => ({ type: 'uint32', value: clampU32(value) });
export const i8 = (value: number): DlmsData => ({ type: 'int8', value });
export const i16 = (value: number): DlmsData => ({ type: 'int16', value });
export const i32 = (value: number): DlmsData => ({ type: 'int32', value: clampI32(value) });
export const enm = (value: number): DlmsData => ({ type: 'enum', value });
export const os = (hex: Hex): DlmsData => ({ type: 'octet-string', hex: hex.toUpperCase() });
export const vs = (value: string): DlmsData => ({ type: 'visible-string', value });
export const bits = (n: number, hex: Hex): DlmsData => ({ type: 'bit-string', bits: n, hex: hex.toUpperCase() });
export const struct = (...items: DlmsData[]): DlmsData => ({ type: 'structure', items });
export const arr = (items: DlmsData[]): DlmsData => ({ type: 'array', items });
export const dt = (value: DlmsDateTime): DlmsData => ({ type: 'date-time', value });
export const dtAt = (d: Date): DlmsData => dt(dlmsDateTimeFromDate(d));
/** Scaler-unit pair of registers (DLMS units: 27 W, 30 Wh, 32 varh, 35 V, 254 currency, 255 count). */
export const scalerUnit = (scaler: number, unit: number): DlmsData => struct(i8(scaler), enm(unit));

function clampU32(v: number): number {
  return Math.min(Math.max(Math.round(v), 0), 0xffffffff);
}
function clampI32(v: number): number {
  return Math.min(Math.max(Math.round(v), -0x80000000), 0x7fffffff);
}

/** The numeric value of an integer-typed Data, or undefined. */
export function num(d: DlmsData | undefined): number | undefined {
  if (!d) return undefined;
  if ('value' in d && typeof d.value === 'number') return d.value;
  if ('value' in d && typeof d.value === 'bigint') return Number(d.value);
  return undefined;
}

export function isInteger(d: DlmsData): boolean {
  return num(d) !== undefined && d.type !== 'float32' && d.type !== 'float64' && d.type !== 'boolean';
}

export function items(d: DlmsData | undefined): DlmsData[] {
  if (!d) return [];
  if (d.type === 'array' || d.type === 'structure') return d.items;
  if (d.type === 'compact-array') return d.rows;
  return [];
}

export function hexOf(d: DlmsData | undefined): Hex | undefined {
  return d && d.type === 'octet-string' ? d.hex : undefined;
}

/** Bytes of an octet-string, or of a date-time the decoder recognised in one. */
export function octets(d: DlmsData | undefined): Uint8Array | undefined {
  if (!d) return undefined;
  if (d.type === 'octet-string') return fromHex(d.hex);
  if (d.type === 'date-time') return dateTimeBytes(d.value);
  if (d.type === 'visible-string') return Uint8Array.from(d.value, (c) => c.charCodeAt(0) & 0xff);
  return undefined;
}

export function dateTimeBytes(v: DlmsDateTime): Uint8Array {
  const b = new Uint8Array(12);
  const view = new DataView(b.buffer);
  view.setUint16(0, v.year);
  b[2] = v.month;
  b[3] = v.day;
  b[4] = v.dayOfWeek;
  b[5] = v.hour;
  b[6] = v.minute;
  b[7] = v.second;
  b[8] = v.hundredths;
  view.setInt16(9, v.deviation);
  b[11] = v.clockStatus;
  return b;
}

export function dateTimeFromBytes(b: Uint8Array): DlmsDateTime {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    year: view.getUint16(0),
    month: b[2]!,
    day: b[3]!,
    dayOfWeek: b[4]!,
    hour: b[5]!,
    minute: b[6]!,
    second: b[7]!,
    hundredths: b[8]!,
    deviation: view.getInt16(9),
    clockStatus: b[11]!,
  };
}

/** A date-time carried either as the date-time the decoder recognised or as a 12-byte octet-string. */
export function dateTimeOf(d: DlmsData | undefined): DlmsDateTime | undefined {
  if (!d) return undefined;
  if (d.type === 'date-time' || d.type === 'cosem-date-time') return d.value;
  if (d.type === 'octet-string' && d.hex.length === 24) return dateTimeFromBytes(fromHex(d.hex));
  return undefined;
}

/**
 * How GBCS activation date-times read: `now` (all date and time fields zero, the "immediately" value),
 * `never` (the year unspecified: cancel), or an instant.
 */
export type Activation = { kind: 'now' } | { kind: 'never' } | { kind: 'at'; at: Date };

export function activationOf(v: DlmsDateTime): Activation {
  if (v.year === 0 && v.month === 0 && v.day === 0 && v.hour === 0 && v.minute === 0 && v.second === 0) return { kind: 'now' };
  const at = dlmsDateTimeToDate(v);
  if (!at) return { kind: 'never' };
  return { kind: 'at', at };
}

/** Seconds since 2000-01-01T00:00:00Z (GBCS log time stamps and range selectors). */
export function toSeconds2000(ms: number): number {
  return Math.floor((ms - EPOCH_2000_MS) / 1000);
}
export function fromSeconds2000(s: number): number {
  return EPOCH_2000_MS + s * 1000;
}

/** Instant named by a range-descriptor bound or a log time column: uint32 seconds or a date-time. */
export function instantOf(d: DlmsData | undefined): number | undefined {
  if (!d) return undefined;
  if (d.type === 'uint32') return fromSeconds2000(d.value);
  const v = dateTimeOf(d);
  if (!v) return undefined;
  return dlmsDateTimeToDate(v)?.getTime();
}

const obisMemo = new Map<string, Hex>();

export function obisHex(text: string): Hex {
  let hex = obisMemo.get(text);
  if (hex === undefined) {
    hex = parseObis(text);
    // Object catalogues name a few hundred codes; the bound only guards against callers with endless ones.
    if (obisMemo.size < 10_000) obisMemo.set(text, hex);
  }
  return hex;
}

function parseObis(text: string): Hex {
  const m = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!m) throw new RangeError(`not an OBIS code: ${text}`);
  return toHex(Uint8Array.from(m.slice(1).map(Number)));
}

export function obisText(hex: Hex): string {
  const b = fromHex(hex);
  return `${b[0]}-${b[1]}:${b[2]}.${b[3]}.${b[4]}.${b[5]}`;
}

/**
 * Whether `value` has the type of `template` (what the attribute holds now): same tag, same structure
 * arity, array elements like the template's first element. A 12-byte octet-string and a date-time are the
 * same thing on the wire; bit-strings may change length; an empty template array accepts any elements.
 */
export function sameType(template: DlmsData, value: DlmsData): boolean {
  if (template.type === 'null') return true;
  const dtLike = (d: DlmsData) => d.type === 'date-time' || (d.type === 'octet-string' && d.hex.length === 24);
  if (dtLike(template) && dtLike(value)) return true;
  if (template.type === 'octet-string' && value.type === 'date-time') return true;
  if (template.type === 'date-time' && value.type === 'octet-string') return true;
  if (template.type !== value.type) return false;
  if (template.type === 'structure' && value.type === 'structure') {
    return template.items.length === value.items.length && template.items.every((t, i) => sameType(t, value.items[i]!));
  }
  if (template.type === 'array' && value.type === 'array') {
    const first = template.items[0];
    return first === undefined || value.items.every((v) => sameType(first, v));
  }
  return true;
}

/** The compact-array type description of a row value. */
export function describe(d: DlmsData): DlmsTypeDescription {
  switch (d.type) {
    case 'structure':
      return { type: 'structure', elements: d.items.map(describe) };
    case 'array':
      return { type: 'array', count: d.items.length, element: d.items[0] ? describe(d.items[0]) : { type: 'null' } };
    case 'date-time':
      return { type: 'octet-string' };
    case 'compact-array':
      throw new RangeError('a compact-array cannot be a compact-array element');
    default:
      return { type: d.type };
  }
}

export function deepEqual(a: DlmsData, b: DlmsData): boolean {
  return JSON.stringify(a, big) === JSON.stringify(b, big);
}
function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

/**
 * A deep copy of a Data value (what structuredClone gives for these plain trees, without its serialisation:
 * a device copies a value on every read and write, so this is on the hot path).
 */
export function clone<T extends DlmsData>(d: T): T {
  return copyPlain(d) as T;
}

function copyPlain(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyPlain(v[i]);
    return out;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = copyPlain((v as Record<string, unknown>)[k]);
  return out;
}
