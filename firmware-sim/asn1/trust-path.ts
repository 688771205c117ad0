import { type KeyObject, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { bytesEqual, fromHex } from '../../protocols/bytes.js';
import { type SmkiCertificate, SmkiError, keyIdentifierHex, readCertificate } from '../../protocols/smki/index.js';

function publicKeyFromPoint(point: Uint8Array): KeyObject {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) }, format: 'jwk' });
}

const RTDS_ROOT_POINT = fromHex(
  '040691E68B45C57E2EC7974EF6D1360A50DA01576E0EE0B3B4C67F64127120E63F31771CC9DCBD5AE007D0C6170951D7035BCEFC8B1F81805E0FD0F7A555DCCA78',
);

/**
 * The SMKI Root (`OU=00, CN=ZA`) of the DCC test environment the RTDS devices were provisioned with. No
 * certificate of it is published; its key was recovered from the Z1 organisation CA's signature and its key
 * identifier equals that CA's AKI (notes/smki.md §1.1). A device starts with it in its Root cell so it can
 * check the certification paths real CS02b commands carry; estates with their own PKI replace it (CS02b
 * rootBySupplier, or `setRootAnchor`).
 */
export const RTDS_ROOT = {
  ski: keyIdentifierHex(RTDS_ROOT_POINT),
  publicKey: publicKeyFromPoint(RTDS_ROOT_POINT),
} as const;

function signedBy(cert: SmkiCertificate, key: KeyObject): boolean {
  try {
    return nodeVerify('sha256', cert.tbs, { key, dsaEncoding: 'der' }, cert.signature);
  } catch {
    return false;
  }
}

function isCa(c: SmkiCertificate): boolean {
  return c.basicConstraints?.ca === true && c.keyUsage.includes('keyCertSign');
}

/** Certificates of a command's certification path that parse; the others cannot help a path anyway. */
export function readPath(ders: readonly string[]): SmkiCertificate[] {
  const out: SmkiCertificate[] = [];
  for (const d of ders) {
    try {
      out.push(readCertificate(fromHex(d)));
    } catch (e) {
      if (!(e instanceof SmkiError)) throw e;
    }
  }
  return out;
}

/**
 * Whether `leaf` chains to the Root cell through the CA certificates the command carried: every link's
 * signature must verify, every issuer be a CA, and the top one be signed by the Root key itself. SMKI paths
 * are short (Root → issuing CA → leaf), so a few links are enough.
 */
export function chainsToRoot(leaf: SmkiCertificate, path: readonly SmkiCertificate[], root: { ski: string; publicKey: KeyObject }): boolean {
  let current = leaf;
  for (let depth = 0; depth < 4; depth++) {
    if (current.aki === root.ski && signedBy(current, root.publicKey)) return true;
    const issuer = path.find(
      (c) => c !== current && bytesEqual(c.subject, current.issuer) && (current.aki === undefined || c.ski === current.aki) && signedBy(current, c.publicKey),
    );
    if (!issuer || !isCa(issuer)) return false;
    current = issuer;
  }
  return false;
}

/** A self-signed Root certificate whose own signature verifies (the only check a Root replacement allows). */
export function isValidRoot(cert: SmkiCertificate): boolean {
  return cert.kind === 'root' && isCa(cert) && bytesEqual(cert.subject, cert.issuer) && signedBy(cert, cert.publicKey);
}
