import { type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { Keystore, type KeystoreFile } from '../crypto/keystore.js';
import { type Eui64 } from '../eui.js';
import { type SmkiCertificate, profileProblems, readCertificate } from './certificate.js';
import { SmkiError } from './errors.js';
import { parsePemBlocks } from './pem.js';
import type { Credential, PartyCredentials } from './pki.js';
import { KEY_SLOTS, type KeySlot, type RemotePartyRole, roleHex, slotUsage } from './profile.js';

/*
 * The directory layout shared by the RTDS test keystore and the GBCS parser tooling: one file per item,
 * `<eui as 16 lower-case hex>-<ds|ka|pp-ka>.pem` for the certificate and `.key` for the PKCS#8 private key.
 * Writing exactly that layout is what lets a simulated estate be opened by the other GBCS tools.
 */

export function keystoreFileName(eui: Eui64, slot: KeySlot, kind: 'pem' | 'key'): string {
  return `${eui.toLowerCase()}-${slot}.${kind}`;
}

/** Files for parties' credentials, sorted by name; private keys are included unless `publicOnly`. */
export function keystoreFiles(parties: readonly PartyCredentials[], options: { publicOnly?: boolean } = {}): KeystoreFile[] {
  const files: KeystoreFile[] = [];
  for (const p of parties) {
    for (const slot of KEY_SLOTS) {
      const c: Credential | undefined = p.credentials[slot];
      if (!c) continue;
      files.push({ name: keystoreFileName(p.eui, slot, 'pem'), text: c.certificate.pem });
      if (!options.publicOnly) files.push({ name: keystoreFileName(p.eui, slot, 'key'), text: c.keyPem });
    }
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A runtime Keystore (protocols/crypto) holding the given credentials, as if loaded from their files. */
export function keystoreOf(parties: readonly PartyCredentials[]): Keystore {
  return Keystore.fromFiles(keystoreFiles(parties));
}

/** One keystore slot read back with its SMKI meaning and whatever is inconsistent about it. */
export interface ImportedCredential {
  /** EUI and slot from the file name, which is how GBCS tools index keys. */
  eui: Eui64;
  slot: KeySlot;
  certificate?: SmkiCertificate;
  privateKey?: KeyObject;
  /** Role from the certificate (organisations only). */
  role?: RemotePartyRole;
  files: string[];
  /** Mismatches and profile departures, as sentences; empty when the slot is clean. */
  problems: string[];
}

const FILE_RE = /^([0-9a-fA-F]{16})-(ds|ka|pp-ka)\.(pem|key)$/;

/**
 * Reads a keystore directory's files (RTDS or one written by `keystoreFiles`) into credentials, checking each
 * certificate against its file name and key. Files that do not follow the naming are ignored; unreadable
 * ones throw SmkiError naming the file. Known RTDS quirks, such as `90b3d51f30000007-ka.pem` holding another
 * organisation's certificate, surface as problems rather than errors.
 */
export function importKeystoreFiles(files: readonly KeystoreFile[]): ImportedCredential[] {
  const slots = new Map<string, ImportedCredential>();
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const f of sorted) {
    const base = f.name.slice(Math.max(f.name.lastIndexOf('/'), f.name.lastIndexOf('\\')) + 1);
    const m = FILE_RE.exec(base);
    if (!m) continue;
    const eui = m[1]!.toUpperCase() as Eui64;
    const slot = m[2] as KeySlot;
    const key = `${eui}-${slot}`;
    const entry = slots.get(key) ?? { eui, slot, files: [], problems: [] };
    slots.set(key, entry);
    entry.files.push(f.name);
    if (m[3] === 'pem') {
      const blocks = parsePemBlocks(f.text, f.name);
      // A bare SPKI (the GBCS example device key) has no SMKI certificate to read.
      if (blocks.length === 1 && blocks[0]!.label === 'PUBLIC KEY') {
        entry.problems.push(`${f.name}: a bare public key, not a certificate`);
        continue;
      }
      entry.certificate = readCertificate(f.text, f.name);
    } else {
      entry.privateKey = readPrivateKey(f.text, f.name);
    }
  }
  const out = [...slots.values()];
  for (const e of out) {
    const c = e.certificate;
    if (!c) continue;
    if (c.role !== undefined && c.kind === 'organisation') e.role = c.role;
    if (c.eui !== e.eui) e.problems.push(`certificate is for ${c.eui ?? 'no EUI'}, file name says ${e.eui}`);
    if (c.usage !== slotUsage(e.slot)) e.problems.push(`certificate keyUsage ${c.keyUsage.join('+')} does not fit slot ${e.slot}`);
    if (e.privateKey && !createPublicKey(e.privateKey).equals(c.publicKey)) e.problems.push('private key does not belong to the certificate');
    for (const p of profileProblems(c)) e.problems.push(p);
  }
  return out;
}

export function readPrivateKey(text: string, what: string): KeyObject {
  const blocks = parsePemBlocks(text, what).filter((b) => b.label !== 'EC PARAMETERS');
  const block = blocks[0];
  if (!block || blocks.length !== 1 || (block.label !== 'PRIVATE KEY' && block.label !== 'EC PRIVATE KEY')) {
    throw new SmkiError('malformed-pem', `${what}: expected one PRIVATE KEY block`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(block.der), format: 'der', type: block.label === 'PRIVATE KEY' ? 'pkcs8' : 'sec1' });
  } catch (e) {
    throw new SmkiError('malformed-pem', `${what}: unreadable private key (${(e as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new SmkiError('wrong-curve', `${what}: private key is ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}, not P-256`.trim());
  }
  return key;
}

/** Groups clean imported slots into parties (organisations by role, devices without), for re-export. */
export function partiesFromImport(imported: readonly ImportedCredential[]): PartyCredentials[] {
  const byEui = new Map<Eui64, PartyCredentials>();
  for (const i of imported) {
    if (!i.certificate || !i.privateKey || i.problems.length > 0) continue;
    const kind = i.certificate.kind === 'device' ? 'device' : 'organisation';
    const party = byEui.get(i.eui) ?? { kind, eui: i.eui, credentials: {} };
    if (i.role !== undefined) party.role = i.role;
    party.credentials[i.slot] = { certificate: i.certificate, privateKey: i.privateKey, keyPem: String(i.privateKey.export({ type: 'pkcs8', format: 'pem' })) };
    byEui.set(i.eui, party);
  }
  return [...byEui.values()];
}

export function describeParty(p: PartyCredentials): string {
  const who = p.kind === 'organisation' ? `organisation role ${p.role !== undefined ? roleHex(p.role) : '??'}` : `device${p.deviceType ? ` ${p.deviceType}` : ''}`;
  const slots = KEY_SLOTS.filter((s) => p.credentials[s]);
  return `${p.eui} ${who}: ${slots.join(', ')}`;
}
