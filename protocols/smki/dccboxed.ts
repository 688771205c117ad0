import { type KeyObject, createPublicKey } from 'node:crypto';
import { toHex } from '../bytes.js';
import { type Eui64, isEui64 } from '../eui.js';
import type { KeystoreFile } from '../crypto/keystore.js';
import { type SmkiCertificate, profileProblems, readCertificate } from './certificate.js';
import { SmkiError } from './errors.js';
import { keystoreFiles, readPrivateKey } from './keystore-files.js';
import type { PartyCredentials } from './pki.js';
import { KEY_SLOTS, type KeySlot, ROLES, type RemotePartyRole } from './profile.js';

/*
 * DCC Boxed keeps its organisation credentials in one JSON document (dccboxed-keystore `keystore.json`):
 *
 *   { "<eui, 16 lower-case hex>": { "digitalSignature" | "keyAgreement":
 *       { "<certificate serial in decimal>": { certificate?: PEM, privateKey?: PKCS#8 PEM, name?: text, role?: number } } } }
 *
 * Several generations of one slot coexist (the Z1 and Z1b sets), XML-signing credentials (roles 0x87, 0x89)
 * sit beside the GBCS ones, and the supplier's prepayment top-up key is told apart only by its name
 * ("Z1-supplierPP-ka"), so importing means choosing one entry per keystore slot.
 */

/** DCC Boxed keys certificates by their serial number in decimal. */
function decimalSerial(serial: Uint8Array): string {
  return BigInt(`0x${toHex(serial)}`).toString();
}

export type DccBoxedUsage = 'digitalSignature' | 'keyAgreement';

export interface DccBoxedEntry {
  eui: Eui64;
  usage: DccBoxedUsage;
  /** Decimal serial used as the JSON key. */
  serial: string;
  name?: string;
  role?: RemotePartyRole;
  certificate?: SmkiCertificate;
  privateKey?: KeyObject;
  /** Keystore slot the entry belongs in: `pp-ka` for prepayment top-up names. */
  slot: KeySlot;
  /** Where in the JSON, for messages: `90b3d51f30010000.keyAgreement.1219…`. */
  path: string;
  problems: string[];
}

const USAGES: readonly DccBoxedUsage[] = ['digitalSignature', 'keyAgreement'];
/** Remote party roles a GBCS device understands; 0x87 and 0x89 are DUIS XML signing only. */
const GBCS_ROLES = new Set<number>([ROLES.recovery, ROLES.supplier, ROLES.networkOperator, ROLES.accessControlBroker, ROLES.transitionalCoS, ROLES.wanProvider, ROLES.loadController, ROLES.other]);

function bad(detail: string): never {
  throw new SmkiError('bad-input', detail);
}

function isPrepaymentName(name: string | undefined): boolean {
  return name !== undefined && /pp-ka$/i.test(name);
}

/** Parses keystore.json text. Structural errors throw with the JSON path; per-entry issues become `problems`. */
export function parseDccBoxedKeystore(text: string, source = 'keystore.json'): DccBoxedEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    bad(`${source}: not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) bad(`${source}: expected an object keyed by EUI`);
  const out: DccBoxedEntry[] = [];
  for (const [euiKey, byUsage] of Object.entries(doc as Record<string, unknown>)) {
    const eui = euiKey.toUpperCase();
    if (!isEui64(eui)) bad(`${source}: key ${JSON.stringify(euiKey)} is not an EUI-64`);
    if (typeof byUsage !== 'object' || byUsage === null || Array.isArray(byUsage)) bad(`${source}: ${euiKey} must map key usages to entries`);
    for (const [usage, bySerial] of Object.entries(byUsage as Record<string, unknown>)) {
      if (!(USAGES as readonly string[]).includes(usage)) bad(`${source}: ${euiKey}.${usage} is not digitalSignature or keyAgreement`);
      if (typeof bySerial !== 'object' || bySerial === null || Array.isArray(bySerial)) bad(`${source}: ${euiKey}.${usage} must map serials to entries`);
      for (const [serial, raw] of Object.entries(bySerial as Record<string, unknown>)) {
        const path = `${euiKey}.${usage}.${serial}`;
        if (!/^\d+$/.test(serial)) bad(`${source}: ${path}: serial key must be decimal`);
        if (typeof raw !== 'object' || raw === null) bad(`${source}: ${path}: entry must be an object`);
        const e = raw as Record<string, unknown>;
        for (const f of ['certificate', 'privateKey', 'name'] as const) {
          if (e[f] !== undefined && typeof e[f] !== 'string') bad(`${source}: ${path}.${f} must be a string`);
        }
        if (e.role !== undefined && (typeof e.role !== 'number' || !Number.isInteger(e.role) || e.role < 0 || e.role > 255)) {
          bad(`${source}: ${path}.role must be an integer 0..255`);
        }
        const entry: DccBoxedEntry = {
          eui: eui as Eui64,
          usage: usage as DccBoxedUsage,
          serial,
          slot: usage === 'digitalSignature' ? 'ds' : isPrepaymentName(e.name as string | undefined) ? 'pp-ka' : 'ka',
          path,
          problems: [],
        };
        if (typeof e.name === 'string') entry.name = e.name;
        if (typeof e.role === 'number') entry.role = e.role;
        if (typeof e.certificate === 'string') entry.certificate = readCertificate(e.certificate, `${source}: ${path}.certificate`);
        if (typeof e.privateKey === 'string') entry.privateKey = readPrivateKey(e.privateKey, `${source}: ${path}.privateKey`);
        checkEntry(entry);
        out.push(entry);
      }
    }
  }
  return out;
}

function checkEntry(e: DccBoxedEntry): void {
  const c = e.certificate;
  if (!c) {
    e.problems.push('no certificate');
    return;
  }
  if (c.eui !== e.eui) e.problems.push(`certificate is for ${c.eui ?? 'no EUI'}`);
  if (c.usage !== e.usage) e.problems.push(`certificate keyUsage is ${c.keyUsage.join('+')}`);
  if (decimalSerial(c.serial) !== e.serial) e.problems.push('serial key differs from the certificate serial');
  if (e.role !== undefined && c.role !== undefined && e.role !== c.role) e.problems.push(`role ${e.role} differs from the certificate OU ${c.role}`);
  if (e.privateKey && !createPublicKey(e.privateKey).equals(c.publicKey)) e.problems.push('private key does not belong to the certificate');
  for (const p of profileProblems(c)) e.problems.push(p);
}

export interface DccBoxedSelection {
  /** One entry per (EUI, slot), usable by GBCS (role, key, conformant certificate). */
  selected: DccBoxedEntry[];
  /** The rest, each with why it was left out. */
  skipped: Array<{ entry: DccBoxedEntry; reason: string }>;
}

/**
 * Picks the organisation credentials to use: GBCS roles only, certificate and private key present, no
 * problems; among generations of one slot the latest notBefore wins unless `prefer` (e.g. `/^Z1-/`) matches
 * some entry's name, in which case the matching ones are preferred.
 */
export function selectDccBoxedCredentials(entries: readonly DccBoxedEntry[], options: { prefer?: RegExp } = {}): DccBoxedSelection {
  const skipped: DccBoxedSelection['skipped'] = [];
  const bySlot = new Map<string, DccBoxedEntry[]>();
  for (const e of entries) {
    const role = e.role ?? e.certificate?.role;
    if (role === undefined || !GBCS_ROLES.has(role)) skipped.push({ entry: e, reason: `role ${role ?? 'unknown'} is not a GBCS remote party role` });
    else if (!e.certificate || !e.privateKey) skipped.push({ entry: e, reason: 'needs both certificate and private key' });
    else if (e.problems.length > 0) skipped.push({ entry: e, reason: e.problems.join('; ') });
    else {
      const k = `${e.eui}-${e.slot}`;
      bySlot.set(k, [...(bySlot.get(k) ?? []), e]);
    }
  }
  const selected: DccBoxedEntry[] = [];
  for (const group of bySlot.values()) {
    const preferred = options.prefer ? group.filter((e) => e.name !== undefined && options.prefer!.test(e.name)) : [];
    const pool = preferred.length > 0 ? preferred : group;
    const best = [...pool].sort((a, b) => b.certificate!.notBefore.getTime() - a.certificate!.notBefore.getTime() || (a.serial < b.serial ? -1 : 1))[0]!;
    selected.push(best);
    for (const e of group) if (e !== best) skipped.push({ entry: e, reason: `another generation chosen (${best.name ?? best.serial})` });
  }
  selected.sort((a, b) => (a.eui === b.eui ? KEY_SLOTS.indexOf(a.slot) - KEY_SLOTS.indexOf(b.slot) : a.eui < b.eui ? -1 : 1));
  return { selected, skipped };
}

/** Selected DCC Boxed entries as parties, ready for `keystoreFiles` or a runtime Keystore. */
export function dccBoxedParties(selected: readonly DccBoxedEntry[]): PartyCredentials[] {
  const byEui = new Map<Eui64, PartyCredentials>();
  for (const e of selected) {
    if (!e.certificate || !e.privateKey) continue;
    const party = byEui.get(e.eui) ?? { kind: 'organisation' as const, eui: e.eui, credentials: {} };
    const role = e.certificate.role ?? e.role;
    if (role !== undefined) party.role = role;
    party.credentials[e.slot] = { certificate: e.certificate, privateKey: e.privateKey, keyPem: String(e.privateKey.export({ type: 'pkcs8', format: 'pem' })) };
    byEui.set(e.eui, party);
  }
  return [...byEui.values()];
}

/** keystore.json → the RTDS directory layout. */
export function dccBoxedToKeystoreFiles(text: string, options: { prefer?: RegExp; source?: string } = {}): { files: KeystoreFile[]; selection: DccBoxedSelection } {
  const selection = selectDccBoxedCredentials(parseDccBoxedKeystore(text, options.source), options);
  return { files: keystoreFiles(dccBoxedParties(selection.selected)), selection };
}

/**
 * Parties → keystore.json text, so a simulated estate can be loaded by DCC Boxed tooling. Entry names follow
 * the DCC Boxed pattern `<label>-<role name>[PP]-<ds|ka>`.
 */
export function toDccBoxedKeystore(parties: readonly PartyCredentials[], label = 'SIM'): string {
  const doc: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {};
  for (const p of parties) {
    for (const slot of KEY_SLOTS) {
      const c = p.credentials[slot];
      if (!c) continue;
      const usage: DccBoxedUsage = slot === 'ds' ? 'digitalSignature' : 'keyAgreement';
      const serial = decimalSerial(c.certificate.serial);
      const who = p.kind === 'device' ? 'device' : roleKey(p.role);
      const entry: Record<string, unknown> = {
        certificate: c.certificate.pem,
        privateKey: c.keyPem,
        name: `${label}-${who}${slot === 'pp-ka' ? 'PP' : ''}-${slot === 'ds' ? 'ds' : 'ka'}`,
      };
      if (p.kind === 'organisation' && p.role !== undefined) entry.role = p.role;
      const byUsage = (doc[p.eui.toLowerCase()] ??= {});
      (byUsage[usage] ??= {})[serial] = entry;
    }
  }
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function roleKey(role: number | undefined): string {
  const found = Object.entries(ROLES).find(([, v]) => v === role);
  return found ? found[0] : `role${role ?? ''}`;
}
