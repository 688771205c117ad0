import { type KeyObject, createHash, createPublicKey } from 'node:crypto';
import { privateScalar, publicPoint } from '../crypto/keys.js';
import { type Eui64, parseEui64 } from '../eui.js';
import { type SmkiCertificate, readCertificate } from './certificate.js';
import { SmkiError } from './errors.js';
import {
  type CertificateSigner,
  type Issuer,
  assertConformant,
  deterministicSigner,
  issueDeviceCertificate,
  issueIssuingCa,
  issueOrganisationCertificate,
  issueRoot,
} from './issue.js';
import {
  DEFAULT_ORGANISATIONS,
  type DeviceType,
  type KeySlot,
  POLICY_SETS,
  type PolicySet,
  type PolicySetName,
  ROLES,
  type RemotePartyRole,
  keyIdentifierHex,
  policySet,
  roleHex,
  slotUsage,
} from './profile.js';
import { type SeedInput, deriveDays, deriveKeyPair, deriveSerial, seedBytes } from './seed.js';

/** A certificate with its private key (PKCS#8 PEM as the RTDS keystore stores it). */
export interface Credential {
  certificate: SmkiCertificate;
  privateKey: KeyObject;
  keyPem: string;
}

/** One party's credentials by keystore slot: devices and organisations have `ds` and `ka`, suppliers may add `pp-ka`. */
export interface PartyCredentials {
  kind: 'device' | 'organisation';
  eui: Eui64;
  role?: RemotePartyRole;
  deviceType?: DeviceType;
  credentials: Partial<Record<KeySlot, Credential>>;
}

export interface PkiOptions {
  seed: SeedInput;
  /** Policy OIDs and hwType: `rtds` (default) or `zaz1`, or a custom set. */
  policy?: PolicySetName | PolicySet;
  /** CN of each CA; defaults `SR` (root), `S1` (organisation CA), `S357` (device CA). */
  names?: { root?: string; organisationCa?: string; deviceCa?: string };
  /** notBefore of the CAs; by default a midnight in 2024 chosen by the seed. */
  epoch?: Date;
  /** Signs certificates; RFC 6979 deterministic ECDSA by default. */
  signer?: CertificateSigner;
}

const DAY = 86_400_000;

function midnight(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** `years` later, one second before the anniversary, as the real certificates' validity ends (…235959Z). */
function yearsLater(d: Date, years: number): Date {
  const end = new Date(d.getTime());
  end.setUTCFullYear(d.getUTCFullYear() + years);
  return new Date(end.getTime() - 1000);
}

function credential(certificate: SmkiCertificate, privateKey: KeyObject): Credential {
  return { certificate, privateKey, keyPem: String(privateKey.export({ type: 'pkcs8', format: 'pem' })) };
}

function checkKeyPair(cert: SmkiCertificate, key: KeyObject, what: string): void {
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new SmkiError('wrong-curve', `${what}: private key is not a P-256 EC key`);
  }
  if (!createPublicKey(key).equals(cert.publicKey)) throw new SmkiError('key-mismatch', `${what}: private key does not belong to the certificate`);
}

function eui(text: Eui64 | string, what: string): Eui64 {
  try {
    return parseEui64(text, what);
  } catch (e) {
    throw new SmkiError('bad-input', (e as Error).message);
  }
}

/**
 * A simulated SMKI: root (OU=00), organisation issuing CA (OU=07) and device issuing CA, issuing device and
 * organisation credentials that follow the real profiles. Every key, serial and date is derived from the
 * seed and a label naming the item, so the same seed rebuilds the same estate byte for byte.
 */
export class Pki {
  private constructor(
    private readonly seed: Uint8Array,
    readonly policy: PolicySet,
    readonly root: SmkiCertificate,
    readonly rootKey: KeyObject | undefined,
    readonly organisationCa: Credential | undefined,
    readonly deviceCa: Credential | undefined,
    private readonly signer: CertificateSigner,
  ) {}

  static async create(options: PkiOptions): Promise<Pki> {
    const seed = seedBytes(options.seed);
    const policy = policySet(options.policy ?? 'rtds');
    const signer = options.signer ?? deterministicSigner;
    const epoch = midnight(options.epoch ?? new Date(Date.UTC(2024, 0, 1) + deriveDays(seed, 'epoch', 366) * DAY));
    const allPolicies = [...new Set([policy.organisation, policy.device])];

    const rootKeys = deriveKeyPair(seed, 'key/ca/root');
    const root = assertConformant(
      await issueRoot(
        { commonName: options.names?.root ?? 'SR', role: ROLES.root, serial: deriveSerial(seed, 'ca/root'), notBefore: epoch, notAfter: yearsLater(epoch, 40), policies: allPolicies },
        rootKeys,
        signer,
      ),
    );
    const rootIssuer: Issuer = { certificate: root, privateKey: rootKeys.privateKey };

    const ocaKeys = deriveKeyPair(seed, 'key/ca/organisation');
    const oca = assertConformant(
      await issueIssuingCa(
        {
          commonName: options.names?.organisationCa ?? 'S1',
          role: ROLES.issuingAuthority,
          serial: deriveSerial(seed, 'ca/organisation'),
          notBefore: epoch,
          notAfter: yearsLater(epoch, 25),
          policies: [policy.organisation],
        },
        ocaKeys.publicKey,
        rootIssuer,
        signer,
      ),
    );
    const dcaKeys = deriveKeyPair(seed, 'key/ca/device');
    const dca = assertConformant(
      await issueIssuingCa(
        {
          commonName: options.names?.deviceCa ?? 'S357',
          serial: deriveSerial(seed, 'ca/device'),
          notBefore: epoch,
          notAfter: yearsLater(epoch, 25),
          policies: [policy.device],
        },
        dcaKeys.publicKey,
        rootIssuer,
        signer,
      ),
    );
    return new Pki(seed, policy, root, rootKeys.privateKey, credential(oca, ocaKeys.privateKey), credential(dca, dcaKeys.privateKey), signer);
  }

  /**
   * Rebuilds an authority from stored CA certificates and keys (e.g. a `pki init` directory). Without a seed,
   * leaf keys are derived from the CA private keys, which keeps issuance repeatable for that directory.
   */
  static fromCredentials(input: {
    root: SmkiCertificate | string | Uint8Array;
    rootKey?: KeyObject;
    organisationCa?: { certificate: SmkiCertificate | string | Uint8Array; privateKey: KeyObject };
    deviceCa?: { certificate: SmkiCertificate | string | Uint8Array; privateKey: KeyObject };
    seed?: SeedInput;
    /** A policy set or its name (`rtds`, `zaz1`); by default recognised from the CA certificates. */
    policy?: PolicySetName | PolicySet | (string & {});
    signer?: CertificateSigner;
  }): Pki {
    const asCert = (c: SmkiCertificate | string | Uint8Array, what: string) =>
      typeof c === 'string' || c instanceof Uint8Array ? readCertificate(c, what) : c;
    const root = asCert(input.root, 'root certificate');
    if (root.kind !== 'root') throw new SmkiError('broken-chain', `root certificate ${root.subjectText} is not a self-signed CA`);
    if (input.rootKey) checkKeyPair(root, input.rootKey, 'root');
    const load = (c: { certificate: SmkiCertificate | string | Uint8Array; privateKey: KeyObject } | undefined, what: string) => {
      if (!c) return undefined;
      const cert = asCert(c.certificate, what);
      if (cert.kind !== 'ca') throw new SmkiError('broken-chain', `${what} ${cert.subjectText} is not an issuing CA certificate`);
      if (cert.aki !== root.ski) throw new SmkiError('broken-chain', `${what} ${cert.subjectText} was not issued by root ${root.subjectText}`);
      checkKeyPair(cert, c.privateKey, what);
      return credential(cert, c.privateKey);
    };
    const oca = load(input.organisationCa, 'organisation CA');
    const dca = load(input.deviceCa, 'device CA');
    let seed: Uint8Array;
    if (input.seed !== undefined) seed = seedBytes(input.seed);
    else {
      const h = createHash('sha256').update('smets-sim/smki/seed-from-ca-keys');
      for (const c of [oca, dca]) if (c) h.update(privateScalar(c.privateKey));
      seed = new Uint8Array(h.digest());
    }
    let policy: PolicySet;
    if (input.policy !== undefined) policy = policySet(input.policy);
    else {
      const org = oca?.certificate.policies[0] ?? POLICY_SETS.rtds.organisation;
      const dev = dca?.certificate.policies[0] ?? POLICY_SETS.rtds.device;
      policy = Object.values(POLICY_SETS).find((p) => p.organisation === org && p.device === dev) ?? {
        name: 'custom',
        organisation: org,
        device: dev,
        hwType: POLICY_SETS.rtds.hwType,
      };
    }
    return new Pki(seed, policy, root, input.rootKey, oca, dca, input.signer ?? deterministicSigner);
  }

  /** The CA certificates below the root, for path building. */
  get intermediates(): SmkiCertificate[] {
    return [this.organisationCa?.certificate, this.deviceCa?.certificate].filter((c): c is SmkiCertificate => c !== undefined);
  }

  private issuer(which: 'organisation' | 'device'): Issuer {
    const ca = which === 'organisation' ? this.organisationCa : this.deviceCa;
    if (!ca) throw new SmkiError('bad-input', `this PKI has no ${which} issuing CA key, so it cannot issue ${which} certificates`);
    return ca;
  }

  private notBefore(label: string, issuer: Issuer): Date {
    return new Date(issuer.certificate.notBefore.getTime() + deriveDays(this.seed, `notBefore/${label}`, 28) * DAY);
  }

  /**
   * DS and KA credentials (and, with `prepayment`, the supplier's top-up KA) for an organisation. The CN, if
   * given, goes on the DS certificate only, as on the real ones. `generation` issues replacement keys.
   */
  async issueOrganisation(opts: {
    role: RemotePartyRole;
    eui: Eui64 | string;
    name?: string;
    prepayment?: boolean;
    generation?: number;
  }): Promise<PartyCredentials> {
    const id = eui(opts.eui, 'organisation EUI');
    if (opts.role === ROLES.root || opts.role === ROLES.issuingAuthority) {
      throw new SmkiError('bad-input', `role ${roleHex(opts.role)} belongs to a CA, not an organisation certificate`);
    }
    const issuer = this.issuer('organisation');
    const base = `org/${id}${opts.generation ? `/g${opts.generation}` : ''}`;
    const notBefore = this.notBefore(base, issuer);
    const slots: KeySlot[] = opts.prepayment ? ['ds', 'ka', 'pp-ka'] : ['ds', 'ka'];
    const out: PartyCredentials = { kind: 'organisation', eui: id, role: opts.role, credentials: {} };
    for (const slot of slots) {
      const keys = deriveKeyPair(this.seed, `key/${base}/${slot}`);
      const cert = await issueOrganisationCertificate(
        {
          serial: deriveSerial(this.seed, `${base}/${slot}`),
          notBefore,
          notAfter: yearsLater(notBefore, 10),
          usage: slotUsage(slot),
          policy: this.policy.organisation,
          eui: id,
          role: opts.role,
          ...(slot === 'ds' && opts.name !== undefined ? { commonName: opts.name } : {}),
        },
        keys.publicKey,
        issuer,
        this.signer,
      );
      out.credentials[slot] = credential(assertConformant(cert), keys.privateKey);
    }
    return out;
  }

  /** DS and KA credentials for a device (ESME, GSME, CHF, GPF, PPMID, HCALCS). */
  async issueDevice(opts: { eui: Eui64 | string; type?: DeviceType; generation?: number }): Promise<PartyCredentials> {
    const id = eui(opts.eui, 'device EUI');
    const issuer = this.issuer('device');
    const base = `device/${id}${opts.generation ? `/g${opts.generation}` : ''}`;
    const notBefore = this.notBefore(base, issuer);
    const out: PartyCredentials = { kind: 'device', eui: id, credentials: {} };
    if (opts.type) out.deviceType = opts.type;
    for (const slot of ['ds', 'ka'] as const) {
      const keys = deriveKeyPair(this.seed, `key/${base}/${slot}`);
      const cert = await issueDeviceCertificate(
        { serial: deriveSerial(this.seed, `${base}/${slot}`), notBefore, usage: slotUsage(slot), policy: this.policy.device, eui: id, hwType: this.policy.hwType },
        keys.publicKey,
        issuer,
        this.signer,
      );
      out.credentials[slot] = credential(assertConformant(cert), keys.privateKey);
    }
    return out;
  }

  /** Certifies a key the device generated itself (CS02c/CS02d): only the public key leaves the device. */
  async certifyDeviceKey(opts: { eui: Eui64 | string; usage: 'digitalSignature' | 'keyAgreement'; publicKey: KeyObject }): Promise<SmkiCertificate> {
    const id = eui(opts.eui, 'device EUI');
    const issuer = this.issuer('device');
    const label = `device/${id}/key/${keyIdentifierHex(publicPoint(opts.publicKey))}/${opts.usage}`;
    const cert = await issueDeviceCertificate(
      { serial: deriveSerial(this.seed, label), notBefore: this.notBefore(label, issuer), usage: opts.usage, policy: this.policy.device, eui: id, hwType: this.policy.hwType },
      opts.publicKey,
      issuer,
      this.signer,
    );
    return assertConformant(cert);
  }

  /** One organisation per role (the `pki init` estate), with the supplier's prepayment key. */
  async issueDefaultOrganisations(): Promise<PartyCredentials[]> {
    const out: PartyCredentials[] = [];
    for (const o of DEFAULT_ORGANISATIONS) {
      out.push(
        await this.issueOrganisation({
          role: o.role,
          eui: o.eui,
          ...(o.name !== undefined ? { name: o.name } : {}),
          prepayment: o.role === ROLES.supplier,
        }),
      );
    }
    return out;
  }

  /** CA certificates and keys as PEM, for writing beside each other. */
  caFiles(): Array<{ name: string; text: string }> {
    const files = [{ name: 'root.pem', text: this.root.pem }];
    if (this.rootKey) files.push({ name: 'root.key', text: String(this.rootKey.export({ type: 'pkcs8', format: 'pem' })) });
    if (this.organisationCa) files.push({ name: 'org-issuing.pem', text: this.organisationCa.certificate.pem }, { name: 'org-issuing.key', text: this.organisationCa.keyPem });
    if (this.deviceCa) files.push({ name: 'device-issuing.pem', text: this.deviceCa.certificate.pem }, { name: 'device-issuing.key', text: this.deviceCa.keyPem });
    return files;
  }

  /** Short identification for logs: root key id and policy set. */
  describe(): string {
    return `SMKI root ${this.root.subjectText} (key id ${this.root.ski}), policy set ${this.policy.name}`;
  }
}

