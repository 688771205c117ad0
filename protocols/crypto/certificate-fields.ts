import { KEY_USAGE_BITS } from '../asn1/certificate.js';
import { type DerTlv, type DerTlvOptions, childrenOf, oidContent, readTlv, tlvContent as content } from '../asn1/der.js';
import { bytesEqual } from '../bytes.js';
import { GbcsDecodeError } from '../errors.js';

/*
 * What node's X509Certificate does not expose for SMKI certificates: the subject OU and x500UniqueIdentifier
 * of organisation certificates (node mangles the BIT STRING into text), the hardwareModuleName otherName of
 * device certificates (node prints "<unsupported>") and the keyUsage bits. A malformed structure yields
 * `undefined`, never an exception, because the certificate itself has already been accepted by OpenSSL and
 * these fields are only advisory; for the same reason any definite length form is read.
 */

const X509: DerTlvOptions = { lowTagNumbers: true };

function readNode(buf: Uint8Array, pos: number): DerTlv | undefined {
  try {
    return readTlv(buf, pos, buf.length, X509);
  } catch (e) {
    if (e instanceof GbcsDecodeError) return undefined;
    throw e;
  }
}

function children(buf: Uint8Array, node: DerTlv): DerTlv[] | undefined {
  try {
    return childrenOf(buf, node, X509);
  } catch (e) {
    if (e instanceof GbcsDecodeError) return undefined;
    throw e;
  }
}

const oid = (dotted: string): Uint8Array => oidContent(dotted, 'oid');
const OID_OU = oid('2.5.4.11'); // organizationalUnitName
const OID_UNIQUE_ID = oid('2.5.4.45'); // x500UniqueIdentifier
const OID_KEY_USAGE = oid('2.5.29.15');
const OID_SAN = oid('2.5.29.17');
const OID_HW_MODULE_NAME = oid('1.3.6.1.5.5.7.8.4');

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

function decodeText(buf: Uint8Array, node: DerTlv): string | undefined {
  // UTF8String, PrintableString, IA5String, TeletexString: all plain text for the two-hex-digit OU.
  if (node.id !== 0x0c && node.id !== 0x13 && node.id !== 0x16 && node.id !== 0x14) return undefined;
  return Buffer.from(content(buf, node)).toString('utf8');
}

function readSubject(buf: Uint8Array, subject: DerTlv, out: CertificateFields): void {
  for (const rdn of children(buf, subject) ?? []) {
    if (rdn.id !== TAG_SET) continue;
    for (const atv of children(buf, rdn) ?? []) {
      const parts = children(buf, atv);
      if (!parts || parts.length !== 2 || parts[0]!.id !== TAG_OID) continue;
      const type = content(buf, parts[0]!);
      const value = parts[1]!;
      if (bytesEqual(type, OID_OU) && out.ou === undefined) {
        out.ou = decodeText(buf, value);
      } else if (bytesEqual(type, OID_UNIQUE_ID) && value.id === TAG_BIT_STRING) {
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
  if (!bs || bs.id !== TAG_BIT_STRING || bs.end - bs.start < 1) return undefined;
  const names: string[] = [];
  const bytes = value.subarray(bs.start + 1, bs.end);
  for (let i = 0; i < KEY_USAGE_BITS.length; i++) {
    const byte = bytes[i >> 3];
    if (byte !== undefined && byte & (0x80 >> (i & 7))) names.push(KEY_USAGE_BITS[i]!);
  }
  return names;
}

function readHwModuleEui(value: Uint8Array): Uint8Array | undefined {
  const names = readNode(value, 0);
  if (!names || names.id !== TAG_SEQUENCE) return undefined;
  for (const gn of children(value, names) ?? []) {
    // otherName is [0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT ANY }
    if (gn.id !== 0xa0) continue;
    const parts = children(value, gn);
    if (!parts || parts.length !== 2 || parts[0]!.id !== TAG_OID) continue;
    if (!bytesEqual(content(value, parts[0]!), OID_HW_MODULE_NAME) || parts[1]!.id !== 0xa0) continue;
    const inner = children(value, parts[1]!);
    const hw = inner?.[0];
    if (!hw || hw.id !== TAG_SEQUENCE) continue;
    const fields = children(value, hw);
    const serial = fields?.[1];
    if (serial && serial.id === TAG_OCTET_STRING && serial.end - serial.start === 8) {
      return value.slice(serial.start, serial.end);
    }
  }
  return undefined;
}

function readExtensions(buf: Uint8Array, explicit: DerTlv, out: CertificateFields): void {
  const seq = children(buf, explicit)?.[0];
  if (!seq || seq.id !== TAG_SEQUENCE) return;
  for (const ext of children(buf, seq) ?? []) {
    const parts = children(buf, ext);
    if (!parts || parts.length < 2 || parts[0]!.id !== TAG_OID) continue;
    const valueNode = parts[parts.length - 1]!;
    if (valueNode.id !== TAG_OCTET_STRING) continue;
    if (parts.length === 3 && parts[1]!.id !== TAG_BOOLEAN) continue;
    const type = content(buf, parts[0]!);
    const value = content(buf, valueNode);
    if (bytesEqual(type, OID_KEY_USAGE)) {
      out.keyUsage = readKeyUsage(value);
    } else if (bytesEqual(type, OID_SAN) && out.eui === undefined) {
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
  if (!cert || cert.id !== TAG_SEQUENCE) return out;
  const tbs = children(der, cert)?.[0];
  if (!tbs || tbs.id !== TAG_SEQUENCE) return out;
  const fields = children(der, tbs);
  if (!fields) return out;
  // tbsCertificate: [0] version?, serial, signature, issuer, validity, subject, spki, [1]?, [2]?, [3] extensions?
  const base = fields[0]?.id === 0xa0 ? 1 : 0;
  const subject = fields[base + 4];
  if (subject?.id === TAG_SEQUENCE) readSubject(der, subject, out);
  for (let i = base + 6; i < fields.length; i++) {
    if (fields[i]!.id === 0xa3) readExtensions(der, fields[i]!, out);
  }
  return out;
}
