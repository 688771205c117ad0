import { createDecipheriv } from 'node:crypto';
import { assertBytes } from './keys.js';
import { GBCS_TAG_LENGTH, checkKeyIv, checkTagLength, gcmEncrypt } from './gmac.js';

/** Security control byte of GBCS ciphered blocks (authenticated encryption, suite 1); it is also the AAD. */
export const PAYLOAD_SECURITY_CONTROL = 0x31;

export interface EncryptedPayload {
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

/** AES-128-GCM as used for GBCS sensitive payloads; the tag is the leading `tagLength` bytes of the GCM tag. */
export function encryptPayload(
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = new Uint8Array([PAYLOAD_SECURITY_CONTROL]),
  tagLength = GBCS_TAG_LENGTH,
): EncryptedPayload {
  checkKeyIv(key, iv, 'payload encryption');
  assertBytes(plaintext, undefined, 'payload plaintext');
  assertBytes(aad, undefined, 'payload AAD');
  checkTagLength(tagLength, 4, 'payload');
  return gcmEncrypt(key, iv, aad, plaintext, tagLength);
}

/**
 * Decrypts and authenticates; `null` when the tag does not verify (wrong key, tampered data, bad tag length).
 * Only unusable arguments (key or IV of the wrong size, non-bytes) throw.
 */
export function decryptPayload(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array = new Uint8Array([PAYLOAD_SECURITY_CONTROL]),
): Uint8Array | null {
  checkKeyIv(key, iv, 'payload decryption');
  assertBytes(ciphertext, undefined, 'payload ciphertext');
  assertBytes(tag, undefined, 'payload tag');
  assertBytes(aad, undefined, 'payload AAD');
  // node accepts 4, 8 and 12-16 byte GCM tags; anything else cannot authenticate.
  if (!(tag.length === 4 || tag.length === 8 || (tag.length >= 12 && tag.length <= 16))) return null;
  const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: tag.length });
  d.setAAD(aad);
  d.setAuthTag(tag);
  const head = d.update(ciphertext);
  try {
    const tail = d.final();
    const pt = tail.length ? Buffer.concat([head, tail]) : head;
    return new Uint8Array(pt);
  } catch {
    return null;
  }
}
