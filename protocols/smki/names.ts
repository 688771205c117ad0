import { type DerNode, der, encodeDer } from '../asn1/der.js';
import { bytesEqual, toHex } from '../bytes.js';
import { type Eui64, euiToBytes } from '../eui.js';
import { SmkiError } from './errors.js';
import { OID, type RemotePartyRole, roleHex } from './profile.js';
import { AsnConvert, asn1X509 } from './x509.js';

/*
 * Names are built as DER here rather than through the libraries' string or JSON forms because SMKI fixes the
 * string type per attribute (PrintableString in CA names, UTF8String in leaf subjects), wants one RDN per
 * attribute in a fixed order, and stores the EUI as a BIT STRING that no text form round-trips.
 */

const rdn = (type: string, value: DerNode) => der.set(der.sequence(der.oid(type), value));

const PRINTABLE_RE = /^[A-Za-z0-9 '()+,\-./:=?]+$/;

function printable(text: string, what: string): DerNode {
  if (!PRINTABLE_RE.test(text)) throw new SmkiError('bad-input', `${what} ${JSON.stringify(text)} is not a PrintableString`);
  return der.printableString(text);
}

/** The empty RDNSequence of device certificates (DER 30 00). */
export const EMPTY_NAME = encodeDer(der.sequence());

/** Root and organisation CA: `OU=<role>, CN=<name>`; the device CA has no OU (RTDS: `CN=E357`). */
export function caName(commonName: string, role?: RemotePartyRole): Uint8Array {
  const parts: DerNode[] = [];
  if (role !== undefined) parts.push(rdn(OID.organizationalUnitName, der.printableString(roleHex(role))));
  parts.push(rdn(OID.commonName, printable(commonName, 'CA name')));
  return encodeDer(der.sequence(...parts));
}

/** Lone surrogates become U+FFFD, as TextEncoder made them when names were written byte by byte here. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Organisation subject: optional `CN`, then `OU=<role>`, then the EUI as x500UniqueIdentifier. */
export function organisationName(role: RemotePartyRole, eui: Eui64, commonName?: string): Uint8Array {
  if (!Number.isInteger(role) || role < 0 || role > 0xff) throw new SmkiError('bad-input', `role ${role} is not 0..255`);
  const parts: DerNode[] = [];
  if (commonName !== undefined) {
    if (commonName.length === 0 || commonName.length > 64) throw new SmkiError('bad-input', 'organisation name must be 1..64 characters');
    parts.push(rdn(OID.commonName, der.utf8String(wellFormed(commonName))));
  }
  parts.push(rdn(OID.organizationalUnitName, der.utf8String(roleHex(role))));
  parts.push(rdn(OID.x500UniqueIdentifier, der.bitString(toHex(euiToBytes(eui)))));
  return encodeDer(der.sequence(...parts));
}

/** GeneralNames with the one otherName hwModuleName{hwType, hwSerialNum = EUI} (RFC 4108). */
export function hardwareModuleNameSan(hwType: string, eui: Eui64): Uint8Array {
  const hmn = der.sequence(der.oid(hwType), der.octetString(toHex(euiToBytes(eui))));
  const hardwareModuleName = encodeDer(hmn);
  const names = new asn1X509.GeneralNames([
    new asn1X509.GeneralName({
      otherName: new asn1X509.OtherName({ typeId: OID.hardwareModuleName, value: toArrayBuffer(hardwareModuleName) }),
    }),
  ]);
  const encoded = new Uint8Array(AsnConvert.serialize(names));
  const expected = encodeDer(der.sequence(der.context(0, [der.oid(OID.hardwareModuleName), der.context(0, [hmn])])));
  // Guards the library's EXPLICIT tagging of the otherName value, which earlier versions did differently.
  if (!bytesEqual(encoded, expected)) {
    throw new SmkiError('profile', 'the ASN.1 library encoded hwModuleName differently from the SMKI profile');
  }
  return encoded;
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
