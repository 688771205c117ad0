import { obj, oneOf } from '../check.js';
import { GbcsDecodeError } from '../errors.js';
import type { EncryptedPart } from './ciphered.js';
import type { Cra } from './frame.js';
import { type DlmsApdu, decodeDlms, dlmsEncryptedParts, encodeDlms } from './dlms/index.js';
import { type GbzPayload, countUntypedGbz, decodeGbz, encodeGbz, gbzEncryptedParts } from './gbz/index.js';
import {
  type Asn1Payload,
  countUntypedAsn1,
  decodeAsn1Payload,
  encodeAsn1Payload,
  isAsn1MessageCode,
} from './asn1/index.js';

/** The three payload families GBCS carries; `family` says which codec reads it. */
export type Payload =
  | { family: 'dlms'; dlms: DlmsApdu }
  | { family: 'gbz'; gbz: GbzPayload }
  | { family: 'asn1'; asn1: Asn1Payload };

export type PayloadFamily = Payload['family'];

export interface PayloadContext {
  messageCode: number;
  cra: Cra;
}

/**
 * Which codec reads a payload (gbcs-framing §3.1): a fixed set of message codes is ASN.1 whatever the
 * bytes; otherwise ZigBee SE profile `01 09` is GBZ, DLMS APDU tags D9/DA/0F are DLMS, anything else DER.
 */
export function payloadFamily(bytes: Uint8Array, ctx: PayloadContext): PayloadFamily {
  if (isAsn1MessageCode(ctx.messageCode)) return 'asn1';
  const b0 = bytes[0];
  if (b0 === 0x01 && bytes[1] === 0x09) return 'gbz';
  if (b0 === 0xd9 || b0 === 0xda || b0 === 0x0f) return 'dlms';
  return 'asn1';
}

export function decodePayload(bytes: Uint8Array, base: number, ctx: PayloadContext): Payload {
  if (bytes.length === 0) throw new GbcsDecodeError(base, 'payload', 'empty payload');
  switch (payloadFamily(bytes, ctx)) {
    case 'dlms':
      return { family: 'dlms', dlms: decodeDlms(bytes, base) };
    case 'gbz':
      return { family: 'gbz', gbz: decodeGbz(bytes, base, ctx) };
    case 'asn1':
      return { family: 'asn1', asn1: decodeAsn1Payload(bytes, base, ctx) };
  }
}

export function encodePayload(value: unknown, path: string, ctx: PayloadContext): Uint8Array {
  const v = obj(value, path);
  const family = oneOf(v.family, `${path}.family`, ['dlms', 'gbz', 'asn1'] as const);
  switch (family) {
    case 'dlms':
      return encodeDlms(v.dlms, `${path}.dlms`);
    case 'gbz':
      return encodeGbz(v.gbz, `${path}.gbz`);
    case 'asn1':
      return encodeAsn1Payload(v.asn1, `${path}.asn1`);
  }
}

export function payloadEncryptedParts(p: Payload): EncryptedPart[] {
  switch (p.family) {
    case 'dlms':
      return dlmsEncryptedParts(p.dlms);
    case 'gbz':
      return gbzEncryptedParts(p.gbz);
    case 'asn1':
      return [];
  }
}

/** How many pieces of the payload no schema could type (the target is zero). */
export function countUntyped(p: Payload): number {
  switch (p.family) {
    case 'dlms':
      return 0;
    case 'gbz':
      return countUntypedGbz(p.gbz);
    case 'asn1':
      return countUntypedAsn1(p.asn1);
  }
}
