import { type KeyObject, X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { bytesEqual } from '../bytes.js';
import { GbcsCryptoError } from '../errors.js';
import { type Eui64, euiFromBytes, isEui64, parseEui64 } from '../eui.js';
import { readCertificateFields } from './certificate-fields.js';
import { describeKey, isP256, publicPoint } from './keys.js';

export type KeyUsage = 'ds' | 'ka' | 'pp-ka';
export const KEY_USAGES: readonly KeyUsage[] = ['ds', 'ka', 'pp-ka'];

/** SMKI remote party role of the access control broker (subject OU `04`). */
export const ROLE_ACB = 4;

export interface KeystoreFile {
  name: string;
  text: string;
}

export type KeystoreWarningCode =
  | 'unknown-file'
  | 'invalid-file'
  | 'duplicate'
  | 'eui-mismatch'
  | 'no-eui'
  | 'key-mismatch'
  | 'key-usage'
  | 'bad-role'
  | 'role-conflict'
  | 'extra-pem';

export interface KeystoreWarning {
  code: KeystoreWarningCode;
  message: string;
  file?: string;
  eui?: Eui64;
  usage?: KeyUsage;
}

/** What the keystore could read from a certificate beyond node's X509Certificate. */
export interface CertificateInfo {
  /** The certificate's own EUI: x500UniqueIdentifier (organisations) or hwModuleName (devices). */
  eui?: Eui64;
  euiSource?: 'x500UniqueIdentifier' | 'hwModuleName';
  /** Remote party role from the subject OU (two hex digits); devices have none. */
  role?: number;
  /** The subject OU text as found. */
  ou?: string;
  keyUsage?: string[];
}

export interface KeystoreEntryInput {
  /** X.509 certificate, as an object, PEM text or DER bytes. Its public key becomes the entry's public key. */
  certificate?: X509Certificate | string | Uint8Array;
  /** A bare public key (when there is no certificate). */
  publicKey?: KeyObject;
  privateKey?: KeyObject;
  /** Role for entries without an organisation certificate (e.g. keys issued before their certificate). */
  role?: number;
}

export interface FromFilesOptions {
  /** Turn unreadable files into `invalid-file` warnings instead of throwing. */
  skipInvalid?: boolean;
}

interface Entry {
  certificate?: X509Certificate;
  info?: CertificateInfo;
  publicKey?: KeyObject;
  privateKey?: KeyObject;
  /** Public half of `privateKey`, for lookups when no certificate or public key was given. */
  derivedPublic?: KeyObject;
  role?: number;
}

const FILE_RE = /^([0-9a-fA-F]{16})-(ds|ka|pp-ka)\.(pem|key)$/;
const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

function baseName(name: string): string {
  const i = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  return i >= 0 ? name.slice(i + 1) : name;
}

function pemBlocks(text: string): Array<{ type: string; pem: string }> {
  const out: Array<{ type: string; pem: string }> = [];
  for (const m of text.matchAll(PEM_RE)) out.push({ type: m[1]!, pem: m[0] });
  return out;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function requireP256(key: KeyObject, what: string): KeyObject {
  if (!isP256(key)) throw new GbcsCryptoError(`${what}: not a P-256 key (${describeKey(key)})`);
  return key;
}

/** Reads the SMKI fields of a certificate (EUI, role, key usage). */
export function certificateInfo(cert: X509Certificate): CertificateInfo {
  const f = readCertificateFields(new Uint8Array(cert.raw));
  const info: CertificateInfo = {};
  if (f.eui) {
    info.eui = euiFromBytes(f.eui);
    info.euiSource = f.euiSource;
  }
  if (f.ou !== undefined) {
    info.ou = f.ou;
    if (/^[0-9A-Fa-f]{2}$/.test(f.ou)) info.role = parseInt(f.ou, 16);
  }
  if (f.keyUsage) info.keyUsage = f.keyUsage;
  return info;
}

function toCertificate(c: X509Certificate | string | Uint8Array, what: string): X509Certificate {
  if (c instanceof X509Certificate) return c;
  try {
    return new X509Certificate(typeof c === 'string' ? c : Buffer.from(c));
  } catch (e) {
    throw new GbcsCryptoError(`${what}: not a readable X.509 certificate (${errorText(e)})`);
  }
}

/**
 * Keys and certificates by (EUI, usage). Entries are indexed by the EUI of the file name, as the RTDS and
 * DCC tooling do, even where the certificate inside says otherwise (`warnings` records those cases), so a
 * mislabelled file still behaves as the tooling that produced the test vectors expects.
 */
export class Keystore {
  private readonly entries = new Map<string, Entry>();
  private readonly roles = new Map<Eui64, number>();
  private readonly warningList: KeystoreWarning[] = [];
  private resolver: ((eui: Eui64, usage: KeyUsage) => KeystoreEntryInput | undefined) | undefined;

  /**
   * Where keys not added yet come from: asked once per (EUI, usage) on first lookup, its answer is added as
   * if by `add`. An estate of 100k premises derives device keys this way instead of all at boot.
   */
  setResolver(resolve: (eui: Eui64, usage: KeyUsage) => KeystoreEntryInput | undefined): void {
    this.resolver = resolve;
  }

  /** Builds a keystore from `<eui16>-ds|-ka|-pp-ka` `.pem` (certificate or SPKI) and `.key` (PKCS#8 or SEC1) texts. */
  static fromFiles(files: ReadonlyArray<KeystoreFile>, options: FromFilesOptions = {}): Keystore {
    const ks = new Keystore();
    const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const seen = new Map<string, string>();
    for (const file of sorted) {
      const name = baseName(file.name);
      const m = FILE_RE.exec(name);
      if (!m) {
        ks.warn({ code: 'unknown-file', file: file.name, message: `${file.name}: not <eui16>-ds|ka|pp-ka.pem|key, skipped` });
        continue;
      }
      const eui = m[1]!.toUpperCase() as Eui64;
      const usage = m[2] as KeyUsage;
      const kind = m[3] as 'pem' | 'key';
      const slot = `${eui}:${usage}:${kind}`;
      const previous = seen.get(slot);
      if (previous !== undefined) {
        ks.warn({ code: 'duplicate', file: file.name, eui, usage, message: `${file.name}: same key slot as ${previous}, replaces it` });
      }
      seen.set(slot, file.name);
      try {
        const input = kind === 'pem' ? ks.readPublicFile(file) : { privateKey: ks.readPrivateFile(file) };
        ks.addEntry(eui, usage, input, file.name);
      } catch (e) {
        if (!options.skipInvalid || !(e instanceof GbcsCryptoError)) throw e;
        ks.warn({ code: 'invalid-file', file: file.name, eui, usage, message: e.message });
      }
    }
    return ks;
  }

  private readPublicFile(file: KeystoreFile): KeystoreEntryInput {
    const blocks = pemBlocks(file.text);
    if (blocks.length === 0) throw new GbcsCryptoError(`${file.name}: no PEM block found`);
    const first = blocks[0]!;
    if (blocks.length > 1) {
      this.warn({ code: 'extra-pem', file: file.name, message: `${file.name}: ${blocks.length} PEM blocks, only the first (${first.type}) is used` });
    }
    if (first.type === 'CERTIFICATE') {
      const cert = toCertificate(first.pem, file.name);
      requireP256(cert.publicKey, `${file.name}: certificate key`);
      return { certificate: cert };
    }
    if (first.type === 'PUBLIC KEY') {
      let key: KeyObject;
      try {
        key = createPublicKey({ key: first.pem, format: 'pem' });
      } catch (e) {
        throw new GbcsCryptoError(`${file.name}: unreadable public key (${errorText(e)})`);
      }
      return { publicKey: requireP256(key, `${file.name}: public key`) };
    }
    throw new GbcsCryptoError(`${file.name}: expected a CERTIFICATE or PUBLIC KEY block, found ${first.type}`);
  }

  private readPrivateFile(file: KeystoreFile): KeyObject {
    // `openssl ecparam -genkey` writes an EC PARAMETERS block before the key; it carries nothing we need.
    const blocks = pemBlocks(file.text).filter((b) => b.type !== 'EC PARAMETERS');
    if (blocks.length === 0) throw new GbcsCryptoError(`${file.name}: no PEM private key block found`);
    const first = blocks[0]!;
    if (first.type === 'ENCRYPTED PRIVATE KEY') throw new GbcsCryptoError(`${file.name}: encrypted private keys are not supported`);
    if (first.type !== 'PRIVATE KEY' && first.type !== 'EC PRIVATE KEY') {
      throw new GbcsCryptoError(`${file.name}: expected a PRIVATE KEY or EC PRIVATE KEY block, found ${first.type}`);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: first.pem, format: 'pem' });
    } catch (e) {
      throw new GbcsCryptoError(`${file.name}: unreadable private key (${errorText(e)})`);
    }
    return requireP256(key, `${file.name}: private key`);
  }

  /**
   * Adds or updates the entry for (eui, usage); given fields replace existing ones. This is how SMKI code
   * registers keys it issues. Throws GbcsCryptoError for unusable keys or certificates.
   */
  add(eui: Eui64 | string, usage: KeyUsage, input: KeystoreEntryInput): void {
    this.addEntry(parseEuiOrThrow(eui), usage, input, undefined);
  }

  private addEntry(eui: Eui64, usage: KeyUsage, input: KeystoreEntryInput, file: string | undefined): void {
    if (!KEY_USAGES.includes(usage)) throw new GbcsCryptoError(`keystore: unknown key usage ${JSON.stringify(usage)}`);
    const what = file ?? `${eui} ${usage}`;
    const key = `${eui}:${usage}`;
    const entry: Entry = { ...this.entries.get(key) };

    if (input.certificate !== undefined) {
      const cert = toCertificate(input.certificate, what);
      const pub = requireP256(cert.publicKey, `${what}: certificate key`);
      if (input.publicKey && !input.publicKey.equals(pub)) {
        throw new GbcsCryptoError(`${what}: the public key given does not match the certificate's`);
      }
      entry.certificate = cert;
      entry.info = certificateInfo(cert);
      entry.publicKey = pub;
      this.checkCertificate(eui, usage, entry.info, what, file);
    } else if (input.publicKey !== undefined) {
      if (input.publicKey.type !== 'public') throw new GbcsCryptoError(`${what}: publicKey is ${describeKey(input.publicKey)}`);
      entry.publicKey = requireP256(input.publicKey, `${what}: public key`);
      entry.certificate = undefined;
      entry.info = undefined;
    }
    if (input.privateKey !== undefined) {
      if (input.privateKey.type !== 'private') throw new GbcsCryptoError(`${what}: privateKey is ${describeKey(input.privateKey)}`);
      entry.privateKey = requireP256(input.privateKey, `${what}: private key`);
      entry.derivedPublic = createPublicKey(entry.privateKey);
    }
    if (input.role !== undefined) {
      if (!Number.isInteger(input.role) || input.role < 0 || input.role > 255) {
        throw new GbcsCryptoError(`${what}: role must be 0..255, got ${input.role}`);
      }
      entry.role = input.role;
    }
    if (entry.publicKey && entry.derivedPublic && !bytesEqual(publicPoint(entry.publicKey), publicPoint(entry.derivedPublic))) {
      this.warn({
        code: 'key-mismatch',
        file,
        eui,
        usage,
        message: `${what}: the private key of ${eui} ${usage} does not belong to its ${entry.certificate ? 'certificate' : 'public key'}`,
      });
    }
    this.entries.set(key, entry);
    this.updateRole(eui, what, file);
  }

  private checkCertificate(eui: Eui64, usage: KeyUsage, info: CertificateInfo, what: string, file: string | undefined): void {
    if (info.eui === undefined) {
      this.warn({ code: 'no-eui', file, eui, usage, message: `${what}: certificate carries no EUI (x500UniqueIdentifier or hwModuleName)` });
    } else if (info.eui !== eui) {
      this.warn({
        code: 'eui-mismatch',
        file,
        eui,
        usage,
        message: `${what}: certificate is for ${info.eui} (${info.euiSource}), indexed as ${eui} by its name`,
      });
    }
    const want = usage === 'ds' ? 'digitalSignature' : 'keyAgreement';
    if (info.keyUsage && !info.keyUsage.includes(want)) {
      this.warn({ code: 'key-usage', file, eui, usage, message: `${what}: keyUsage is ${info.keyUsage.join(',') || 'empty'}, expected ${want}` });
    }
    if (info.ou !== undefined && info.role === undefined) {
      this.warn({ code: 'bad-role', file, eui, usage, message: `${what}: subject OU ${JSON.stringify(info.ou)} is not a two-hex-digit role` });
    }
  }

  /*
   * A role counts only from certificates that name this EUI themselves (or from an explicit `role`), so a
   * mislabelled certificate cannot give its file-name EUI someone else's role. DS is consulted first.
   */
  private updateRole(eui: Eui64, what: string, file: string | undefined): void {
    const found: Array<{ usage: KeyUsage; role: number }> = [];
    for (const usage of KEY_USAGES) {
      const e = this.entries.get(`${eui}:${usage}`);
      if (!e) continue;
      if (e.role !== undefined) found.push({ usage, role: e.role });
      else if (e.info?.role !== undefined && e.info.eui === eui) found.push({ usage, role: e.info.role });
    }
    if (found.length === 0) {
      this.roles.delete(eui);
      return;
    }
    const role = found[0]!.role;
    this.roles.set(eui, role);
    const other = found.find((f) => f.role !== role);
    if (other) {
      this.warn({
        code: 'role-conflict',
        file,
        eui,
        message: `${what}: ${eui} has role ${hexRole(role)} (${found[0]!.usage}) but ${hexRole(other.role)} (${other.usage}); using ${hexRole(role)}`,
      });
    }
  }

  private warn(w: KeystoreWarning): void {
    const clean: KeystoreWarning = { code: w.code, message: w.message };
    if (w.file !== undefined) clean.file = w.file;
    if (w.eui !== undefined) clean.eui = w.eui;
    if (w.usage !== undefined) clean.usage = w.usage;
    this.warningList.push(clean);
  }

  private entry(eui: Eui64, usage: KeyUsage): Entry | undefined {
    const e = this.entries.get(`${eui}:${usage}`);
    if (e || !this.resolver) return e;
    const input = this.resolver(eui, usage);
    if (!input) return undefined;
    this.addEntry(eui, usage, input, undefined);
    return this.entries.get(`${eui}:${usage}`);
  }

  /** The public key: from the certificate, a bare public key, or else the public half of the private key. */
  publicKey(eui: Eui64, usage: KeyUsage): KeyObject | undefined {
    const e = this.entry(eui, usage);
    return e?.publicKey ?? e?.derivedPublic;
  }

  privateKey(eui: Eui64, usage: KeyUsage): KeyObject | undefined {
    return this.entry(eui, usage)?.privateKey;
  }

  certificate(eui: Eui64, usage: KeyUsage): X509Certificate | undefined {
    return this.entry(eui, usage)?.certificate;
  }

  certificateInfo(eui: Eui64, usage: KeyUsage): CertificateInfo | undefined {
    const info = this.entry(eui, usage)?.info;
    return info && { ...info, keyUsage: info.keyUsage && [...info.keyUsage] };
  }

  /** SMKI remote party role (e.g. 2 supplier, 4 ACB); undefined for devices and unknown EUIs. */
  role(eui: Eui64): number | undefined {
    return this.roles.get(eui);
  }

  /** The organisation with role 04 (lowest EUI if several). */
  acb(): Eui64 | undefined {
    let best: Eui64 | undefined;
    for (const [eui, role] of this.roles) if (role === ROLE_ACB && (best === undefined || eui < best)) best = eui;
    return best;
  }

  /** Every EUI with at least one entry, sorted. */
  euis(): Eui64[] {
    const set = new Set<Eui64>();
    for (const k of this.entries.keys()) set.add(k.slice(0, 16) as Eui64);
    return [...set].sort();
  }

  /** Usages present for an EUI. */
  usages(eui: Eui64): KeyUsage[] {
    return KEY_USAGES.filter((u) => this.entries.has(`${eui}:${u}`));
  }

  get warnings(): readonly KeystoreWarning[] {
    return this.warningList.slice();
  }
}

function hexRole(r: number): string {
  return r.toString(16).toUpperCase().padStart(2, '0');
}

function parseEuiOrThrow(eui: string): Eui64 {
  if (typeof eui === 'string' && isEui64(eui)) return eui;
  try {
    return parseEui64(eui, 'keystore eui');
  } catch (e) {
    throw new GbcsCryptoError(`keystore: ${errorText(e)}`);
  }
}
