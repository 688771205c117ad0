import { GbcsEncodeError } from '../../errors.js';
import { type DerNode, decodeDerWithStyle, encodeDer } from '../../asn1/der.js';
import { type Asn1SchemaName, type Asn1Schemas, type Cra, MESSAGE_SCHEMAS, SCHEMAS, SCHEMA_NAMES } from './messages.js';
import { SchemaMismatch } from './schema.js';

/**
 * `lengthForm: 'twoOctet'` records that the payload wrote every length of 128-65535 as `82 hh ll` (as RTDS
 * devices do for CS02a/b/g responses) instead of DER's minimal form; encode repeats it. Certificates keep
 * their own bytes either way.
 */
export type TypedAsn1Payload = {
  [K in Asn1SchemaName]: { schema: K; value: Asn1Schemas[K]; lengthForm?: 'twoOctet' };
}[Asn1SchemaName];

/**
 * A payload no schema fits: the DER tree (certificates collapsed), which encodes back to the same bytes.
 * `mismatch` says why the expected schema did not fit; it is informational and ignored on encode.
 */
export interface UntypedAsn1Payload {
  schema: 'untyped';
  der: DerNode;
  mismatch?: string;
}

export type Asn1Payload = TypedAsn1Payload | UntypedAsn1Payload;

export interface Asn1Context {
  messageCode: number;
  cra: Cra;
}

/** Message codes whose payload is ASN.1 DER whatever its first byte (gbcs-framing §3.1 rule 1 + RTDS). */
const ASN1_CODES: ReadonlySet<number> = new Set([...MESSAGE_SCHEMAS.keys()]);

export function isAsn1MessageCode(code: number): boolean {
  return ASN1_CODES.has(code);
}

/**
 * Decodes an ASN.1 payload occupying all of `bytes`; `base` is the absolute offset of bytes[0] in the frame.
 * Throws only GbcsDecodeError (malformed DER, trailing bytes). A well-formed payload that fits none of the
 * schemas for (messageCode, cra) comes back as `schema: 'untyped'`.
 */
export function decodeAsn1Payload(bytes: Uint8Array, base: number, ctx: Asn1Context): Asn1Payload {
  const { node: der, lengthStyle } = decodeDerWithStyle(bytes, base, { certificates: true });
  if (lengthStyle === 'mixed') {
    // The typed value has nowhere to keep per-element length forms; the tree does.
    return { schema: 'untyped', der, mismatch: 'length forms are neither minimal nor consistently two-octet' };
  }
  const candidates = MESSAGE_SCHEMAS.get(ctx.messageCode)?.[ctx.cra];
  if (!candidates || candidates.length === 0) {
    return {
      schema: 'untyped',
      der,
      mismatch: `no schema for message code 0x${ctx.messageCode.toString(16).padStart(4, '0').toUpperCase()} ${ctx.cra}`,
    };
  }
  let why = '';
  for (const name of candidates) {
    try {
      const value = SCHEMAS[name].decode(der);
      return (lengthStyle === 'twoOctet' ? { schema: name, value, lengthForm: 'twoOctet' } : { schema: name, value }) as TypedAsn1Payload;
    } catch (e) {
      if (!(e instanceof SchemaMismatch)) throw e;
      why += `${why ? '; ' : ''}${name} at ${e.where}: ${e.reason}`;
    }
  }
  return { schema: 'untyped', der, mismatch: why };
}

/**
 * Encodes a typed or untyped payload, which may come from user JSON: 64-bit fields accept bigint, safe
 * numbers or decimal strings; certificate summaries and `mismatch` are ignored. Throws only GbcsEncodeError.
 */
export function encodeAsn1Payload(p: Asn1Payload | unknown, path = 'payload'): Uint8Array {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new GbcsEncodeError(path, 'expected an ASN.1 payload object');
  const o = p as Record<string, unknown>;
  const schema = o.schema;
  if (schema === 'untyped') return encodeDer(o.der, `${path}.der`);
  if (typeof schema !== 'string' || !Object.prototype.hasOwnProperty.call(SCHEMAS, schema)) {
    throw new GbcsEncodeError(`${path}.schema`, `expected 'untyped' or one of ${SCHEMA_NAMES.join(', ')}, got ${JSON.stringify(schema)}`);
  }
  const lf = o.lengthForm;
  if (lf !== undefined && lf !== 'twoOctet' && lf !== 'minimal') {
    throw new GbcsEncodeError(`${path}.lengthForm`, `expected 'twoOctet' or 'minimal', got ${JSON.stringify(lf)}`);
  }
  const node = SCHEMAS[schema as Asn1SchemaName].encode(o.value, `${path}.value`);
  return encodeDer(node, `${path}.value`, { lengthStyle: lf === 'twoOctet' ? 'twoOctet' : 'minimal' });
}

/** Encodes one typed value by schema name (device models building responses). */
export function encodeAsn1Value<K extends Asn1SchemaName>(schema: K, value: Asn1Schemas[K]): Uint8Array {
  return encodeAsn1Payload({ schema, value });
}

/** 1 when the payload fell back to an untyped tree, else 0: summed over a corpus it must stay 0. */
export function countUntypedAsn1(p: Asn1Payload): number {
  return p.schema === 'untyped' ? 1 : 0;
}
