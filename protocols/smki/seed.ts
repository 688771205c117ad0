import { type KeyObject, createECDH, createHmac, createPrivateKey, createPublicKey } from 'node:crypto';
import { P256_ORDER, bytesToBigInt } from '../crypto/keys.js';
import { SmkiError } from './errors.js';

/*
 * Everything a PKI issues (keys, serials, dates) is a function of the seed and a label naming the item, so a
 * simulated estate can be rebuilt byte for byte from its seed alone, and adding one device does not change
 * anything already issued. Labels are ASCII paths such as `key/org/90B3D51F30010000/ds`.
 */

export type SeedInput = string | number | bigint | Uint8Array;

const DOMAIN = 'smets-sim/smki/v1';

/** Seed bytes: numbers and strings by their (decimal) text, so `--seed 42` and `seed: 42` agree. */
export function seedBytes(seed: SeedInput): Uint8Array {
  if (seed instanceof Uint8Array) {
    if (seed.length === 0) throw new SmkiError('bad-input', 'seed is empty');
    return seed.slice();
  }
  if (typeof seed === 'number' && !Number.isFinite(seed)) throw new SmkiError('bad-input', `seed ${seed} is not a finite number`);
  const text = String(seed);
  if (text.length === 0) throw new SmkiError('bad-input', 'seed is empty');
  return new TextEncoder().encode(text);
}

function hmac(key: Uint8Array, label: string, counter: number): Uint8Array {
  return new Uint8Array(
    createHmac('sha256', key)
      .update(`${DOMAIN}\u0000${label}\u0000${counter}`)
      .digest(),
  );
}

/** `n` pseudo-random octets for `label` (HMAC-SHA256 in counter mode). */
export function deriveBytes(seed: Uint8Array, label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, o = 0; o < n; i++) {
    const block = hmac(seed, label, i);
    out.set(block.subarray(0, Math.min(32, n - o)), o);
    o += 32;
  }
  return out;
}

/** A P-256 private scalar in [1, n-1]; rejection sampling keeps it unbiased. */
export function deriveScalar(seed: Uint8Array, label: string): Uint8Array {
  for (let i = 0; ; i++) {
    const candidate = deriveBytes(seed, `${label}#${i}`, 32);
    const d = bytesToBigInt(candidate);
    if (d >= 1n && d < P256_ORDER) return candidate;
  }
}

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** KeyObjects for a known scalar: OpenSSL computes the public point, JWK import binds the two. */
export function keyPairFromScalar(d: Uint8Array): KeyPair {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(d));
  const point = ecdh.getPublicKey();
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  const privateKey = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64(d), x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) },
    format: 'jwk',
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export function deriveKeyPair(seed: Uint8Array, label: string): KeyPair {
  return keyPairFromScalar(deriveScalar(seed, label));
}

/**
 * 16 serial octets. The first is kept in 0x10..0x7F, as in 454 of the 455 real samples: positive, so DER
 * adds no 0x00 pad and the INTEGER stays exactly 16 octets.
 */
export function deriveSerial(seed: Uint8Array, label: string): Uint8Array {
  const s = deriveBytes(seed, `serial/${label}`, 16);
  s[0] = 0x10 + (s[0]! % 0x70);
  return s;
}

/** A whole number of days in [0, range) for `label`, used to spread validity starts. */
export function deriveDays(seed: Uint8Array, label: string, range: number): number {
  const b = deriveBytes(seed, `days/${label}`, 4);
  return (((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!) % range;
}
