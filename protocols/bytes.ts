import { GbcsDecodeError, GbcsEncodeError } from './errors.js';

/** Upper-case hex, two digits per byte, no separators. Every byte field of a decoded value uses it. */
export type Hex = string;

/*
 * Payloads are mostly short byte fields (OBIS codes, EUIs, small octet strings), and at those sizes creating a
 * Buffer view and calling toString('hex').toUpperCase() costs more than the conversion itself. Short runs are
 * therefore converted from a digit table in one String.fromCharCode call; long runs, where that call's
 * argument list would be large, still go through Buffer.
 */
const DIGIT = new Uint8Array(16);
for (let i = 0; i < 16; i++) DIGIT[i] = '0123456789ABCDEF'.charCodeAt(i);
const SHORT_HEX = 32;

/** Upper-case hex of buf[p, p + n); the caller has checked the bounds. */
export function hexAt(buf: Uint8Array, p: number, n: number): Hex {
  if (n > SHORT_HEX) return Buffer.from(buf.buffer, buf.byteOffset + p, n).toString('hex').toUpperCase();
  const codes: number[] = new Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x = buf[p + i]!;
    codes[2 * i] = DIGIT[x >>> 4]!;
    codes[2 * i + 1] = DIGIT[x & 15]!;
  }
  return String.fromCharCode.apply(null, codes);
}

export function toHex(bytes: Uint8Array): Hex {
  return hexAt(bytes, 0, bytes.length);
}

/** One byte (tag, flag) as two upper-case hex digits, for messages. */
export function byteHex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/** Hex string to bytes without a regex pass or a Buffer round trip; undefined for anything that is not hex. */
function parseHexFast(v: unknown): Uint8Array | undefined {
  if (typeof v !== 'string' || v.length & 1) return undefined;
  const n = v.length >>> 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = v.charCodeAt(2 * i);
    const b = v.charCodeAt(2 * i + 1);
    const hi = a < 128 ? NIBBLE[a]! : -1;
    const lo = b < 128 ? NIBBLE[b]! : -1;
    if ((hi | lo) < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Strict hex to bytes: even length, hex digits only. `path` names the field for the error. */
export function fromHex(hex: string, path = 'hex'): Uint8Array {
  const fast = parseHexFast(hex);
  if (fast) return fast;
  if (typeof hex !== 'string') throw new GbcsEncodeError(path, `expected a hex string, got ${typeof hex}`);
  const bad = hex.search(/[^0-9a-fA-F]/);
  throw new GbcsEncodeError(
    path,
    bad >= 0 ? `not hex: character ${JSON.stringify(hex[bad])} at position ${bad}` : `odd number of hex digits (${hex.length})`,
  );
}

/**
 * Lenient hex for user input (files, command line): ignores whitespace, ':' and '-' separators and an
 * optional 0x prefix. Odd length or other characters are an error naming the character position.
 */
export function parseHexInput(text: string, what = 'input'): Uint8Array {
  const stripped = text.replace(/^\uFEFF/, '').trim().replace(/^0x/i, '');
  let clean = '';
  for (let i = 0; i < stripped.length; i++) {
    const c = stripped[i]!;
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === ':' || c === '-') continue;
    if (!/[0-9a-fA-F]/.test(c)) {
      throw new GbcsDecodeError(0, what, `not hex: character ${JSON.stringify(c)} at text position ${i}`);
    }
    clean += c;
  }
  if (clean.length === 0) throw new GbcsDecodeError(0, what, 'empty input');
  if (clean.length % 2) throw new GbcsDecodeError(0, what, `odd number of hex digits (${clean.length})`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Index of the first differing byte, or -1 when equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/**
 * Cursor over a byte slice. Offsets in errors are absolute (`base` + position) so nested readers over
 * sub-slices still point into the original frame.
 */
export class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    readonly base = 0,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** Absolute offset of the cursor within the outermost frame. */
  get offset(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(field: string, reason: string, at = this.pos): never {
    throw new GbcsDecodeError(this.base + at, field, reason);
  }

  need(n: number, field: string): void {
    if (this.pos + n > this.end) {
      this.fail(field, n === 1 ? 'unexpected end of data' : `needs ${n} bytes, only ${this.end - this.pos} left`);
    }
  }

  peek(field: string): number {
    this.need(1, field);
    return this.buf[this.pos]!;
  }

  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++]!;
  }

  i8(field: string): number {
    const v = this.u8(field);
    return v > 127 ? v - 256 : v;
  }

  u16(field: string): number {
    this.need(2, field);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  i16(field: string): number {
    const v = this.u16(field);
    return v > 0x7fff ? v - 0x10000 : v;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  i32(field: string): number {
    return this.u32(field) | 0;
  }

  u64(field: string): bigint {
    const hi = this.u32(field);
    const lo = this.u32(field);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  i64(field: string): bigint {
    return BigInt.asIntN(64, this.u64(field));
  }

  /** Little-endian unsigned of `n` bytes (ZCL), n <= 6 so it stays a safe integer. */
  uintLE(n: number, field: string): number {
    this.need(n, field);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + this.buf[this.pos + i]!;
    this.pos += n;
    return v;
  }

  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  hex(n: number, field: string): Hex {
    this.need(n, field);
    const s = hexAt(this.buf, this.pos, n);
    this.pos += n;
    return s;
  }

  /** Bytes left up to `end`, consumed. */
  rest(): Uint8Array {
    const out = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return out;
  }

  /**
   * DLMS/BER-style length: 0x00-0x7F is the length, 0x81 nn and 0x82 nn nn (and 0x83) give it in 1-3 bytes.
   * GBCS encoders use the shortest form (every RTDS frame does); a longer form is rejected.
   */
  berLength(field: string): number {
    const start = this.pos;
    const first = this.u8(field);
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n === 0 || n > 3) this.fail(field, `unsupported length form 0x${first.toString(16).padStart(2, '0')}`, start);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.u8(field);
    // Only the shortest form is accepted, so whatever decodes re-encodes to the same bytes.
    if (v < (n === 1 ? 0x80 : 1 << (8 * (n - 1)))) this.fail(field, `non-minimal length encoding (${v} in ${n + 1} bytes)`, start);
    return v;
  }

  /** A reader over the next `n` bytes (checked), advancing this one past them. */
  sub(n: number, field: string): Reader {
    if (n > this.remaining) this.fail(field, `length ${n} runs past the end (${this.remaining} bytes left)`);
    const r = new Reader(this.buf, this.base, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  expectEnd(field: string): void {
    if (this.pos !== this.end) this.fail(field, `${this.end - this.pos} unexpected trailing byte(s)`);
  }
}

/** Growable byte sink used by every encoder. */
export class Writer {
  private buf: Uint8Array;
  length = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf[this.length++] = (v >>> 24) & 0xff;
    this.buf[this.length++] = (v >>> 16) & 0xff;
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u64(v: bigint): this {
    const x = BigInt.asUintN(64, v);
    this.u32(Number(x >> 32n));
    this.u32(Number(x & 0xffffffffn));
    return this;
  }

  uintLE(v: number, n: number): this {
    this.ensure(n);
    let x = v;
    for (let i = 0; i < n; i++) {
      this.buf[this.length++] = x % 256;
      x = Math.floor(x / 256);
    }
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  hex(h: string, path: string): this {
    return this.bytes(fromHex(h, path));
  }

  /** Shortest DLMS/BER length form, as RTDS uses. */
  berLength(n: number, path = 'length'): this {
    if (!Number.isInteger(n) || n < 0) throw new GbcsEncodeError(path, `bad length ${n}`);
    if (n < 0x80) return this.u8(n);
    if (n < 0x100) return this.u8(0x81).u8(n);
    if (n < 0x10000) return this.u8(0x82).u16(n);
    if (n < 0x1000000) return this.u8(0x83).u8(n >>> 16).u16(n & 0xffff);
    throw new GbcsEncodeError(path, `length ${n} too large`);
  }

  /** Length-prefixed (BER) block. */
  berBlock(b: Uint8Array, path = 'length'): this {
    return this.berLength(b.length, path).bytes(b);
  }

  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
