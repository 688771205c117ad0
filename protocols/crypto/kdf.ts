import { createHash, hash } from 'node:crypto';
import { GbcsCryptoError } from '../errors.js';
import { type Eui64, euiToBytes, isEui64 } from '../eui.js';
import { assertBytes } from './keys.js';

/** KDF mode byte (GBCS PartyVInfo): the CRA flag for MACs, 4 for payload encryption. */
export const KDF_MODE = { command: 1, response: 2, alert: 3, encryption: 4 } as const;
export type KdfMode = 1 | 2 | 3 | 4;

export interface KdfInfo {
  /** Business originator. */
  partyU: Eui64;
  mode: KdfMode;
  /** Originator counter (or supplementary originator counter for mode 4), unsigned 64-bit. */
  counter: bigint;
  /** Business target (or supplementary remote party for mode 4). */
  partyV: Eui64;
}

/** Content octets of OID 2.16.756.5.8.3.0 (DLMS AES-GCM-128), the KDF AlgorithmID. */
const ALGORITHM_ID = [0x60, 0x85, 0x74, 0x06, 0x08, 0x03, 0x00];
export const OTHER_INFO_LENGTH = 33;

function checkEui(e: unknown, what: string): asserts e is Eui64 {
  if (typeof e !== 'string' || !isEui64(e)) throw new GbcsCryptoError(`KDF ${what}: not an EUI-64: ${JSON.stringify(e)}`);
}

/** The 33-byte SP 800-56A OtherInfo: AlgorithmID ‖ PartyU ‖ 09 ‖ mode ‖ counter ‖ PartyV. */
export function otherInfo(info: KdfInfo): Uint8Array {
  checkEui(info.partyU, 'partyU');
  checkEui(info.partyV, 'partyV');
  if (info.mode !== 1 && info.mode !== 2 && info.mode !== 3 && info.mode !== 4) {
    throw new GbcsCryptoError(`KDF mode must be 1-4, got ${JSON.stringify(info.mode)}`);
  }
  if (typeof info.counter !== 'bigint' || info.counter < 0n || info.counter > 0xffffffffffffffffn) {
    throw new GbcsCryptoError(`KDF counter must be an unsigned 64-bit bigint, got ${String(info.counter)}`);
  }
  const out = new Uint8Array(OTHER_INFO_LENGTH);
  out.set(ALGORITHM_ID, 0);
  out.set(euiToBytes(info.partyU), 7);
  // PartyVInfo starts with 09, the length byte of the transaction-id it mirrors (mode ‖ counter).
  out[15] = 0x09;
  out[16] = info.mode;
  new DataView(out.buffer).setBigUint64(17, info.counter);
  out.set(euiToBytes(info.partyV), 25);
  return out;
}

const ROUND_ONE = new Uint8Array([0, 0, 0, 1]);

/**
 * GBCS per-message AES-128 key: SP 800-56A concatenation KDF with SHA-256; one round suffices for 128 bits.
 * `z` is the 32-byte ECDH shared secret (x-coordinate).
 */
export function deriveKey(z: Uint8Array, info: KdfInfo): Uint8Array {
  assertBytes(z, 32, 'KDF shared secret Z');
  const digest = createHash('sha256').update(ROUND_ONE).update(z).update(otherInfo(info)).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, 16).slice();
}

/**
 * Same KDF with OtherInfo fields taken as bytes: a frame already holds PartyU, the transaction-id element
 * (`09` ‖ CRA ‖ counter) and PartyV, so the hot path copies them instead of re-encoding EUIs and bigints.
 * `txElement` is 10 bytes (`09`, mode, counter); `partyU` and `partyV` are 8 bytes each.
 */
export function deriveKeyRaw(z: Uint8Array, partyU: Uint8Array, txElement: Uint8Array, partyV: Uint8Array): Uint8Array {
  assertBytes(z, 32, 'KDF shared secret Z');
  assertBytes(partyU, 8, 'KDF partyU');
  assertBytes(txElement, 10, 'KDF transaction-id element');
  assertBytes(partyV, 8, 'KDF partyV');
  const input = new Uint8Array(4 + 32 + OTHER_INFO_LENGTH);
  input.set(ROUND_ONE, 0);
  input.set(z, 4);
  input.set(ALGORITHM_ID, 36);
  input.set(partyU, 43);
  input.set(txElement, 51);
  input.set(partyV, 61);
  const digest = hash('sha256', input, 'buffer') as Buffer;
  return new Uint8Array(digest.buffer, digest.byteOffset, 16).slice();
}
