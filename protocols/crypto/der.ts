/*
 * Just enough DER to read what node's X509Certificate does not expose for SMKI certificates: the subject OU
 * and x500UniqueIdentifier of organisation certificates (node mangles the BIT STRING into text), the
 * hardwareModuleName otherName of device certificates (node prints "<unsupported>") and the keyUsage bits.
 * Every read is bounds-checked; a malformed structure yields `undefined`, never an exception, because the
 * certificate itself has already been accepted by OpenSSL and these fields are only advisory.
 */

export interface DerNode {
  tag: number;
  /** Offset of the content octets in the buffer. */
  start: number;
  /** Offset just after the content octets. */
  end: number;
}

export function readNode(buf: Uint8Array, pos: number, limit = buf.length): DerNode | undefined {
  if (pos + 2 > limit) return undefined;
  const tag = buf[pos]!;
  // Multi-byte tags never occur in X.509; refusing them keeps the reader simple.
  if ((tag & 0x1f) === 0x1f) return undefined;
  let len = buf[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || p + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  if (p + len > limit) return undefined;
  return { tag, start: p, end: p + len };
}

export function children(buf: Uint8Array, node: DerNode): DerNode[] | undefined {
  const out: DerNode[] = [];
  let p = node.start;
  while (p < node.end) {
    const c = readNode(buf, p, node.end);
    if (!c) return undefined;
    out.push(c);
    p = c.end;
  }
  return out;
}

export function content(buf: Uint8Array, node: DerNode): Uint8Array {
  return buf.subarray(node.start, node.end);
}

function sameBytes(a: Uint8Array, b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const OID_OU = [0x55, 0x04, 0x0b]; // 2.5.4.11 organizationalUnitName
const OID_UNIQUE_ID = [0x55, 0x04, 0x2d]; // 2.5.4.45 x500UniqueIdentifier
const OID_KEY_USAGE = [0x55, 0x1d, 0x0f]; // 2.5.29.15
const OID_SAN = [0x55, 0x1d, 0x11]; // 2.5.29.17
const OID_HW_MODULE_NAME = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x04]; // 1.3.6.1.5.5.7.8.4

const TAG_SEQUENCE = 0x30;
const TAG_SET = 0x31;
const TAG_OID = 0x06;
const TAG_BIT_STRING = 0x03;
const TAG_OCTET_STRING = 0x04;
const TAG_BOOLEAN = 0x01;

/** The SMKI-relevant parts of a certificate, as far as they could be read. */
export interface CertificateFields {
  /** Subject OU text (the remote party role as hex digits in organisation certificates). */
  ou?: string;
  /** 8 bytes from x500UniqueIdentifier (organisation) or hardwareModuleName hwSerialNum (device). */
  eui?: Uint8Array;
  euiSource?: 'x500UniqueIdentifier' | 'hwModuleName';
  /** Named keyUsage bits that are set. */
  keyUsage?: string[];
}

const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

function decodeText(buf: Uint8Array, node: DerNode): string | undefined {
  // UTF8String, PrintableString, IA5String, TeletexString: all plain text for the two-hex-digit OU.
  if (node.tag !== 0x0c && node.tag !== 0x13 && node.tag !== 0x16 && node.tag !== 0x14) return undefined;
  return Buffer.from(content(buf, node)).toString('utf8');
}

function readSubject(buf: Uint8Array, subject: DerNode, out: CertificateFields): void {
  for (const rdn of children(buf, subject) ?? []) {
    if (rdn.tag !== TAG_SET) continue;
    for (const atv of children(buf, rdn) ?? []) {
      const parts = children(buf, atv);
      if (!parts || parts.length !== 2 || parts[0]!.tag !== TAG_OID) continue;
      const oid = content(buf, parts[0]!);
      const value = parts[1]!;
      if (sameBytes(oid, OID_OU) && out.ou === undefined) {
        out.ou = decodeText(buf, value);
      } else if (sameBytes(oid, OID_UNIQUE_ID) && value.tag === TAG_BIT_STRING) {
        const bits = content(buf, value);
        // First octet is the unused-bit count; an EUI is exactly 64 whole bits.
        if (bits.length === 9 && bits[0] === 0) {
          out.eui = bits.slice(1);
          out.euiSource = 'x500UniqueIdentifier';
        }
      }
    }
  }
}

function readKeyUsage(value: Uint8Array): string[] | undefined {
  const bs = readNode(value, 0);
  if (!bs || bs.tag !== TAG_BIT_STRING || bs.end - bs.start < 1) return undefined;
  const names: string[] = [];
  const bytes = value.subarray(bs.start + 1, bs.end);
  for (let i = 0; i < KEY_USAGE_NAMES.length; i++) {
    const byte = bytes[i >> 3];
    if (byte !== undefined && byte & (0x80 >> (i & 7))) names.push(KEY_USAGE_NAMES[i]!);
  }
  return names;
}

function readHwModuleEui(value: Uint8Array): Uint8Array | undefined {
  const names = readNode(value, 0);
  if (!names || names.tag !== TAG_SEQUENCE) return undefined;
  for (const gn of children(value, names) ?? []) {
    // otherName is [0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT ANY }
    if (gn.tag !== 0xa0) continue;
    const parts = children(value, gn);
    if (!parts || parts.length !== 2 || parts[0]!.tag !== TAG_OID) continue;
    if (!sameBytes(content(value, parts[0]!), OID_HW_MODULE_NAME) || parts[1]!.tag !== 0xa0) continue;
    const inner = children(value, parts[1]!);
    const hw = inner?.[0];
    if (!hw || hw.tag !== TAG_SEQUENCE) continue;
    const fields = children(value, hw);
    const serial = fields?.[1];
    if (serial && serial.tag === TAG_OCTET_STRING && serial.end - serial.start === 8) {
      return value.slice(serial.start, serial.end);
    }
  }
  return undefined;
}

function readExtensions(buf: Uint8Array, explicit: DerNode, out: CertificateFields): void {
  const seq = children(buf, explicit)?.[0];
  if (!seq || seq.tag !== TAG_SEQUENCE) return;
  for (const ext of children(buf, seq) ?? []) {
    const parts = children(buf, ext);
    if (!parts || parts.length < 2 || parts[0]!.tag !== TAG_OID) continue;
    const valueNode = parts[parts.length - 1]!;
    if (valueNode.tag !== TAG_OCTET_STRING) continue;
    if (parts.length === 3 && parts[1]!.tag !== TAG_BOOLEAN) continue;
    const oid = content(buf, parts[0]!);
    const value = content(buf, valueNode);
    if (sameBytes(oid, OID_KEY_USAGE)) {
      out.keyUsage = readKeyUsage(value);
    } else if (sameBytes(oid, OID_SAN) && out.eui === undefined) {
      const eui = readHwModuleEui(value);
      if (eui) {
        out.eui = eui;
        out.euiSource = 'hwModuleName';
      }
    }
  }
}

/** Reads subject OU, EUI and keyUsage from a DER certificate. Fields that cannot be read are left out. */
export function readCertificateFields(der: Uint8Array): CertificateFields {
  const out: CertificateFields = {};
  const cert = readNode(der, 0);
  if (!cert || cert.tag !== TAG_SEQUENCE) return out;
  const tbs = children(der, cert)?.[0];
  if (!tbs || tbs.tag !== TAG_SEQUENCE) return out;
  const fields = children(der, tbs);
  if (!fields) return out;
  // tbsCertificate: [0] version?, serial, signature, issuer, validity, subject, spki, [1]?, [2]?, [3] extensions?
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[base + 4];
  if (subject?.tag === TAG_SEQUENCE) readSubject(der, subject, out);
  for (let i = base + 6; i < fields.length; i++) {
    if (fields[i]!.tag === 0xa3) readExtensions(der, fields[i]!, out);
  }
  return out;
}
