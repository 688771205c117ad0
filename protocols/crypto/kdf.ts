import { GbcsCryptoError } from '../errors.js';
import { type Eui64, euiToBytes, isEui64 } from '../eui.js';
import { writeEuiBytes } from './eui-bytes.js';
import { hash } from 'node:crypto';
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

function checkInfo(info: KdfInfo): void {
  if (info.mode !== 1 && info.mode !== 2 && info.mode !== 3 && info.mode !== 4) {
    throw new GbcsCryptoError(`KDF mode must be 1-4, got ${JSON.stringify(info.mode)}`);
  }
  if (typeof info.counter !== 'bigint' || info.counter < 0n || info.counter > 0xffffffffffffffffn) {
    throw new GbcsCryptoError(`KDF counter must be an unsigned 64-bit bigint, got ${String(info.counter)}`);
  }
}

/** Writes OtherInfo at `out[at]` (33 bytes), checking every field. */
function writeOtherInfo(out: Uint8Array, at: number, info: KdfInfo): void {
  // The fast EUI writer takes exactly the Eui64 form; anything else gets the checked path and its message.
  if (!writeEuiBytes(out, at + 7, info.partyU)) {
    checkEui(info.partyU, 'partyU');
    out.set(euiToBytes(info.partyU), at + 7);
  }
  if (!writeEuiBytes(out, at + 25, info.partyV)) {
    checkEui(info.partyV, 'partyV');
    out.set(euiToBytes(info.partyV), at + 25);
  }
  checkInfo(info);
  out.set(ALGORITHM_ID, at);
  // PartyVInfo starts with 09, the length byte of the transaction-id it mirrors (mode ‖ counter).
  out[at + 15] = 0x09;
  out[at + 16] = info.mode;
  new DataView(out.buffer, out.byteOffset).setBigUint64(at + 17, info.counter);
}

/** The 33-byte SP 800-56A OtherInfo: AlgorithmID ‖ PartyU ‖ 09 ‖ mode ‖ counter ‖ PartyV. */
export function otherInfo(info: KdfInfo): Uint8Array {
  const out = new Uint8Array(OTHER_INFO_LENGTH);
  writeOtherInfo(out, 0, info);
  return out;
}

const ROUND_ONE = new Uint8Array([0, 0, 0, 1]);
const INPUT_LENGTH = 4 + 32 + OTHER_INFO_LENGTH;
/**
 * The hash input counter ‖ Z ‖ OtherInfo, rebuilt in place for every derivation (hashing is synchronous):
 * a fresh 69-byte array would be an off-heap allocation per message.
 */
const INPUT = new Uint8Array(INPUT_LENGTH);
INPUT.set(ROUND_ONE, 0);
INPUT.set(ALGORITHM_ID, 36);

/** Byte copy for the short fields here: a loop beats TypedArray.set's call overhead at 8-32 bytes. */
function put(out: Uint8Array, at: number, b: Uint8Array): void {
  for (let i = 0; i < b.length; i++) out[at + i] = b[i]!;
}

/** The first 16 bytes of SHA-256(INPUT). */
function keyOf(): Uint8Array {
  const d = hash('sha256', INPUT, 'buffer') as Buffer;
  return new Uint8Array(d.buffer, d.byteOffset, 16).slice();
}

/**
 * GBCS per-message AES-128 key: SP 800-56A concatenation KDF with SHA-256; one round suffices for 128 bits.
 * `z` is the 32-byte ECDH shared secret (x-coordinate).
 */
export function deriveKey(z: Uint8Array, info: KdfInfo): Uint8Array {
  assertBytes(z, 32, 'KDF shared secret Z');
  // This runs two or three times per message: one shared input buffer, no allocation but the key.
  writeOtherInfo(INPUT, 36, info);
  put(INPUT, 4, z);
  return keyOf();
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
  put(INPUT, 4, z);
  put(INPUT, 43, partyU);
  put(INPUT, 51, txElement);
  put(INPUT, 61, partyV);
  return keyOf();
}
