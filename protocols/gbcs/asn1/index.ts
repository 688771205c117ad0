/*
 * GBCS ASN.1 DER payloads: typed schemas per message code (messages.ts, built from the combinators in
 * schema.ts) and builders for device responses (builders.ts). The generic DER codec and the certificate
 * recogniser live in protocols/asn1/, shared with crypto and SMKI; what payload users need is re-exported.
 */
export {
  type Asn1Context,
  type Asn1Payload,
  type TypedAsn1Payload,
  type UntypedAsn1Payload,
  countUntypedAsn1,
  decodeAsn1Payload,
  encodeAsn1Payload,
  encodeAsn1Value,
  isAsn1MessageCode,
} from './payload.js';
export {
  type DerBitString,
  type DerBoolean,
  type DerCertificate,
  type DerConstructed,
  type DerDecodeOptions,
  type DerEnumerated,
  type DerInteger,
  type DerNode,
  type DerNodeType,
  type DerNull,
  type DerOctetString,
  type DerOid,
  type DerString,
  type DerTagClass,
  type DerTagged,
  type DerTime,
  DER_MAX_DEPTH,
  decodeDer,
  der,
  encodeDer,
} from '../../asn1/der.js';
export { type CertificateSummary, type KeyUsageBit, KEY_USAGE_BITS } from '../../asn1/certificate.js';
export type { Certificate } from './schema.js';
export * from './messages.js';
export * from './names.js';
export * from './builders.js';
