import { type KeyObject, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { bytesEqual, toHex } from '../bytes.js';
import { type Eui64, euiFromBytes } from '../eui.js';
import { KEY_USAGE_BITS } from '../asn1/certificate.js';
import {
  type DerTlv,
  type DerTlvOptions,
  childrenOf as derChildren,
  decodeOid as derOid,
  readTlv as derTlv,
  tlvBytes,
  tlvContent as content,
} from '../asn1/der.js';
import { GbcsDecodeError } from '../errors.js';
import { SmkiError } from './errors.js';
import { parsePem, toPem } from './pem.js';
import {
  type CertUsage,
  DEVICE_NOT_AFTER,
  ECDSA_SHA256_ALGORITHM_DER,
  KEY_USAGE_DER,
  OID,
  type RemotePartyRole,
  isProfileSerial,
  keyIdentifierHex,
} from './profile.js';
import { AsnConvert, asn1X509, x509 } from './x509.js';

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** The extnValue content octets (the DER of the extension's own value). */
  value: Uint8Array;
  /** The whole Extension SEQUENCE, for the library parsers. */
  der: Uint8Array;
}

export interface NameAttribute {
  oid: string;
  /** ASN.1 tag of the value: 0x13 PrintableString, 0x0C UTF8String, 0x03 BIT STRING, ... */
  tag: number;
  value: Uint8Array;
}

export type CertificateKind = 'root' | 'ca' | 'device' | 'organisation' | 'other';

/** A certificate as a GBCS device reads it, with the raw octets kept for byte-exact checks. */
export interface SmkiCertificate {
  der: Uint8Array;
  pem: string;
  /** The TBSCertificate the signature covers. */
  tbs: Uint8Array;
  /** DER of the outer signatureAlgorithm and of the one inside the TBS. */
  signatureAlgorithm: Uint8Array;
  tbsSignatureAlgorithm: Uint8Array;
  /** DER ECDSA-Sig-Value from the BIT STRING. */
  signature: Uint8Array;
  version: number;
  /** Content octets of the serial INTEGER. */
  serial: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  issuerText: string;
  subjectText: string;
  /** One entry per RDN; SMKI names never have multi-valued RDNs, `multiValued` flags it if one does. */
  subjectAttributes: NameAttribute[];
  issuerAttributes: NameAttribute[];
  multiValuedRdn: boolean;
  notBefore: Date;
  notAfter: Date;
  /** Tag of each time: 0x17 UTCTime, 0x18 GeneralizedTime. */
  notBeforeTag: number;
  notAfterTag: number;
  publicKey: KeyObject;
  /** Uncompressed point, 65 octets. */
  publicPoint: Uint8Array;
  extensions: CertificateExtension[];
  kind: CertificateKind;
  /** Remote party role from the subject OU (organisations, root, organisation CA). */
  role?: RemotePartyRole;
  /** hwModuleName serial (devices) or x500UniqueIdentifier (organisations). */
  eui?: Eui64;
  commonName?: string;
  /** Every keyUsage bit set, by name. */
  keyUsage: string[];
  /** The single SMKI usage, when exactly one of DS / KA / certificate signing is set. */
  usage?: CertUsage;
  policies: string[];
  ski?: string;
  aki?: string;
  basicConstraints?: { ca: boolean; pathLength?: number };
  hwType?: string;
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  [OID.commonName]: 'CN',
  [OID.organizationalUnitName]: 'OU',
  [OID.x500UniqueIdentifier]: 'x500UniqueIdentifier',
};

function malformed(detail: string): never {
  throw new SmkiError('malformed-certificate', detail);
}

// Certificates are pure DER: a length in a longer form than needed is malformed here, not a device quirk.
const STRICT: DerTlvOptions = { minimalLengths: true, lowTagNumbers: true };
const readTlv = (buf: Uint8Array, pos: number, limit = buf.length): DerTlv => derTlv(buf, pos, limit, STRICT);
const childrenOf = (buf: Uint8Array, parent: DerTlv): DerTlv[] => derChildren(buf, parent, STRICT);
// This reader has always passed OIDs with padded sub-identifiers on to the profile checks; it still does.
const decodeOid = (bytes: Uint8Array): string => derOid(bytes, { paddedSubidentifiers: true });

function expectTlv(buf: Uint8Array, pos: number, id: number, what: string, limit = buf.length): DerTlv {
  const t = readTlv(buf, pos, limit);
  if (t.id !== id) throw new GbcsDecodeError(pos, what, `expected tag 0x${hex2(id)}, found 0x${hex2(t.id)}`);
  return t;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function parseTime(buf: Uint8Array, t: DerTlv, what: string): Date {
  const s = new TextDecoder().decode(content(buf, t));
  let m: RegExpExecArray | null;
  let year: number;
  if (t.id === 0x17 && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.id === 0x18 && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    year = Number(m[1]);
  } else {
    malformed(`${what} ${JSON.stringify(s)} is neither UTCTime nor GeneralizedTime in Z form`);
  }
  const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  d.setUTCFullYear(year);
  return d;
}

function parseName(buf: Uint8Array, t: DerTlv): { attrs: NameAttribute[]; multi: boolean } {
  const attrs: NameAttribute[] = [];
  let multi = false;
  for (const rdn of childrenOf(buf, t)) {
    if (rdn.id !== 0x31) throw new GbcsDecodeError(rdn.offset, 'name', 'RDN is not a SET');
    const avas = childrenOf(buf, rdn);
    if (avas.length !== 1) multi = true;
    for (const ava of avas) {
      const [type, value] = childrenOf(buf, ava);
      if (!type || !value || type.id !== 0x06) throw new GbcsDecodeError(ava.offset, 'name', 'bad AttributeTypeAndValue');
      attrs.push({ oid: decodeOid(content(buf, type)), tag: value.id, value: content(buf, value).slice() });
    }
  }
  return { attrs, multi };
}

function attributeText(a: NameAttribute): string {
  const name = ATTRIBUTE_NAMES[a.oid] ?? a.oid;
  if (a.tag === 0x03) return `${name}=#${toHex(a.value.subarray(1))}`;
  return `${name}=${new TextDecoder().decode(a.value)}`;
}

export function nameText(attrs: NameAttribute[]): string {
  return attrs.length === 0 ? '(empty)' : attrs.map(attributeText).join(', ');
}

function attrString(attrs: NameAttribute[], oidText: string): string | undefined {
  const a = attrs.find((x) => x.oid === oidText);
  return a && a.tag !== 0x03 ? new TextDecoder().decode(a.value) : undefined;
}

function readSpki(buf: Uint8Array, t: DerTlv): { key: KeyObject; point: Uint8Array } {
  const [alg, bits] = childrenOf(buf, t);
  if (!alg || !bits || alg.id !== 0x30 || bits.id !== 0x03) malformed('subjectPublicKeyInfo is not SEQUENCE{AlgorithmIdentifier, BIT STRING}');
  const [algOid, params] = childrenOf(buf, alg);
  const algText = algOid && algOid.id === 0x06 ? decodeOid(content(buf, algOid)) : '?';
  if (algText !== OID.ecPublicKey) throw new SmkiError('wrong-curve', `public key algorithm is ${algText}, not id-ecPublicKey on P-256`);
  const curve = params && params.id === 0x06 ? decodeOid(content(buf, params)) : 'explicit or absent parameters';
  if (curve !== OID.prime256v1) throw new SmkiError('wrong-curve', `public key is on curve ${curve}, not prime256v1 (P-256)`);
  const point = content(buf, bits).slice(1);
  if (point.length !== 65 || point[0] !== 4) throw new SmkiError('wrong-curve', `public key is not an uncompressed P-256 point (${point.length} octets)`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(tlvBytes(buf, t)), format: 'der', type: 'spki' });
  } catch (e) {
    throw new SmkiError('wrong-curve', `public key is not a point on P-256 (${(e as Error).message})`);
  }
  return { key, point };
}

function readExtensions(buf: Uint8Array, t: DerTlv): CertificateExtension[] {
  const [list] = childrenOf(buf, t);
  if (!list || list.id !== 0x30) malformed('extensions [3] does not hold a SEQUENCE');
  return childrenOf(buf, list).map((ext) => {
    const parts = childrenOf(buf, ext);
    const id = parts[0];
    if (!id || id.id !== 0x06) malformed('extension without an OID');
    let critical = false;
    let valueTlv = parts[1];
    if (valueTlv?.id === 0x01) {
      critical = content(buf, valueTlv)[0] !== 0;
      valueTlv = parts[2];
    }
    if (!valueTlv || valueTlv.id !== 0x04) malformed(`extension ${decodeOid(content(buf, id))} has no OCTET STRING value`);
    return { oid: decodeOid(content(buf, id)), critical, value: content(buf, valueTlv).slice(), der: tlvBytes(buf, ext).slice() };
  });
}

function hwModuleName(ext: CertificateExtension): { hwType: string; serial: Uint8Array } | undefined {
  const names = AsnConvert.parse(ext.value, asn1X509.GeneralNames);
  for (const n of names) {
    if (n.otherName?.typeId !== OID.hardwareModuleName) continue;
    // The otherName value is [0] EXPLICIT HardwareModuleName; the library hands back the inner SEQUENCE.
    const v = new Uint8Array(n.otherName.value);
    const outer = readTlv(v, 0);
    const inner = outer.id === 0x30 ? outer : readTlv(v, outer.start);
    const [type, serial] = childrenOf(v, inner);
    if (!type || !serial || type.id !== 0x06 || serial.id !== 0x04) return undefined;
    return { hwType: decodeOid(content(v, type)), serial: content(v, serial).slice() };
  }
  return undefined;
}

/**
 * Parses one certificate (PEM text with a single CERTIFICATE block, or DER). Throws SmkiError for malformed
 * input, a key not on P-256 and a signature algorithm other than ECDSA-SHA256; anything else that departs
 * from the SMKI profile is left to `profileProblems` so odd real-world certificates can still be shown.
 */
export function readCertificate(input: string | Uint8Array, what = 'certificate'): SmkiCertificate {
  const der = typeof input === 'string' ? parsePem(input, 'CERTIFICATE', what) : input.slice();
  try {
    return parseDer(der);
  } catch (e) {
    if (e instanceof SmkiError) throw new SmkiError(e.reason, `${what}: ${e.detail}`);
    if (e instanceof GbcsDecodeError) throw new SmkiError('malformed-certificate', `${what}: not a DER X.509 certificate (${e.message})`);
    throw new SmkiError('malformed-certificate', `${what}: ${(e as Error).message}`);
  }
}

function parseDer(der: Uint8Array): SmkiCertificate {
  const outer = expectTlv(der, 0, 0x30, 'Certificate');
  if (outer.end !== der.length) malformed(`${der.length - outer.end} trailing octets after the certificate`);
  const [tbsT, algT, sigT] = childrenOf(der, outer);
  if (!tbsT || !algT || !sigT || tbsT.id !== 0x30 || algT.id !== 0x30 || sigT.id !== 0x03) {
    malformed('not SEQUENCE{TBSCertificate, AlgorithmIdentifier, BIT STRING}');
  }
  const algorithm = tlvBytes(der, algT).slice();
  const [algOid] = childrenOf(der, algT);
  const algText = algOid?.id === 0x06 ? decodeOid(content(der, algOid)) : '?';
  if (algText !== OID.ecdsaWithSha256) throw new SmkiError('wrong-algorithm', `signature algorithm is ${algText}, not ecdsa-with-SHA256`);

  const fields = childrenOf(der, tbsT);
  let i = 0;
  let version = 1;
  if (fields[0]?.id === 0xa0) {
    const v = expectTlv(der, fields[0].start, 0x02, 'version', fields[0].end);
    version = content(der, v)[0]! + 1;
    i = 1;
  }
  const [serialT, tbsAlgT, issuerT, validityT, subjectT, spkiT] = fields.slice(i, i + 6);
  if (!serialT || !tbsAlgT || !issuerT || !validityT || !subjectT || !spkiT) malformed('TBSCertificate is missing fields');
  if (serialT.id !== 0x02 || issuerT.id !== 0x30 || subjectT.id !== 0x30 || validityT.id !== 0x30 || spkiT.id !== 0x30) {
    malformed('TBSCertificate fields are out of order or mistyped');
  }
  const [nbT, naT] = childrenOf(der, validityT);
  if (!nbT || !naT) malformed('validity needs notBefore and notAfter');
  const issuer = parseName(der, issuerT);
  const subject = parseName(der, subjectT);
  const { key, point } = readSpki(der, spkiT);
  const extT = fields.slice(i + 6).find((f) => f.id === 0xa3);
  const extensions = extT ? readExtensions(der, extT) : [];
  const sigBits = content(der, sigT);
  if (sigBits[0] !== 0) malformed('signature BIT STRING has unused bits');

  const cert: SmkiCertificate = {
    der,
    pem: toPem('CERTIFICATE', der),
    tbs: tlvBytes(der, tbsT).slice(),
    signatureAlgorithm: algorithm,
    tbsSignatureAlgorithm: tlvBytes(der, tbsAlgT).slice(),
    signature: sigBits.slice(1),
    version,
    serial: content(der, serialT).slice(),
    issuer: tlvBytes(der, issuerT).slice(),
    subject: tlvBytes(der, subjectT).slice(),
    issuerText: nameText(issuer.attrs),
    subjectText: nameText(subject.attrs),
    issuerAttributes: issuer.attrs,
    subjectAttributes: subject.attrs,
    multiValuedRdn: issuer.multi || subject.multi,
    notBefore: parseTime(der, nbT, 'notBefore'),
    notAfter: parseTime(der, naT, 'notAfter'),
    notBeforeTag: nbT.id,
    notAfterTag: naT.id,
    publicKey: key,
    publicPoint: point,
    extensions,
    kind: 'other',
    keyUsage: [],
    policies: [],
  };

  for (const ext of extensions) {
    switch (ext.oid) {
      case OID.keyUsage: {
        const flags = new x509.KeyUsagesExtension(new Uint8Array(ext.der)).usages;
        // The library numbers its flags 1 << bit, in the RFC 5280 bit order KEY_USAGE_BITS follows.
        cert.keyUsage = KEY_USAGE_BITS.filter((_, bit) => (flags & (1 << bit)) !== 0);
        break;
      }
      case OID.basicConstraints: {
        const bc = new x509.BasicConstraintsExtension(new Uint8Array(ext.der));
        cert.basicConstraints = bc.pathLength === undefined ? { ca: bc.ca } : { ca: bc.ca, pathLength: bc.pathLength };
        break;
      }
      case OID.certificatePolicies:
        cert.policies = [...new x509.CertificatePolicyExtension(new Uint8Array(ext.der)).policies];
        break;
      case OID.subjectKeyIdentifier:
        cert.ski = new x509.SubjectKeyIdentifierExtension(new Uint8Array(ext.der)).keyId.toUpperCase();
        break;
      case OID.authorityKeyIdentifier: {
        const id = new x509.AuthorityKeyIdentifierExtension(new Uint8Array(ext.der)).keyId;
        if (id !== undefined) cert.aki = id.toUpperCase();
        break;
      }
      case OID.subjectAltName: {
        const hw = hwModuleName(ext);
        if (hw) {
          cert.hwType = hw.hwType;
          if (hw.serial.length === 8) cert.eui = euiFromBytes(hw.serial);
        }
        break;
      }
    }
  }

  const ku = cert.keyUsage;
  if (ku.includes('keyCertSign')) cert.usage = 'keyCertSign';
  else if (ku.length === 1 && (ku[0] === 'digitalSignature' || ku[0] === 'keyAgreement')) cert.usage = ku[0];

  const ou = attrString(cert.subjectAttributes, OID.organizationalUnitName);
  if (ou !== undefined && /^[0-9A-Fa-f]{2}$/.test(ou)) cert.role = parseInt(ou, 16);
  const cn = attrString(cert.subjectAttributes, OID.commonName);
  if (cn !== undefined) cert.commonName = cn;
  const uid = cert.subjectAttributes.find((a) => a.oid === OID.x500UniqueIdentifier);
  if (cert.eui === undefined && uid && uid.tag === 0x03 && uid.value.length === 9 && uid.value[0] === 0) {
    cert.eui = euiFromBytes(uid.value.subarray(1));
  }

  if (cert.basicConstraints?.ca) cert.kind = bytesEqual(cert.issuer, cert.subject) ? 'root' : 'ca';
  else if (cert.hwType !== undefined) cert.kind = 'device';
  else if (uid) cert.kind = 'organisation';
  return cert;
}

function selfSigned(cert: SmkiCertificate): boolean {
  try {
    return nodeVerify('sha256', cert.tbs, { key: cert.publicKey, dsaEncoding: 'der' }, cert.signature);
  } catch {
    return false;
  }
}

function timeTagFor(d: Date): number {
  return d.getUTCFullYear() >= 2050 ? 0x18 : 0x17;
}

/**
 * Departures from the GBCS certificate profile (notes/smki.md §1), as sentences; empty for a conformant
 * certificate. Devices refuse certificates with any of these, so validation treats them as errors.
 */
export function profileProblems(cert: SmkiCertificate): string[] {
  const p: string[] = [];
  const ext = (oidText: string) => cert.extensions.filter((e) => e.oid === oidText);
  const one = (oidText: string, name: string, critical: boolean): CertificateExtension | undefined => {
    const found = ext(oidText);
    if (found.length === 0) {
      p.push(`no ${name} extension`);
      return undefined;
    }
    if (found.length > 1) p.push(`${name} appears ${found.length} times`);
    if (found[0]!.critical !== critical) p.push(`${name} must be ${critical ? 'critical' : 'non-critical'}`);
    return found[0];
  };

  if (cert.version !== 3) p.push(`version ${cert.version}, not 3`);
  if (!isProfileSerial(cert.serial)) p.push(`serial is ${cert.serial.length} octets starting 0x${toHex(cert.serial.subarray(0, 1))}, not 16 positive octets`);
  if (toHex(cert.signatureAlgorithm) !== ECDSA_SHA256_ALGORITHM_DER) p.push('signature AlgorithmIdentifier carries parameters (GBCS: ecdsa-with-SHA256 with none)');
  if (!bytesEqual(cert.signatureAlgorithm, cert.tbsSignatureAlgorithm)) p.push('TBS signature algorithm differs from the outer one');
  if (cert.multiValuedRdn) p.push('a name has a multi-valued RDN');
  if (cert.notBeforeTag !== timeTagFor(cert.notBefore)) p.push('notBefore is not encoded as RFC 5280 requires (UTCTime before 2050)');
  if (cert.notAfterTag !== timeTagFor(cert.notAfter)) p.push('notAfter is not encoded as RFC 5280 requires (GeneralizedTime from 2050)');

  const ku = one(OID.keyUsage, 'keyUsage', true);
  const ski = one(OID.subjectKeyIdentifier, 'subjectKeyIdentifier', false);
  const policies = one(OID.certificatePolicies, 'certificatePolicies', true);
  if (ski && cert.ski !== keyIdentifierHex(cert.publicPoint)) {
    p.push(`subjectKeyIdentifier ${cert.ski} is not the 8-octet method-2 id ${keyIdentifierHex(cert.publicPoint)}`);
  }
  if (policies && cert.policies.length === 0) p.push('certificatePolicies lists no policy');
  const aki = ext(OID.authorityKeyIdentifier);
  const selfIssued = bytesEqual(cert.issuer, cert.subject);
  if (cert.kind === 'root') {
    if (aki.length > 0) p.push('a root must not carry authorityKeyIdentifier');
  } else if (aki.length === 0) {
    p.push('no authorityKeyIdentifier');
  } else {
    if (aki[0]!.critical) p.push('authorityKeyIdentifier must be non-critical');
    if (cert.aki === undefined || cert.aki.length !== 16) p.push('authorityKeyIdentifier must hold only an 8-octet keyIdentifier');
    else if (toHex(aki[0]!.value) !== `300A8008${cert.aki}`) p.push('authorityKeyIdentifier holds more than the keyIdentifier');
  }
  if (cert.kind !== 'root') {
    if (selfSigned(cert)) p.push('signed with its own key (self-signed) although it names an issuer');
    for (const a of cert.issuerAttributes) {
      if (a.tag !== 0x13) p.push(`issuer ${ATTRIBUTE_NAMES[a.oid] ?? a.oid} is not a PrintableString (the issuer must copy the CA subject)`);
    }
  }
  const known = new Set<string>([OID.keyUsage, OID.subjectKeyIdentifier, OID.certificatePolicies, OID.authorityKeyIdentifier]);

  switch (cert.kind) {
    case 'root':
    case 'ca': {
      known.add(OID.basicConstraints);
      one(OID.basicConstraints, 'basicConstraints', true);
      if (ku && toHex(ku.value) !== KEY_USAGE_DER.keyCertSign) p.push('a CA keyUsage must be keyCertSign with cRLSign only');
      for (const a of cert.subjectAttributes) {
        if (a.tag !== 0x13) p.push(`CA name attribute ${ATTRIBUTE_NAMES[a.oid] ?? a.oid} is not a PrintableString`);
      }
      if (cert.kind === 'ca' && cert.basicConstraints?.pathLength !== 0) p.push('an issuing CA must have pathLenConstraint 0');
      break;
    }
    case 'device': {
      known.add(OID.subjectAltName);
      if (cert.subject.length !== 2) p.push(`device subject must be empty, is ${cert.subjectText}`);
      const san = one(OID.subjectAltName, 'subjectAltName', true);
      if (san && cert.eui === undefined) p.push('hwModuleName hwSerialNum is not an 8-octet EUI-64');
      if (san) {
        const names = AsnConvert.parse(san.value, asn1X509.GeneralNames);
        if (names.length !== 1) p.push(`subjectAltName must hold exactly one name, holds ${names.length}`);
      }
      if (cert.notAfter.getTime() !== DEVICE_NOT_AFTER.getTime()) p.push('device notAfter must be 99991231235959Z');
      if (ku && !(toHex(ku.value) === KEY_USAGE_DER.digitalSignature || toHex(ku.value) === KEY_USAGE_DER.keyAgreement)) {
        p.push('device keyUsage must be exactly digitalSignature or keyAgreement');
      }
      if (cert.policies.length > 1) p.push('a device certificate carries exactly one policy');
      break;
    }
    case 'organisation': {
      if (selfIssued) p.push('self-issued organisation certificate (issuer equals subject)');
      const ou = cert.subjectAttributes.filter((a) => a.oid === OID.organizationalUnitName);
      if (ou.length !== 1 || cert.role === undefined) p.push('subject needs one OU holding the role as two hex digits');
      else if (new TextDecoder().decode(ou[0]!.value) !== new TextDecoder().decode(ou[0]!.value).toUpperCase()) p.push('role OU must be upper-case hex');
      if (cert.eui === undefined) p.push('x500UniqueIdentifier is not a 64-bit BIT STRING');
      for (const a of cert.subjectAttributes) {
        if (a.oid === OID.x500UniqueIdentifier) continue;
        if (a.oid !== OID.commonName && a.oid !== OID.organizationalUnitName) p.push(`unexpected subject attribute ${a.oid}`);
        else if (a.tag !== 0x0c) p.push(`subject ${ATTRIBUTE_NAMES[a.oid]} is not a UTF8String`);
      }
      if (ku && !(toHex(ku.value) === KEY_USAGE_DER.digitalSignature || toHex(ku.value) === KEY_USAGE_DER.keyAgreement)) {
        p.push('organisation keyUsage must be exactly digitalSignature or keyAgreement');
      }
      if (cert.policies.length > 1) p.push('an organisation certificate carries exactly one policy');
      break;
    }
    case 'other':
      p.push('neither a CA (basicConstraints CA), a device (hwModuleName SAN) nor an organisation (x500UniqueIdentifier) certificate');
      break;
  }
  for (const e of cert.extensions) if (!known.has(e.oid)) p.push(`unexpected extension ${e.oid}${e.critical ? ' (critical)' : ''}`);
  return p;
}
