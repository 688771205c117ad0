import { createCipheriv, timingSafeEqual } from 'node:crypto';
import { GbcsCryptoError } from '../errors.js';
import { type Eui64, euiToBytes, isEui64 } from '../eui.js';
import { assertBytes } from './keys.js';

/** GBCS truncates GCM tags to 96 bits for MACs and ciphered blocks. */
export const GBCS_TAG_LENGTH = 12;

/** GCM IV as GBCS builds it: originator system title (EUI) ‖ 32-bit invocation counter (0 in practice). */
export function gbcsIv(originator: Eui64, invocationCounter = 0): Uint8Array {
  if (typeof originator !== 'string' || !isEui64(originator)) {
    throw new GbcsCryptoError(`IV originator: not an EUI-64: ${JSON.stringify(originator)}`);
  }
  if (!Number.isInteger(invocationCounter) || invocationCounter < 0 || invocationCounter > 0xffffffff) {
    throw new GbcsCryptoError(`IV invocation counter must be 0..0xFFFFFFFF, got ${invocationCounter}`);
  }
  const iv = new Uint8Array(12);
  iv.set(euiToBytes(originator), 0);
  new DataView(iv.buffer).setUint32(8, invocationCounter);
  return iv;
}

const EMPTY = new Uint8Array(0);

export function checkKeyIv(key: unknown, iv: unknown, what: string): void {
  assertBytes(key, 16, `${what} key (AES-128)`);
  assertBytes(iv, 12, `${what} IV`);
}

export function checkTagLength(tagLength: number, min: number, what: string): void {
  if (!Number.isInteger(tagLength) || tagLength < min || tagLength > 16) {
    throw new GbcsCryptoError(`${what} tag length must be ${min}..16, got ${tagLength}`);
  }
}

/**
 * AES-128-GCM with the tag truncated to `tagLength` bytes; arguments are checked by the callers. GCM tag
 * truncation keeps the leading bytes, so computing the full tag and slicing equals GCM run with a short tag.
 */
export function gcmEncrypt(
  key: Uint8Array,
  iv: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  tagLength: number,
): { ciphertext: Uint8Array; tag: Uint8Array } {
  const c = createCipheriv('aes-128-gcm', key, iv);
  c.setAAD(aad);
  const ct = plaintext.length ? Buffer.concat([c.update(plaintext), c.final()]) : (c.final(), Buffer.alloc(0));
  const tag = c.getAuthTag();
  return { ciphertext: new Uint8Array(ct), tag: new Uint8Array(tag.buffer, tag.byteOffset, tagLength).slice() };
}

/**
 * GMAC over the concatenation of `aadParts` (no copy into one array); the caller has checked key, IV and
 * tag length. For the per-message MACs of GBCS frames.
 */
export function gmacParts(key: Uint8Array, iv: Uint8Array, aadParts: readonly Uint8Array[], tagLength = GBCS_TAG_LENGTH): Uint8Array {
  const c = createCipheriv('aes-128-gcm', key, iv);
  for (const p of aadParts) c.setAAD(p);
  c.final();
  const tag = c.getAuthTag();
  return new Uint8Array(tag.buffer, tag.byteOffset, tagLength).slice();
}

/** GMAC: the GCM tag over `aad` with an empty plaintext, truncated to `tagLength` bytes. */
export function gmac(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, tagLength = GBCS_TAG_LENGTH): Uint8Array {
  checkKeyIv(key, iv, 'GMAC');
  assertBytes(aad, undefined, 'GMAC AAD');
  checkTagLength(tagLength, 1, 'GMAC');
  return gcmEncrypt(key, iv, aad, EMPTY, tagLength).tag;
}

/** Constant-time comparison of a received MAC against the computed one; the length comes from `mac`. */
export function gmacVerify(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, mac: Uint8Array): boolean {
  assertBytes(mac, undefined, 'GMAC tag');
  // Refuse very short tags: a 1-byte "MAC" would verify by chance 1 time in 256.
  if (mac.length < 4 || mac.length > 16) return false;
  return timingSafeEqual(gmac(key, iv, aad, mac.length), mac);
}
