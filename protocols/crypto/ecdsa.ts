import { type ECDH, type KeyObject, createECDH, createHmac, hash, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { GbcsCryptoError } from '../errors.js';
import { P256_ORDER, assertBytes, assertP256, bigIntToBytes, bytesToBigInt, privateScalar } from './keys.js';

/** GBCS signatures are raw r ‖ s, 32 bytes each (IEEE P1363), never DER. */
export const SIGNATURE_LENGTH = 64;

export interface SignOptions {
  /**
   * RFC 6979 nonce (HMAC-SHA256): the same key and data always give the same signature, so a simulated device
   * replays byte for byte. The default is node's randomized nonce.
   */
  deterministic?: boolean;
}

/** ECDSA P-256 / SHA-256 over `data`; returns r ‖ s (64 bytes). */
export function ecdsaSign(privateKey: KeyObject, data: Uint8Array, options: SignOptions = {}): Uint8Array {
  assertP256(privateKey, 'private', 'ECDSA signing key');
  assertBytes(data, undefined, 'ECDSA data');
  if (options.deterministic) return signDeterministic(privateKey, data);
  const sig = nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return new Uint8Array(sig);
}

/** True iff `rs` is a valid r ‖ s signature of `data` by `publicKey`. Malformed signatures are just false. */
export function ecdsaVerify(publicKey: KeyObject, data: Uint8Array, rs: Uint8Array): boolean {
  assertP256(publicKey, 'public', 'ECDSA verification key');
  assertBytes(data, undefined, 'ECDSA data');
  assertBytes(rs, undefined, 'ECDSA signature');
  if (rs.length !== SIGNATURE_LENGTH) return false;
  try {
    return nodeVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, rs);
  } catch {
    return false;
  }
}

/*
 * RFC 6979 §3.2 for P-256 with SHA-256, where qlen = hlen = 256 so bits2int is a plain big-endian read.
 * The curve multiplication k·G is delegated to OpenSSL through ECDH: the public key of scalar k *is* k·G, and
 * r is its x-coordinate mod n. Only the final s = k⁻¹(e + r·d) mod n is done in bigint; that arithmetic is
 * not constant-time, which is acceptable for a simulator but is why the randomized path stays the default.
 */

const N = P256_ORDER;

/**
 * a⁻¹ mod m by Lehmer's extended Euclid (Knuth 4.5.2, Algorithm L): the quotient steps are run on the top
 * 50 bits in doubles (exact below 2^53) and applied to the bigints as one 2×2 matrix, so a 256-bit inverse
 * takes about a dozen rounds of bigint arithmetic instead of ~150 division steps (~3x faster); the last
 * 50 bits are finished in doubles. Only the cofactor of `m`'s partner is tracked: x ≡ sx·a (mod m).
 */
const LEHMER_BITS = 50;
const TOP_HALF = 2 ** (LEHMER_BITS - 1);
export function modInverse(a: bigint, m: bigint): bigint {
  let x = m;
  let y = ((a % m) + m) % m;
  // Invariants: x ≡ sx·a and y ≡ sy·a (mod m).
  let sx = 0n;
  let sy = 1n;
  // An estimate of x's bit length (a double's exponent); corrected downwards below when it was high.
  let bits = Math.floor(Math.log2(Number(x))) + 1;
  while (y !== 0n) {
    if (bits <= LEHMER_BITS) {
      // Both fit a double exactly, and so do the cofactors (bounded by the values): plain Euclid to the end.
      let xn = Number(x);
      let yn = Number(y);
      let A = 1;
      let B = 0;
      let C = 0;
      let D = 1;
      while (yn !== 0) {
        const q = Math.floor(xn / yn);
        let t = xn - q * yn;
        xn = yn;
        yn = t;
        t = A - q * C;
        A = C;
        C = t;
        t = B - q * D;
        B = D;
        D = t;
      }
      sx = BigInt(A) * sx + BigInt(B) * sy;
      x = BigInt(xn);
      break;
    }
    const shift = BigInt(bits - LEHMER_BITS);
    let xh = Number(x >> shift);
    if (xh < TOP_HALF) {
      bits--;
      continue;
    }
    let yh = Number(y >> shift);
    let A = 1;
    let B = 0;
    let C = 0;
    let D = 1;
    for (;;) {
      const dc = yh + C;
      const dd = yh + D;
      if (dc <= 0 || dd <= 0) break;
      const q = Math.floor((xh + A) / dc);
      if (q !== Math.floor((xh + B) / dd)) break;
      let t = A - q * C;
      A = C;
      C = t;
      t = B - q * D;
      B = D;
      D = t;
      t = xh - q * yh;
      xh = yh;
      yh = t;
    }
    if (B === 0) {
      // The leading bits could not decide a single quotient: one full-precision step.
      const q = x / y;
      const t = x - q * y;
      x = y;
      y = t;
      const ts = sx - q * sy;
      sx = sy;
      sy = ts;
    } else {
      const a1 = BigInt(A);
      const b1 = BigInt(B);
      const c1 = BigInt(C);
      const d1 = BigInt(D);
      const nx = a1 * x + b1 * y;
      y = c1 * x + d1 * y;
      x = nx;
      const nsx = a1 * sx + b1 * sy;
      sy = c1 * sx + d1 * sy;
      sx = nsx;
    }
    bits = x === 0n ? 0 : Math.floor(Math.log2(Number(x))) + 1;
  }
  if (x !== 1n) throw new GbcsCryptoError('ECDSA nonce has no inverse');
  sx %= m;
  return sx < 0n ? sx + m : sx;
}

/** RFC 6979's HMAC-SHA256 (five per signature). */
function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** The private scalar of a signing key, read once per KeyObject (a JWK export costs ~8 µs). */
const scalars = new WeakMap<KeyObject, { bytes: Uint8Array; x: bigint }>();
function scalarOf(privateKey: KeyObject): { bytes: Uint8Array; x: bigint } {
  let s = scalars.get(privateKey);
  if (!s) {
    const bytes = privateScalar(privateKey);
    s = { bytes, x: bytesToBigInt(bytes) };
    scalars.set(privateKey, s);
  }
  return s;
}

const ZERO = Uint8Array.of(0x00);
const ONE = Uint8Array.of(0x01);
/** k·G through OpenSSL; one ECDH object serves every signature (creating one costs as much as using it). */
let pointMul: ECDH | undefined;

function signDeterministic(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  const { bytes: xBytes, x } = scalarOf(privateKey);
  const h1 = new Uint8Array(hash('sha256', data, 'buffer') as Buffer);
  const e = bytesToBigInt(h1);
  const h1Octets = bigIntToBytes(e % N, 32);

  let v: Uint8Array = new Uint8Array(32).fill(0x01);
  let k: Uint8Array = new Uint8Array(32);
  k = hmac(k, v, ZERO, xBytes, h1Octets);
  v = hmac(k, v);
  k = hmac(k, v, ONE, xBytes, h1Octets);
  v = hmac(k, v);

  const ecdh = (pointMul ??= createECDH('prime256v1'));
  for (;;) {
    v = hmac(k, v);
    const nonce = bytesToBigInt(v);
    if (nonce >= 1n && nonce < N) {
      ecdh.setPrivateKey(v);
      const point = ecdh.getPublicKey();
      const r = bytesToBigInt(point.subarray(1, 33)) % N;
      if (r !== 0n) {
        const s = (modInverse(nonce, N) * (e + r * x)) % N;
        if (s !== 0n) {
          const out = new Uint8Array(SIGNATURE_LENGTH);
          out.set(bigIntToBytes(r, 32), 0);
          out.set(bigIntToBytes(s, 32), 32);
          return out;
        }
      }
    }
    k = hmac(k, v, ZERO);
    v = hmac(k, v);
  }
}
