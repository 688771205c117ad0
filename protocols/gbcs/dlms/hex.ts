import type { Reader } from '../../bytes.js';

/*
 * Hex for the many short byte fields of a DLMS payload (OBIS codes, EUIs, small octet-strings). Creating a
 * Buffer view and calling toString('hex').toUpperCase() costs more than the conversion itself at these sizes,
 * so short runs are converted from a digit table in one String.fromCharCode call; long runs, where that call's
 * argument list would be large, still go through Buffer.
 */

const DIGIT = new Uint8Array(16);
for (let i = 0; i < 16; i++) DIGIT[i] = '0123456789ABCDEF'.charCodeAt(i);

const SHORT = 32;

/** Upper-case hex of buf[p, p + n); the caller has checked the bounds. */
export function hexAt(buf: Uint8Array, p: number, n: number): string {
  if (n > SHORT) return Buffer.from(buf.buffer, buf.byteOffset + p, n).toString('hex').toUpperCase();
  const codes: number[] = new Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x = buf[p + i]!;
    codes[2 * i] = DIGIT[x >>> 4]!;
    codes[2 * i + 1] = DIGIT[x & 15]!;
  }
  return String.fromCharCode.apply(null, codes);
}

/** Like Reader.hex: `n` bytes at the cursor as hex, consumed. */
export function readHex(r: Reader, n: number, field: string): string {
  r.need(n, field);
  const s = hexAt(r.buf, r.pos, n);
  r.pos += n;
  return s;
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/**
 * Strict hex string to bytes, as check.hexBytes but without a regex pass and Buffer round trip per call.
 * Returns undefined for anything that is not hex (or not `len` bytes) so the caller can let check.hexBytes
 * produce its usual error message.
 */
export function parseHexFast(v: unknown, len?: number): Uint8Array | undefined {
  if (typeof v !== 'string' || v.length & 1) return undefined;
  const n = v.length >>> 1;
  if (len !== undefined && n !== len) return undefined;
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
