import { verify as nodeVerify } from 'node:crypto';
import { bytesEqual, toHex } from '../bytes.js';
import { type Eui64, formatEui64 } from '../eui.js';
import { type SmkiCertificate, profileProblems, readCertificate } from './certificate.js';
import { SmkiError } from './errors.js';
import { type CellUsage, type CertUsage, type RemotePartyRole, TRUST_ANCHOR_CELLS, roleHex, roleName } from './profile.js';

/** Certificates a device (or tool) trusts: root anchors, and the issuing CAs it may chain through. */
export interface TrustStore {
  anchors: readonly SmkiCertificate[];
  intermediates?: readonly SmkiCertificate[];
}

/** What the operation needs from the certificate; every field given is checked. */
export interface Expectation {
  kind?: 'device' | 'organisation';
  /** Remote party roles the operation accepts (organisation certificates). */
  roles?: readonly RemotePartyRole[];
  /** The party's own EUI, as named in the message or the command. */
  eui?: Eui64;
  usage?: 'digitalSignature' | 'keyAgreement';
  /** Accepted policy OIDs; default: whatever every CA on the path asserts. */
  policies?: readonly string[];
  /** Check validity at this time. Devices skip time checks unless told (CS02b ApplyTimeBasedCPVChecks). */
  at?: Date;
}

export interface ValidatedCertificate {
  certificate: SmkiCertificate;
  /** Leaf first, anchor last. */
  path: SmkiCertificate[];
}

const MAX_PATH = 4;

type CertInput = SmkiCertificate | string | Uint8Array;

function asCertificate(c: CertInput, what: string): SmkiCertificate {
  return typeof c === 'string' || c instanceof Uint8Array ? readCertificate(c, what) : c;
}

function describe(c: SmkiCertificate): string {
  if (c.kind === 'device') return `device certificate ${c.eui ? formatEui64(c.eui) : '(no EUI)'} serial ${toHex(c.serial)}`;
  if (c.kind === 'organisation') return `organisation certificate ${c.subjectText} serial ${toHex(c.serial)}`;
  return `certificate ${c.subjectText} serial ${toHex(c.serial)}`;
}

function signedBy(cert: SmkiCertificate, issuer: SmkiCertificate): boolean {
  try {
    return nodeVerify('sha256', cert.tbs, { key: issuer.publicKey, dsaEncoding: 'der' }, cert.signature);
  } catch {
    return false;
  }
}

/**
 * Builds and checks the path from `cert` to a trusted root, then the profile and the operation's needs.
 * Throws SmkiError with the first failing reason: profile problems, `broken-chain` (no trusted issuer, a
 * non-CA issuer, a path that is too long), `bad-signature` (altered certificate), `wrong-policy`,
 * `wrong-role`, `wrong-eui`, `wrong-usage`, `expired` / `not-yet-valid`.
 */
export function validateCertificate(input: CertInput, trust: TrustStore, expect: Expectation = {}): ValidatedCertificate {
  const cert = asCertificate(input, 'certificate');
  const name = describe(cert);
  const problems = profileProblems(cert);
  if (problems.length > 0) throw new SmkiError('profile', `${name}: ${problems.join('; ')}`);

  const path: SmkiCertificate[] = [cert];
  const candidates = [...trust.anchors, ...(trust.intermediates ?? [])];
  let current = cert;
  for (;;) {
    if (trust.anchors.some((a) => bytesEqual(a.der, current.der))) break;
    if (path.length > MAX_PATH) throw new SmkiError('broken-chain', `${name}: no trusted root within ${MAX_PATH} certificates`);
    const named = candidates.filter((c) => bytesEqual(c.subject, current.issuer) && (current.aki === undefined || c.ski === current.aki));
    if (named.length === 0) {
      throw new SmkiError(
        'broken-chain',
        `${name}: issuer ${current.issuerText}${current.aki ? ` (key id ${current.aki})` : ''} is not a trusted CA${path.length > 1 ? ` (reached from ${describe(path[0]!)})` : ''}`,
      );
    }
    const issuer = named.find((c) => signedBy(current, c));
    if (!issuer) {
      throw new SmkiError('bad-signature', `${describe(current)}: signature does not verify under ${named[0]!.subjectText}: the certificate was altered or forged`);
    }
    if (!issuer.basicConstraints?.ca || issuer.usage !== 'keyCertSign') {
      throw new SmkiError('broken-chain', `${name}: issuer ${issuer.subjectText} is not a CA (basicConstraints/keyUsage)`);
    }
    const caBelow = path.length - 1;
    if (issuer.basicConstraints.pathLength !== undefined && caBelow > issuer.basicConstraints.pathLength) {
      throw new SmkiError('broken-chain', `${name}: path through ${issuer.subjectText} exceeds its pathLenConstraint ${issuer.basicConstraints.pathLength}`);
    }
    if (bytesEqual(issuer.der, current.der)) {
      throw new SmkiError('broken-chain', `${name}: self-signed ${issuer.subjectText} is not among the trusted roots`);
    }
    path.push(issuer);
    current = issuer;
  }

  // RFC 5280 policy processing, reduced to SMKI's single-policy leaves: every non-anchor CA must assert it.
  const leafPolicy = cert.policies[0];
  if (cert.kind === 'device' || cert.kind === 'organisation') {
    if (expect.policies && (leafPolicy === undefined || !expect.policies.includes(leafPolicy))) {
      throw new SmkiError('wrong-policy', `${name}: policy ${leafPolicy ?? '(none)'} is not one of ${expect.policies.join(', ')}`);
    }
    for (const ca of path.slice(1, -1)) {
      if (leafPolicy === undefined || !ca.policies.includes(leafPolicy)) {
        throw new SmkiError('wrong-policy', `${name}: policy ${leafPolicy ?? '(none)'} is not asserted by issuing CA ${ca.subjectText}`);
      }
    }
  }

  if (expect.kind && cert.kind !== expect.kind) {
    throw new SmkiError('wrong-role', `${name}: a ${expect.kind} certificate is required, this is a ${cert.kind} certificate`);
  }
  if (expect.roles) {
    if (cert.role === undefined || cert.kind !== 'organisation') {
      throw new SmkiError('wrong-role', `${name}: has no remote party role; needs one of ${expect.roles.map(roleLabel).join(', ')}`);
    }
    if (!expect.roles.includes(cert.role)) {
      throw new SmkiError('wrong-role', `${name}: role ${roleLabel(cert.role)} is not allowed here (needs ${expect.roles.map(roleLabel).join(' or ')})`);
    }
  }
  if (expect.eui && cert.eui !== expect.eui) {
    throw new SmkiError('wrong-eui', `${name}: certificate is for ${cert.eui ? formatEui64(cert.eui) : 'no EUI'}, the party is ${formatEui64(expect.eui)}`);
  }
  if (expect.usage && cert.usage !== expect.usage) {
    throw new SmkiError('wrong-usage', `${name}: keyUsage is ${cert.keyUsage.join('+') || 'absent'}, ${expect.usage} is required`);
  }
  if (expect.at) {
    for (const c of path) {
      if (expect.at < c.notBefore) throw new SmkiError('not-yet-valid', `${describe(c)}: not valid before ${c.notBefore.toISOString()}`);
      if (expect.at > c.notAfter) throw new SmkiError('expired', `${describe(c)}: expired ${c.notAfter.toISOString()}`);
    }
  }
  return { certificate: cert, path };
}

function roleLabel(r: RemotePartyRole): string {
  return `${roleHex(r)} (${roleName(r)})`;
}

/**
 * The expectation for placing a certificate in a device trust anchor cell (CS02b) or acting through one:
 * throws `wrong-role` when GBCS has no such cell (e.g. a transitional CoS key agreement cell).
 */
export function cellExpectation(role: RemotePartyRole, usage: CertUsage, cellUsage: CellUsage = 'management'): Expectation {
  if (!TRUST_ANCHOR_CELLS.some((c) => c.role === role && c.usage === usage && c.cellUsage === cellUsage)) {
    throw new SmkiError('wrong-role', `no ${cellUsage} ${usage} trust anchor cell exists for role ${roleLabel(role)}`);
  }
  if (usage === 'keyCertSign') throw new SmkiError('bad-input', 'root cells hold the root itself; compare it with the anchor instead');
  return { kind: 'organisation', roles: [role], usage };
}

/** A trust store from PEM texts or parsed certificates. */
export function trustStore(anchors: readonly CertInput[], intermediates: readonly CertInput[] = []): TrustStore {
  return {
    anchors: anchors.map((a, i) => asCertificate(a, `trust anchor ${i + 1}`)),
    intermediates: intermediates.map((c, i) => asCertificate(c, `intermediate ${i + 1}`)),
  };
}
