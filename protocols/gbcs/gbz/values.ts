import { type Reader, type Writer, toHex } from '../../bytes.js';
import { hexBytes, int, obj, uint } from '../../check.js';
import { GbcsEncodeError } from '../../errors.js';
import { isoToSecondsSince2000, secondsSince2000ToIso } from '../time.js';
import type { UtcTime, ZclValue } from './types.js';

/*
 * Little-endian ZCL primitives shared by the command schemas and the type-id driven attribute values.
 * Every decoder here reads through Reader (so failures are GbcsDecodeError with an absolute offset) and
 * every encoder validates through check.ts (GbcsEncodeError with a path).
 */

const TWO_POW = [1, 0x100, 0x10000, 0x1000000, 0x100000000, 0x10000000000, 0x1000000000000];

export function readUint(r: Reader, n: number, field: string): number {
  if (n === 1) return r.u8(field);
  return r.uintLE(n, field);
}

export function readInt(r: Reader, n: number, field: string): number {
  const v = readUint(r, n, field);
  const half = TWO_POW[n]! / 2;
  return v >= half ? v - TWO_POW[n]! : v;
}

export function writeUint(w: Writer, v: unknown, n: number, path: string): void {
  w.uintLE(uint(v, path, TWO_POW[n]! - 1), n);
}

export function writeInt(w: Writer, v: unknown, n: number, path: string): void {
  const half = TWO_POW[n]! / 2;
  const x = int(v, path, -half, half - 1);
  w.uintLE(x < 0 ? x + TWO_POW[n]! : x, n);
}

/** 7- and 8-byte integers do not fit a JS number: unsigned and signed ones become decimal strings. */
export function readBigLE(r: Reader, n: number, field: string, signed: boolean): string {
  const b = r.bytes(n, field);
  let x = 0n;
  for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]!);
  if (signed) x = BigInt.asIntN(n * 8, x);
  return x.toString();
}

function parseBig(v: unknown, path: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?(?:\d+|0x[0-9a-fA-F]+)$/.test(v)) {
    return v.startsWith('-') ? -BigInt(v.slice(1)) : BigInt(v);
  }
  throw new GbcsEncodeError(path, `expected an integer (number or decimal/0x string), got ${JSON.stringify(v)}`);
}

export function writeBigLE(w: Writer, v: unknown, n: number, path: string, signed: boolean): void {
  const x = parseBig(v, path);
  const bits = BigInt(n * 8);
  const lo = signed ? -(1n << (bits - 1n)) : 0n;
  const hi = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (x < lo || x > hi) throw new GbcsEncodeError(path, `${x} is out of range for ${n * 8} bits`);
  let u = BigInt.asUintN(n * 8, x);
  for (let i = 0; i < n; i++) {
    w.u8(Number(u & 0xffn));
    u >>= 8n;
  }
}

/** `n` little-endian bytes as hex, most significant first (EUI-64s and wide bitmaps are written that way). */
export function readHexLE(r: Reader, n: number, field: string): string {
  return toHex(r.bytes(n, field).slice().reverse());
}

/** Wide bitmaps read as `0x`-prefixed hex (most significant digit first), which `writeBigLE` accepts. */
export function readWideBitmap(r: Reader, n: number, field: string): string {
  return '0x' + readHexLE(r, n, field);
}

/** ZCL Boolean: 0 and 1 read as false and true; other byte values stay numbers so they round-trip. */
export function readBool(r: Reader, field: string): boolean | number {
  const b = r.u8(field);
  return b === 0 ? false : b === 1 ? true : b;
}

export function writeBool(w: Writer, v: unknown, path: string): void {
  w.u8(v === true ? 1 : v === false ? 0 : uint(v, path, 0xff));
}

// ---- UTCTime -------------------------------------------------------------------------------------------

export function utcFromSeconds(s: number): UtcTime {
  return s === 0 || s >= 0xfffffffe ? s : secondsSince2000ToIso(s);
}

export function utcToSeconds(v: unknown, path: string): number {
  return isoToSecondsSince2000(v, path);
}

export function readUtc(r: Reader, field: string): UtcTime {
  return utcFromSeconds(r.uintLE(4, field));
}

export function writeUtc(w: Writer, v: unknown, path: string): void {
  w.uintLE(utcToSeconds(v, path), 4);
}

// ---- strings ---------------------------------------------------------------------------------------------

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * ZCL character strings are meant to be UTF-8 (ASCII in practice), but devices put raw bytes in some of
 * them (the RTDS GSME model identifier ends with its binary EUI). Valid UTF-8 becomes a string, anything
 * else `{hex}`, so both round-trip byte for byte.
 */
export function bytesToText(b: Uint8Array): string | { hex: string } {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if (b[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  try {
    return utf8.decode(b);
  } catch {
    return { hex: toHex(b) };
  }
}

export function textToBytes(v: unknown, path: string): Uint8Array {
  if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'utf8'));
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { hex?: unknown }).hex === 'string') {
    return hexBytes((v as { hex: string }).hex, `${path}.hex`);
  }
  throw new GbcsEncodeError(path, `expected a string or {hex}, got ${JSON.stringify(v)?.slice(0, 60)}`);
}

/** 1-byte length prefix; 0xFF is the ZCL "invalid" string and reads as null. */
export function readShortBytes(r: Reader, field: string): Uint8Array | null {
  const n = r.u8(field);
  return n === 0xff ? null : r.bytes(n, field);
}

export function writeShortBytes(w: Writer, b: Uint8Array | null, path: string): void {
  if (b === null) {
    w.u8(0xff);
    return;
  }
  if (b.length > 0xfe) throw new GbcsEncodeError(path, `${b.length} bytes do not fit a ZCL string (max 254)`);
  w.u8(b.length).bytes(b);
}

export function readLongBytes(r: Reader, field: string): Uint8Array | null {
  const n = r.uintLE(2, field);
  return n === 0xffff ? null : r.bytes(n, field);
}

export function writeLongBytes(w: Writer, b: Uint8Array | null, path: string): void {
  if (b === null) {
    w.uintLE(0xffff, 2);
    return;
  }
  if (b.length > 0xfffe) throw new GbcsEncodeError(path, `${b.length} bytes do not fit a ZCL long string`);
  w.uintLE(b.length, 2).bytes(b);
}

function readBytes(r: Reader, field: string, long: boolean): Uint8Array | null {
  return long ? readLongBytes(r, field) : readShortBytes(r, field);
}

function writeBytes(w: Writer, b: Uint8Array | null, path: string, long: boolean): void {
  if (long) writeLongBytes(w, b, path);
  else writeShortBytes(w, b, path);
}

/** Octet string as hex; `long` for the 2-byte length form (ZCL long octet string). */
export function readOctets(r: Reader, field: string, long = false): string | null {
  const b = readBytes(r, field, long);
  return b === null ? null : toHex(b);
}

export function writeOctets(w: Writer, v: unknown, path: string, long = false): void {
  writeBytes(w, v === null ? null : hexBytes(v, path), path, long);
}

/** Character string as text (or {hex}); `long` for the 2-byte length form (ZCL long character string). */
export function readText(r: Reader, field: string, long = false): string | { hex: string } | null {
  const b = readBytes(r, field, long);
  return b === null ? null : bytesToText(b);
}

export function writeText(w: Writer, v: unknown, path: string, long = false): void {
  writeBytes(w, v === null ? null : textToBytes(v, path), path, long);
}

// ---- ZCL Date and Time of Day (0xFF = "any") -------------------------------------------------------------

const ff = (b: number): number | null => (b === 0xff ? null : b);

function byteOrAny(v: unknown, path: string, max: number): number {
  return v === null ? 0xff : uint(v, path, max);
}

export function readDate(r: Reader, field: string): ZclValue {
  const y = r.u8(field);
  return { year: y === 0xff ? null : 1900 + y, month: ff(r.u8(field)), day: ff(r.u8(field)), dayOfWeek: ff(r.u8(field)) };
}

export function writeDate(w: Writer, v: unknown, path: string): void {
  const o = obj(v, path);
  if (o.year === null) w.u8(0xff);
  else w.u8(int(o.year, `${path}.year`, 1900, 1900 + 0xfe) - 1900);
  w.u8(byteOrAny(o.month, `${path}.month`, 0xfe));
  w.u8(byteOrAny(o.day, `${path}.day`, 0xfe));
  w.u8(byteOrAny(o.dayOfWeek, `${path}.dayOfWeek`, 0xfe));
}

export function readTimeOfDay(r: Reader, field: string): ZclValue {
  return { hours: ff(r.u8(field)), minutes: ff(r.u8(field)), seconds: ff(r.u8(field)), hundredths: ff(r.u8(field)) };
}

export function writeTimeOfDay(w: Writer, v: unknown, path: string): void {
  const o = obj(v, path);
  w.u8(byteOrAny(o.hours, `${path}.hours`, 0xfe));
  w.u8(byteOrAny(o.minutes, `${path}.minutes`, 0xfe));
  w.u8(byteOrAny(o.seconds, `${path}.seconds`, 0xfe));
  w.u8(byteOrAny(o.hundredths, `${path}.hundredths`, 0xfe));
}

