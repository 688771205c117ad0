import { type Hex, type Reader, type Writer, toHex } from '../bytes.js';
import { hexBytes, obj, uint } from '../check.js';

/**
 * A GBCS ciphered block (GBCS 7.2.x / gbcs-framing §2.5): security control byte (0x31 = authenticated
 * encryption, suite 1), 4-byte invocation counter (always 0 in practice), ciphertext and a 12-byte tag.
 * It is carried inside DLMS protected data and GBZ encrypted components.
 */
export interface CipheredBlock {
  securityControl: number;
  invocationCounter: number;
  ciphertext: Hex;
  tag: Hex;
}

export const GBCS_TAG_LENGTH = 12;

/** Read a ciphered block that occupies exactly `length` bytes. */
export function readCipheredBlock(r: Reader, length: number, field: string): CipheredBlock {
  if (length < 5 + GBCS_TAG_LENGTH) r.fail(field, `ciphered block of ${length} bytes is shorter than its ${5 + GBCS_TAG_LENGTH}-byte overhead`);
  const s = r.sub(length, field);
  const securityControl = s.u8(`${field}.securityControl`);
  const invocationCounter = s.u32(`${field}.invocationCounter`);
  const ciphertext = toHex(s.bytes(length - 5 - GBCS_TAG_LENGTH, `${field}.ciphertext`));
  const tag = toHex(s.bytes(GBCS_TAG_LENGTH, `${field}.tag`));
  return { securityControl, invocationCounter, ciphertext, tag };
}

export function cipheredBlockLength(b: CipheredBlock): number {
  return 5 + b.ciphertext.length / 2 + GBCS_TAG_LENGTH;
}

export function writeCipheredBlock(w: Writer, value: unknown, path: string): void {
  const v = obj(value, path);
  w.u8(uint(v.securityControl, `${path}.securityControl`, 0xff));
  w.u32(uint(v.invocationCounter, `${path}.invocationCounter`, 0xffffffff));
  w.bytes(hexBytes(v.ciphertext, `${path}.ciphertext`));
  w.bytes(hexBytes(v.tag, `${path}.tag`, GBCS_TAG_LENGTH));
}

/**
 * Where a payload codec found a ciphered block, and how to read its plaintext once a key is known.
 * `path` is the field path of the block inside the payload value, for reports.
 */
export interface EncryptedPart {
  path: string;
  block: CipheredBlock;
  decodePlaintext(plaintext: Uint8Array): unknown;
}
