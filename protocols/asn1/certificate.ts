import { type Hex, fromHex } from '../bytes.js';
import type { DerNode } from './der.js';

/*
 * Recognising X.509 certificates inside GBCS payloads (CS02b/d/e, CS03C) and summarising them. This module
 * only reads node trees; der.ts calls it while decoding and hands it a decoder for extension values, which
 * keeps the two modules free of an import cycle.
 */

/** X.509 KeyUsage bit names (RFC 5280 §4.2.1.3), by bit number. */
export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageBit = (typeof KEY_USAGE_BITS)[number];

export interface CertificateSummary {
  serial: Hex;
  /** Distinguished names as `OU=07,CN=Z1`; empty string for the empty device subject. */
  issuer: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  /** Device EUI (hwModuleName hwSerialNum in the SAN) or organisation EUI (x500UniqueIdentifier). */
  eui?: Hex;
  /** Remote party role code from the subject OU of organisation certificates, e.g. "02". */
  role?: string;
  keyUsage?: KeyUsageBit[];
  subjectKeyId?: Hex;
  authorityKeyId?: Hex;
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.45': 'x500UniqueIdentifier',
};
const OID_KEY_USAGE = '2.5.29.15';
const OID_SKI = '2.5.29.14';
const OID_AKI = '2.5.29.35';
const OID_SAN = '2.5.29.17';
const OID_HW_MODULE_NAME = '1.3.6.1.5.5.7.8.4';
const OID_UNIQUE_ID = '2.5.4.45';

function isTime(n: DerNode | undefined): boolean {
  return n !== undefined && (n.type === 'utcTime' || n.type === 'generalizedTime');
}

/** Index of the serial number in tbsCertificate (1 when the [0] version is present), or -1 if not a certificate. */
function tbsStart(tbs: DerNode[]): number {
  const v = tbs[0];
  const i = v && v.type === 'tagged' && v.cls === 'context' && v.tag === 0 && v.constructed ? 1 : 0;
  const validity = tbs[i + 3];
  const ok =
    tbs.length >= i + 6 &&
    tbs[i]!.type === 'integer' &&
    tbs[i + 1]!.type === 'sequence' &&
    tbs[i + 2]!.type === 'sequence' &&
    validity!.type === 'sequence' &&
    validity.children.length === 2 &&
    isTime(validity.children[0]) &&
    isTime(validity.children[1]) &&
    tbs[i + 4]!.type === 'sequence' &&
    tbs[i + 5]!.type === 'sequence';
  return ok ? i : -1;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }. */
export function looksLikeCertificate(c: DerNode[]): boolean {
  if (c.length !== 3) return false;
  const [tbs, alg, sig] = c;
  return tbs!.type === 'sequence' && alg!.type === 'sequence' && sig!.type === 'bitString' && tbsStart(tbs.children) >= 0;
}

function nameText(n: DerNode): { text: string; ou?: string; uid?: Hex } {
  if (n.type !== 'sequence') return { text: '' };
  const parts: string[] = [];
  let ou: string | undefined;
  let uid: Hex | undefined;
  for (const rdn of n.children) {
    if (rdn.type !== 'set') continue;
    for (const atv of rdn.children) {
      if (atv.type !== 'sequence' || atv.children.length !== 2) continue;
      const [oid, value] = atv.children;
      if (oid!.type !== 'oid') continue;
      const key = ATTRIBUTE_NAMES[oid.value] ?? oid.value;
      let text: string;
      if ('value' in value! && typeof value.value === 'string') text = value.value;
      else if (value!.type === 'bitString' || value!.type === 'octetString') text = '#' + value.hex;
      else text = '#';
      if (oid.value === '2.5.4.11') ou = text;
      if (oid.value === OID_UNIQUE_ID && value!.type === 'bitString' && value.unusedBits === 0) uid = value.hex;
      parts.push(`${key}=${text}`);
    }
  }
  return { text: parts.join(','), ou, uid };
}

function keyUsageOf(n: DerNode): KeyUsageBit[] | undefined {
  if (n.type !== 'bitString') return undefined;
  const out: KeyUsageBit[] = [];
  const bytes = fromHex(n.hex);
  for (let i = 0; i < bytes.length * 8 - n.unusedBits; i++) {
    if (bytes[i >> 3]! & (0x80 >> (i & 7)) && i < KEY_USAGE_BITS.length) out.push(KEY_USAGE_BITS[i]!);
  }
  return out;
}

/** Serial as big-endian hex of its magnitude (SMKI serials are positive). */
function serialHex(v: bigint): Hex {
  const neg = v < 0n;
  let h = (neg ? -v : v).toString(16).toUpperCase();
  if (h.length & 1) h = '0' + h;
  return neg ? '-' + h : h;
}

/**
 * Best-effort summary of an already-recognised certificate's children. Never throws: an unreadable
 * extension is left out of the summary, since the certificate bytes are kept whole anyway.
 */
export function summariseCertificate(c: DerNode[], decode: (b: Uint8Array) => DerNode): CertificateSummary {
  const tbs = (c[0] as { children: DerNode[] }).children;
  const i = tbsStart(tbs);
  const validity = (tbs[i + 3] as { children: DerNode[] }).children;
  const issuer = nameText(tbs[i + 2]!);
  const subject = nameText(tbs[i + 4]!);
  const s: CertificateSummary = {
    serial: serialHex((tbs[i] as { value: bigint }).value),
    issuer: issuer.text,
    subject: subject.text,
    notBefore: (validity[0] as { value: string }).value,
    notAfter: (validity[1] as { value: string }).value,
  };
  if (subject.uid) s.eui = subject.uid;
  if (subject.ou) s.role = subject.ou;
  const extsNode = tbs.find((n) => n.type === 'tagged' && n.cls === 'context' && n.tag === 3 && n.constructed);
  const exts = extsNode && extsNode.type === 'tagged' && extsNode.constructed ? extsNode.children[0] : undefined;
  if (!exts || exts.type !== 'sequence') return s;
  for (const ext of exts.children) {
    if (ext.type !== 'sequence' || ext.children.length < 2) continue;
    const oid = ext.children[0]!;
    const value = ext.children[ext.children.length - 1]!;
    if (oid.type !== 'oid' || value.type !== 'octetString') continue;
    let inner: DerNode;
    try {
      inner = decode(fromHex(value.hex));
    } catch {
      continue;
    }
    switch (oid.value) {
      case OID_KEY_USAGE: {
        const ku = keyUsageOf(inner);
        if (ku) s.keyUsage = ku;
        break;
      }
      case OID_SKI:
        if (inner.type === 'octetString') s.subjectKeyId = inner.hex;
        break;
      case OID_AKI:
        if (inner.type === 'sequence') {
          const id = inner.children.find((n) => n.type === 'tagged' && n.tag === 0 && !n.constructed);
          if (id && id.type === 'tagged' && !id.constructed) s.authorityKeyId = id.hex;
        }
        break;
      case OID_SAN: {
        const eui = hwSerialNumber(inner);
        if (eui) s.eui = eui;
        break;
      }
    }
  }
  return s;
}

/** GeneralNames → otherName [0] { hwModuleName, [0] EXPLICIT HardwareModuleName { hwType, hwSerialNum } }. */
function hwSerialNumber(names: DerNode): Hex | undefined {
  if (names.type !== 'sequence') return undefined;
  for (const gn of names.children) {
    if (gn.type !== 'tagged' || gn.tag !== 0 || !gn.constructed || gn.children.length !== 2) continue;
    const [typeId, wrapped] = gn.children;
    if (typeId!.type !== 'oid' || typeId.value !== OID_HW_MODULE_NAME) continue;
    if (wrapped!.type !== 'tagged' || !wrapped.constructed) continue;
    const hmn = wrapped.children[0];
    if (hmn?.type === 'sequence' && hmn.children[1]?.type === 'octetString') return hmn.children[1].hex;
  }
  return undefined;
}
