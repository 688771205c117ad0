import { KeyObject } from 'node:crypto';
import { toHex } from '../bytes.js';
import { GbcsCryptoError } from '../errors.js';

/*
 * GBCS crypto suite 1 is P-256 only. Every primitive checks its key objects here so that a wrong key (RSA,
 * another curve, public where private is needed) becomes a GbcsCryptoError naming the role of the key
 * instead of an OpenSSL error string from deep inside node.
 */

export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

export function describeKey(key: unknown): string {
  if (!(key instanceof KeyObject)) return typeof key === 'object' && key !== null ? 'a non-KeyObject value' : `${typeof key}`;
  if (key.type === 'secret') return 'a secret key';
  const t = key.asymmetricKeyType;
  if (t !== 'ec') return `a ${key.type} ${t ?? 'unknown'} key`;
  return `a ${key.type} EC key on ${key.asymmetricKeyDetails?.namedCurve ?? 'an unknown curve'}`;
}

export function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

export function assertP256(key: unknown, type: 'private' | 'public', what: string): asserts key is KeyObject {
  if (!(key instanceof KeyObject) || key.type !== type || !isP256(key)) {
    throw new GbcsCryptoError(`${what}: expected a ${type} P-256 key, got ${describeKey(key)}`);
  }
}

export function assertBytes(v: unknown, len: number | undefined, what: string): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) throw new GbcsCryptoError(`${what}: expected bytes, got ${typeof v}`);
  if (len !== undefined && v.length !== len) throw new GbcsCryptoError(`${what}: expected ${len} bytes, got ${v.length}`);
}

function b64url(s: string | undefined, what: string): Uint8Array {
  if (s === undefined) throw new GbcsCryptoError(`${what}: key export lacks a coordinate`);
  const b = Buffer.from(s, 'base64url');
  // JWK drops nothing for P-256 in node, but pad defensively so callers always get 32 bytes.
  const out = new Uint8Array(32);
  out.set(b.subarray(Math.max(0, b.length - 32)), 32 - Math.min(32, b.length));
  return out;
}

/** Uncompressed point 04 ‖ X ‖ Y of a P-256 public key (or of the public half of a private key). */
export function publicPoint(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(b64url(jwk.x, 'public key'), 1);
  out.set(b64url(jwk.y, 'public key'), 33);
  return out;
}

/** The 32-byte private scalar of a P-256 private key. */
export function privateScalar(key: KeyObject): Uint8Array {
  return b64url(key.export({ format: 'jwk' }).d, 'private key');
}

export function bytesToBigInt(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  // One parse of the hex text: a shift-and-or per byte allocates a bigint per byte.
  return BigInt(`0x${toHex(b)}`);
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[97 + i] = 10 + i;

/** The low `len` bytes of a non-negative `x`, big-endian (higher bytes are dropped). */
export function bigIntToBytes(x: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  if (x >= 0n) {
    // toString(16) is lower-case hex; read it two digits at a time from the end.
    const hex = x.toString(16);
    let h = hex.length;
    for (let i = len - 1; i >= 0 && h > 0; i--) {
      const lo = NIBBLE[hex.charCodeAt(--h)]!;
      const hi = h > 0 ? NIBBLE[hex.charCodeAt(--h)]! : 0;
      out[i] = (hi << 4) | lo;
    }
    return out;
  }
  let v = x;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
