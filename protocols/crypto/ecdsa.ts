import { type KeyObject, createECDH, createHash, createHmac, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
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

function modInverse(a: bigint, m: bigint): bigint {
  let r0 = ((a % m) + m) % m;
  let r1 = m;
  let s0 = 1n;
  let s1 = 0n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    const r2 = r0 - q * r1;
    r0 = r1;
    r1 = r2;
    const s2 = s0 - q * s1;
    s0 = s1;
    s1 = s2;
  }
  if (r0 !== 1n) throw new GbcsCryptoError('ECDSA nonce has no inverse');
  return s0 < 0n ? s0 + m : s0;
}

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function signDeterministic(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  const xBytes = privateScalar(privateKey);
  const x = bytesToBigInt(xBytes);
  const h1 = new Uint8Array(createHash('sha256').update(data).digest());
  const e = bytesToBigInt(h1);
  const h1Octets = bigIntToBytes(e % N, 32);

  let v: Uint8Array = new Uint8Array(32).fill(0x01);
  let k: Uint8Array = new Uint8Array(32);
  k = hmac(k, v, Uint8Array.of(0x00), xBytes, h1Octets);
  v = hmac(k, v);
  k = hmac(k, v, Uint8Array.of(0x01), xBytes, h1Octets);
  v = hmac(k, v);

  const ecdh = createECDH('prime256v1');
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
    k = hmac(k, v, Uint8Array.of(0x00));
    v = hmac(k, v);
  }
}
