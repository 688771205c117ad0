import { fromHex } from '../protocols/bytes.js';
import { type DerNode, decodeDer } from '../protocols/gbcs/asn1/index.js';
import { type Payload, payloadEncryptedParts } from '../protocols/gbcs/payload.js';
import type { SigningFrame } from './models/composite.js';

export interface DiffOptions {
  expectedDecrypted: unknown[];
  actualDecrypted: unknown[];
  /** Alerts use the device's own counter; the reference's value says nothing about the model. */
  ignoreCounter?: boolean;
}

/** Fields that are derived for people (the encoders ignore them) or that depend on keys, not behaviour. */
const COSMETIC = new Set(['iso', 'obisText', 'summary', 'decrypted', 'name']);

function render(v: unknown): string {
  const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
  return s === undefined ? 'undefined' : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** First difference between two decoded values as `path: expected X, got Y`, skipping `skip` paths. */
export function diffValues(a: unknown, b: unknown, path: string, skip: ReadonlySet<string> = new Set()): string | null {
  if (skip.has(path)) return null;
  if (Object.is(a, b)) return null;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    return typeof a === typeof b && a === b ? null : `${path || '.'}: expected ${render(a)}, got ${render(b)}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path || '.'}: expected ${a.length} items, got ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = diffValues(a[i], b[i], `${path}[${i}]`, skip);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const k of keys) {
      if (COSMETIC.has(k)) continue;
      const d = diffValues(ao[k], bo[k], path ? `${path}.${k}` : k, skip);
      if (d) return d;
    }
    return null;
  }
  return `${path || '.'}: expected ${render(a)}, got ${render(b)}`;
}

/**
 * Compare a device's frame with the reference: same frame kind and protection, header (CRA, counter,
 * parties, other-information, date-time), and payload structure, types and values. MACs, signatures and
 * ciphertext depend on keys, so encrypted parts are compared by their decrypted contents.
 */
export function diffFrames(expected: SigningFrame, actual: SigningFrame, opts: DiffOptions): string | null {
  if (expected.kind !== actual.kind) return `frame: expected ${expected.kind}, got ${actual.kind}`;
  if (expected.signature.kind !== actual.signature.kind) return `signature: expected ${expected.signature.kind}, got ${actual.signature.kind}`;
  const he = expected.header;
  const ha = actual.header;
  const headerSkip = new Set<string>(opts.ignoreCounter ? ['header.counter', 'header.otherInfo.originatorCounter'] : ['header.otherInfo.originatorCounter']);
  const dh = diffValues({ header: he }, { header: ha }, '', headerSkip);
  if (dh) return dh;

  const pe = expected.payload;
  const pa = actual.payload;
  if (pe.family !== pa.family) return `payload.family: expected ${pe.family}, got ${pa.family}`;
  const partsE = payloadEncryptedParts(pe);
  const partsA = payloadEncryptedParts(pa);
  if (partsE.length !== partsA.length) return `payload: expected ${partsE.length} encrypted parts, got ${partsA.length}`;
  const family = pe.family;
  const skip = new Set<string>(partsE.map((p) => `payload.${family}.${p.path}`));
  if (opts.ignoreCounter && family === 'dlms') skip.add('payload.dlms.invokeIdAndPriority');
  const dp = diffValues({ payload: keyNeutral(pe) }, { payload: keyNeutral(pa) }, '', skip);
  if (dp) return dp;
  for (let i = 0; i < partsE.length; i++) {
    const where = `payload.${family}.${partsE[i]!.path}(decrypted)`;
    if (opts.expectedDecrypted[i] === undefined) continue; // the reference keys cannot open it: nothing to compare
    if (opts.actualDecrypted[i] === undefined) return `${where}: the device's encrypted part does not decrypt`;
    const d = diffValues(opts.expectedDecrypted[i], opts.actualDecrypted[i], where);
    if (d) return d;
  }
  return null;
}

/**
 * A CS02c certification request carries the device's freshly generated public key and its signature with
 * that key: like MACs and signatures they depend on keys, not behaviour. The request is compared as a DER
 * tree with those two BIT STRINGs blanked, so its version, subject, algorithms and requested extensions
 * (key usage, the device's EUI) still have to match.
 */
function keyNeutral(p: Payload): Payload {
  if (p.family !== 'asn1' || p.asn1.schema !== 'IssueSecurityCredentialsResponse' || !('certificationRequest' in p.asn1.value)) return p;
  let tree: DerNode;
  try {
    tree = decodeDer(fromHex(p.asn1.value.certificationRequest));
  } catch {
    return p;
  }
  const blank = (n: DerNode | undefined, what: string): void => {
    if (n?.type === 'bitString') Object.assign(n, { unusedBits: 0, hex: what });
  };
  if (tree.type === 'sequence') {
    const info = tree.children[0];
    const spki = info?.type === 'sequence' ? info.children[2] : undefined;
    blank(spki?.type === 'sequence' ? spki.children[1] : undefined, '(public key)');
    blank(tree.children[2], '(signature)');
  }
  return { ...p, asn1: { ...p.asn1, value: { certificationRequest: tree } } } as unknown as Payload;
}
