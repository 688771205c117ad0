import { type KeyObject, verify as nodeVerify } from 'node:crypto';
import { toHex } from '../bytes.js';
import { ecdsaSign } from '../crypto/ecdsa.js';
import { publicPoint } from '../crypto/keys.js';
import type { Eui64 } from '../eui.js';
import { type SmkiCertificate, profileProblems, readCertificate } from './certificate.js';
import { childrenOf, readTlv, tlvBytes } from '../asn1/der.js';
import { SmkiError } from './errors.js';
import { EMPTY_NAME, caName, hardwareModuleNameSan, organisationName } from './names.js';
import {
  type CertUsage,
  DEVICE_NOT_AFTER,
  OID,
  type RemotePartyRole,
  isProfileSerial,
  keyIdentifierHex,
} from './profile.js';
import { x509 } from './x509.js';

/**
 * Signs a TBSCertificate with the issuer's P-256 key and returns r ‖ s (64 octets). Injectable so issuance
 * can be deterministic (RFC 6979, the default) or use an HSM-like stand-in in tests.
 */
export type CertificateSigner = (issuerKey: KeyObject, tbs: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export const deterministicSigner: CertificateSigner = (key, tbs) => ecdsaSign(key, tbs, { deterministic: true });

/** What a CA signs: every field is explicit, so the same spec always yields the same TBS octets. */
export interface CertificateSpec {
  serial: Uint8Array;
  /** DER Name of the issuer; must be a byte copy of the issuing CA's subject. */
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** In certificate order. */
  extensions: x509.Extension[];
}

const ZERO_SIGNATURE = new Uint8Array(64);
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' };

function tbsOf(der: Uint8Array): Uint8Array {
  const strict = { minimalLengths: true, lowTagNumbers: true };
  const outer = readTlv(der, 0, der.length, strict);
  return tlvBytes(der, childrenOf(der, outer, strict)[0]!);
}

/**
 * Builds the certificate with @peculiar/x509 and signs it with `signer`. The generator only signs through
 * WebCrypto keys, so it is run twice: once with a placeholder signature to obtain the TBS octets, then with
 * the real signature over them; both runs get identical inputs, and the result is checked to be so.
 */
export async function signCertificate(spec: CertificateSpec, issuerKey: KeyObject, signer: CertificateSigner): Promise<SmkiCertificate> {
  if (!isProfileSerial(spec.serial)) throw new SmkiError('bad-input', `serial must be 16 octets with the top bit clear, got ${toHex(spec.serial)}`);
  const params = {
    serialNumber: toHex(spec.serial),
    issuer: new x509.Name(new Uint8Array(spec.issuer)),
    subject: new x509.Name(new Uint8Array(spec.subject)),
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    publicKey: new Uint8Array(spec.publicKey.export({ type: 'spki', format: 'der' })),
    extensions: spec.extensions,
    signingAlgorithm: SIGNING_ALGORITHM,
  };
  const draft = await x509.X509CertificateGenerator.create({ ...params, signature: ZERO_SIGNATURE });
  const tbs = tbsOf(new Uint8Array(draft.rawData)).slice();
  const rs = await signer(issuerKey, tbs);
  if (!(rs instanceof Uint8Array) || rs.length !== 64) throw new SmkiError('bad-input', 'certificate signer must return a 64-octet r ‖ s signature');
  const final = await x509.X509CertificateGenerator.create({ ...params, signature: rs });
  const der = new Uint8Array(final.rawData);
  const cert = readCertificate(der, 'issued certificate');
  if (toHex(cert.tbs) !== toHex(tbs)) throw new SmkiError('profile', 'certificate generator produced a different TBS on the signing pass');
  if (!nodeVerify('sha256', tbs, { key: issuerKey, dsaEncoding: 'der' }, cert.signature)) {
    throw new SmkiError('bad-signature', 'the signer returned a signature that does not verify under the issuing key');
  }
  return cert;
}

// ---- extensions, in the order the real certificates carry them ----

const keyUsageFlags: Record<CertUsage, x509.KeyUsageFlags> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
};

const keyUsage = (u: CertUsage) => new x509.KeyUsagesExtension(keyUsageFlags[u], true);
const ski = (key: KeyObject) => new x509.SubjectKeyIdentifierExtension(keyIdentifierHex(publicPoint(key)));
const aki = (issuer: SmkiCertificate) => {
  if (!issuer.ski) throw new SmkiError('profile', `issuer ${issuer.subjectText} has no subjectKeyIdentifier`);
  return new x509.AuthorityKeyIdentifierExtension(issuer.ski);
};
const policies = (oids: readonly string[]) => new x509.CertificatePolicyExtension([...oids], true);

export interface Issuer {
  certificate: SmkiCertificate;
  privateKey: KeyObject;
}

/** Signs with the issuer's key; the issuer name is a byte copy of the issuer's subject, as the profile requires. */
function signUnder(issuer: Issuer, spec: Omit<CertificateSpec, 'issuer'>, signer: CertificateSigner): Promise<SmkiCertificate> {
  return signCertificate({ ...spec, issuer: issuer.certificate.subject }, issuer.privateKey, signer);
}

export interface CaSpec {
  commonName: string;
  /** OU role code: 00 for the root, 07 for the organisation CA; none for the device CA, as RTDS's E357. */
  role?: RemotePartyRole;
  serial: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  policies: readonly string[];
}

/** Self-signed root: KU, BC (no path length), policies, SKI and, being self-signed, no AKI. */
export function issueRoot(spec: CaSpec, key: { privateKey: KeyObject; publicKey: KeyObject }, signer: CertificateSigner): Promise<SmkiCertificate> {
  const name = caName(spec.commonName, spec.role);
  return signCertificate(
    {
      serial: spec.serial,
      issuer: name,
      subject: name,
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      publicKey: key.publicKey,
      extensions: [keyUsage('keyCertSign'), new x509.BasicConstraintsExtension(true, undefined, true), policies(spec.policies), ski(key.publicKey)],
    },
    key.privateKey,
    signer,
  );
}

/** Issuing CA in the Z1 OCA layout: KU, BC CA pathlen 0, policies, SKI, AKI. */
export function issueIssuingCa(spec: CaSpec, publicKey: KeyObject, issuer: Issuer, signer: CertificateSigner): Promise<SmkiCertificate> {
  return signUnder(
    issuer,
    {
      serial: spec.serial,
      subject: caName(spec.commonName, spec.role),
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      publicKey,
      extensions: [keyUsage('keyCertSign'), new x509.BasicConstraintsExtension(true, 0, true), policies(spec.policies), ski(publicKey), aki(issuer.certificate)],
    },
    signer,
  );
}

export interface LeafSpec {
  serial: Uint8Array;
  notBefore: Date;
  usage: 'digitalSignature' | 'keyAgreement';
  policy: string;
}

/** Leaf extensions in the order the real certificates carry them: KU, SKI, [SAN,] policies, AKI. */
function leafExtensions(spec: LeafSpec, publicKey: KeyObject, issuer: Issuer, san?: () => x509.Extension): x509.Extension[] {
  return [keyUsage(spec.usage), ski(publicKey), ...(san ? [san()] : []), policies([spec.policy]), aki(issuer.certificate)];
}

/** Device certificate in the RTDS layout: empty subject; KU, SKI, SAN hwModuleName, policies, AKI; no expiry. */
export function issueDeviceCertificate(
  spec: LeafSpec & { eui: Eui64; hwType: string },
  publicKey: KeyObject,
  issuer: Issuer,
  signer: CertificateSigner,
): Promise<SmkiCertificate> {
  const san = () => new x509.Extension(OID.subjectAltName, true, new Uint8Array(hardwareModuleNameSan(spec.hwType, spec.eui)));
  return signUnder(
    issuer,
    {
      serial: spec.serial,
      subject: EMPTY_NAME,
      notBefore: spec.notBefore,
      notAfter: DEVICE_NOT_AFTER,
      publicKey,
      extensions: leafExtensions(spec, publicKey, issuer, san),
    },
    signer,
  );
}

/** Organisation certificate in the Z1 layout: `[CN,] OU=<role>, x500UniqueIdentifier`; KU, SKI, policies, AKI. */
export function issueOrganisationCertificate(
  spec: LeafSpec & { eui: Eui64; role: RemotePartyRole; commonName?: string; notAfter: Date },
  publicKey: KeyObject,
  issuer: Issuer,
  signer: CertificateSigner,
): Promise<SmkiCertificate> {
  return signUnder(
    issuer,
    {
      serial: spec.serial,
      subject: organisationName(spec.role, spec.eui, spec.commonName),
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      publicKey,
      extensions: leafExtensions(spec, publicKey, issuer),
    },
    signer,
  );
}

/** Throws `profile` if an issued certificate departs from the profile: issuance must never emit one. */
export function assertConformant(cert: SmkiCertificate): SmkiCertificate {
  const problems = profileProblems(cert);
  if (problems.length > 0) throw new SmkiError('profile', `issued ${cert.kind} certificate breaks the profile: ${problems.join('; ')}`);
  return cert;
}

