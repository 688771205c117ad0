import type { KeyObject } from 'node:crypto';
import { concatBytes } from '../bytes.js';
import { GbcsCryptoError } from '../errors.js';
import { type Eui64, euiToBytes, isEui64 } from '../eui.js';
import { type KeyAgreementCache, ecdhSharedSecret } from './agreement.js';
import { deriveKey } from './kdf.js';
import { gbcsIv, gmac } from './gmac.js';
import { assertBytes } from './keys.js';

/*
 * Prepayment top-up tokens (GBCS §14; gbcs-framing §2.7). A UTRN is 20 decimal digits: PPTD (19) and a check
 * digit. PPTD = PTUT + a fixed offset so every token has the same length; PTUT = high dword (counter bits,
 * value class, value) ‖ low dword (the last 4 bytes of a 16-byte GMAC tag keyed from supplier PP-KA × device KA).
 */

export const PPTD_OFFSET = 0x669d529b714a0000n;
export const UTRN_MAX_VALUE = 8191;

export type UtrnValueClass = 'pennies' | 'pounds';
const VALUE_CLASS_BITS: Record<UtrnValueClass, number> = { pennies: 0, pounds: 1 };

/**
 * The key material: either Z (32 bytes) or the ECDH pair of either side (supplier PP-KA private + device KA
 * public, or device KA private + supplier PP-KA public), optionally through a cache.
 */
export type UtrnKey = Uint8Array | { privateKey: KeyObject; publicKey: KeyObject; cache?: KeyAgreementCache };

export interface UtrnParams {
  key: UtrnKey;
  supplier: Eui64;
  device: Eui64;
  /** The full 64-bit top-up counter; its low 32 bits must be zero, bits 32-41 travel in the token. */
  counter: bigint;
  /** 0..8191 in units of `valueClass`. */
  value: number;
  valueClass: UtrnValueClass;
}

export interface ParsedUtrn {
  utrn: string;
  pptd: bigint;
  ptut: bigint;
  /** Bits 32-41 of the top-up counter. */
  counterBits: number;
  valueClass: UtrnValueClass;
  value: number;
  /** The 32-bit MAC (PTUT low dword). */
  mac: number;
}

function sharedSecretOf(key: UtrnKey): Uint8Array {
  if (key instanceof Uint8Array) {
    assertBytes(key, 32, 'UTRN shared secret Z');
    return key;
  }
  if (typeof key !== 'object' || key === null) throw new GbcsCryptoError('UTRN key: expected Z bytes or a key pair');
  return key.cache ? key.cache.sharedSecret(key.privateKey, key.publicKey) : ecdhSharedSecret(key.privateKey, key.publicKey);
}

function checkEui(e: unknown, what: string): asserts e is Eui64 {
  if (typeof e !== 'string' || !isEui64(e)) throw new GbcsCryptoError(`UTRN ${what}: not an EUI-64: ${JSON.stringify(e)}`);
}

function checkCounter(counter: unknown): asserts counter is bigint {
  if (typeof counter !== 'bigint' || counter < 0n || counter > 0xffffffffffffffffn) {
    throw new GbcsCryptoError(`UTRN counter must be an unsigned 64-bit bigint, got ${String(counter)}`);
  }
  if ((counter & 0xffffffffn) !== 0n) {
    // The token only carries bits 32-41; a device could never reconstruct non-zero low bits.
    throw new GbcsCryptoError(`UTRN counter 0x${counter.toString(16)} has non-zero low 32 bits`);
  }
}

function highDword(counter: bigint, valueClass: number, value: number): number {
  const counterBits = Number((counter >> 32n) & 0x3ffn);
  return ((counterBits << 15) | (valueClass << 13) | value) >>> 0;
}

function macDword(z: Uint8Array, supplier: Eui64, device: Eui64, counter: bigint, high: number): number {
  const key = deriveKey(z, { partyU: supplier, mode: 1, counter, partyV: device });
  const tail = new Uint8Array(13);
  const view = new DataView(tail.buffer);
  tail[0] = 0x01;
  view.setBigUint64(1, counter);
  view.setUint32(9, high);
  const aad = concatBytes(Uint8Array.of(0x11, 0, 0, 0, 0, 0), euiToBytes(supplier), euiToBytes(device), tail);
  const tag = gmac(key, gbcsIv(supplier), aad, 16);
  return new DataView(tag.buffer, tag.byteOffset).getUint32(12);
}

/*
 * GBCS §14.8 check digit: Verhoeff's dihedral-group scheme, but digits are taken left to right with the
 * permutation index starting at 4, and GBCS's own final inverse table.
 */
const D5 = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
] as const;
const PERMUTATION = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
] as const;
const GBCS_INVERSE = [1, 2, 6, 7, 5, 8, 3, 0, 9, 4] as const;

export function utrnCheckDigit(digits: string): number {
  if (!/^\d+$/.test(digits)) throw new GbcsCryptoError(`UTRN check digit: not a digit string: ${JSON.stringify(digits)}`);
  let acc = 0;
  for (let i = 0; i < digits.length; i++) {
    acc = D5[acc]![PERMUTATION[(i + 4) % 8]![digits.charCodeAt(i) - 48]!]!;
  }
  return GBCS_INVERSE[acc]!;
}

/** Builds the 20-digit UTRN for a top-up. */
export function makeUtrn(p: UtrnParams): string {
  checkEui(p.supplier, 'supplier');
  checkEui(p.device, 'device');
  checkCounter(p.counter);
  if (!Number.isInteger(p.value) || p.value < 0 || p.value > UTRN_MAX_VALUE) {
    throw new GbcsCryptoError(`UTRN value must be an integer 0..${UTRN_MAX_VALUE}, got ${p.value}`);
  }
  const cls = VALUE_CLASS_BITS[p.valueClass];
  if (cls === undefined) throw new GbcsCryptoError(`UTRN value class must be pennies or pounds, got ${JSON.stringify(p.valueClass)}`);
  const high = highDword(p.counter, cls, p.value);
  const low = macDword(sharedSecretOf(p.key), p.supplier, p.device, p.counter, high);
  const pptd = PPTD_OFFSET + ((BigInt(high) << 32n) | BigInt(low));
  const digits = pptd.toString();
  return digits + String(utrnCheckDigit(digits));
}

/** Splits a UTRN into its fields after checking length, check digit and reserved bits. Does not check the MAC. */
export function parseUtrn(utrn: string): ParsedUtrn {
  if (typeof utrn !== 'string') throw new GbcsCryptoError(`UTRN: expected a string, got ${typeof utrn}`);
  const text = utrn.replace(/[\s-]/g, '');
  if (!/^\d{20}$/.test(text)) throw new GbcsCryptoError(`UTRN must be 20 decimal digits, got ${JSON.stringify(utrn)}`);
  const body = text.slice(0, 19);
  const expected = utrnCheckDigit(body);
  if (Number(text[19]) !== expected) throw new GbcsCryptoError(`UTRN check digit is ${text[19]}, expected ${expected}`);
  const pptd = BigInt(body);
  const ptut = pptd - PPTD_OFFSET;
  if (ptut < 0n || ptut >> 57n !== 0n) throw new GbcsCryptoError(`UTRN ${text} is outside the token range`);
  const high = Number(ptut >> 32n);
  const cls = (high >> 13) & 3;
  if (cls > 1) throw new GbcsCryptoError(`UTRN value class ${cls} is reserved`);
  return {
    utrn: text,
    pptd,
    ptut,
    counterBits: (high >> 15) & 0x3ff,
    valueClass: cls === 1 ? 'pounds' : 'pennies',
    value: high & 0x1fff,
    mac: Number(ptut & 0xffffffffn),
  };
}

export interface VerifyUtrnParams {
  utrn: string;
  key: UtrnKey;
  supplier: Eui64;
  device: Eui64;
  /**
   * The full counter the device expects; bits 32-41 must match the token's. Defaults to the token's counter
   * bits shifted into place, which is right while the counter's high word stays below 1024.
   */
  counter?: bigint;
}

/** True iff the UTRN is well formed and its MAC verifies. Key problems still throw GbcsCryptoError. */
export function verifyUtrn(p: VerifyUtrnParams): boolean {
  checkEui(p.supplier, 'supplier');
  checkEui(p.device, 'device');
  let t: ParsedUtrn;
  try {
    t = parseUtrn(p.utrn);
  } catch (e) {
    if (e instanceof GbcsCryptoError) return false;
    throw e;
  }
  const counter = p.counter ?? BigInt(t.counterBits) << 32n;
  checkCounter(counter);
  if (Number((counter >> 32n) & 0x3ffn) !== t.counterBits) return false;
  const high = Number(t.ptut >> 32n);
  const mac = macDword(sharedSecretOf(p.key), p.supplier, p.device, counter, high);
  // A single 32-bit integer compare: no byte-by-byte early exit for timing to reveal.
  return mac === t.mac;
}
