import { createHash } from 'node:crypto';
import { toHex } from '../bytes.js';
import { SmkiError } from './errors.js';

/*
 * The SMKI certificate profile as read off the real RTDS and DCC Boxed certificates (notes/smki.md §1, §2).
 * Everything a device or a tool compares byte for byte lives here so issuing and checking cannot drift apart.
 */

/** Remote Party Role codes: the subject OU of organisation certificates, as two upper-case hex digits. */
export const ROLES = {
  root: 0x00,
  recovery: 0x01,
  supplier: 0x02,
  networkOperator: 0x03,
  accessControlBroker: 0x04,
  transitionalCoS: 0x05,
  wanProvider: 0x06,
  issuingAuthority: 0x07,
  loadController: 0x08,
  other: 0x7f,
  xmlSigning: 0x87,
  dspXmlSigning: 0x89,
} as const;

export type RoleName = keyof typeof ROLES;
export type RemotePartyRole = number;

const ROLE_NAMES = new Map<number, RoleName>(Object.entries(ROLES).map(([k, v]) => [v, k as RoleName]));

export function roleName(role: number): string {
  return ROLE_NAMES.get(role) ?? 'unknown';
}

export function roleHex(role: number): string {
  return role.toString(16).toUpperCase().padStart(2, '0');
}

/** Accepts a role name (`supplier`), its abbreviations (`acb`, `no`, `wan`) or the OU code (`02`, `0x02`). */
export function parseRole(text: string): RemotePartyRole {
  const t = text.trim();
  const alias: Record<string, RoleName> = {
    acb: 'accessControlBroker',
    no: 'networkOperator',
    dno: 'networkOperator',
    gt: 'networkOperator',
    wan: 'wanProvider',
    cos: 'transitionalCoS',
    transcos: 'transitionalCoS',
    lc: 'loadController',
  };
  const name = (Object.keys(ROLES) as RoleName[]).find((k) => k.toLowerCase() === t.toLowerCase()) ?? alias[t.toLowerCase()];
  if (name) return ROLES[name];
  const m = /^(?:0x)?([0-9a-fA-F]{1,2})$/.exec(t);
  if (m) return parseInt(m[1]!, 16);
  throw new SmkiError('bad-input', `unknown remote party role ${JSON.stringify(text)} (use a name such as supplier, or the OU code such as 02)`);
}

/** Roles `pki init` issues an organisation for, with the EUIs the RTDS and DCC Boxed material uses for them. */
export const DEFAULT_ORGANISATIONS: ReadonlyArray<{ role: RemotePartyRole; eui: string; name?: string }> = [
  { role: ROLES.recovery, eui: '90B3D51F30000001' },
  { role: ROLES.accessControlBroker, eui: '90B3D51F30000002' },
  { role: ROLES.transitionalCoS, eui: '90B3D51F30000004' },
  { role: ROLES.wanProvider, eui: '90B3D51F30000007' },
  { role: ROLES.supplier, eui: '90B3D51F30010000', name: 'SIMSUPPLIER' },
  { role: ROLES.loadController, eui: '90B3D51F30010008' },
  { role: ROLES.other, eui: '90B3D51F30010009' },
  { role: ROLES.networkOperator, eui: '90B3D51F30020000' },
];

/** The certificates GBCS devices process carry exactly one of these keyUsage bits. */
export type CertUsage = 'digitalSignature' | 'keyAgreement' | 'keyCertSign';

/** Keystore slot names, as in `<eui>-ds.pem`, `-ka.pem`, `-pp-ka.pem`. */
export type KeySlot = 'ds' | 'ka' | 'pp-ka';
export const KEY_SLOTS: readonly KeySlot[] = ['ds', 'ka', 'pp-ka'];

export function slotUsage(slot: KeySlot): 'digitalSignature' | 'keyAgreement' {
  return slot === 'ds' ? 'digitalSignature' : 'keyAgreement';
}

/** Extension value octets (the content of extnValue) for each usage; CAs also set cRLSign, as the Z1 OCA does. */
export const KEY_USAGE_DER: Record<CertUsage, string> = {
  digitalSignature: '03020780',
  keyAgreement: '03020308',
  keyCertSign: '03020106',
};

export const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organizationalUnitName: '2.5.4.11',
  x500UniqueIdentifier: '2.5.4.45',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  hardwareModuleName: '1.3.6.1.5.5.7.8.4',
} as const;

/** DER of the AlgorithmIdentifier every SMKI signature uses: ecdsa-with-SHA256 with no NULL parameter. */
export const ECDSA_SHA256_ALGORITHM_DER = '300A06082A8648CE3D040302';

/**
 * Policy OIDs and the device hwType differ per environment: RTDS device certificates use the 1800000 arc
 * while their organisation certificates come from the ZAZ1 OCA; DCC Boxed uses ZAZ1 throughout.
 */
export interface PolicySet {
  name: string;
  organisation: string;
  device: string;
  hwType: string;
}

export const POLICY_SETS = {
  rtds: {
    name: 'rtds',
    organisation: '1.2.826.0.1.8641679.1.2.1.4',
    device: '1.2.826.0.1.1800000.1.2.1.4',
    hwType: '1.2.826.0.1.8641679.1.2.2.1',
  },
  zaz1: {
    name: 'zaz1',
    organisation: '1.2.826.0.1.8641679.1.2.1.4',
    device: '1.2.826.0.1.8641679.1.2.1.4',
    hwType: '1.2.826.0.1372.1.1.2.1',
  },
} as const satisfies Record<string, PolicySet>;

export type PolicySetName = keyof typeof POLICY_SETS;

export function policySet(p: PolicySetName | PolicySet | string): PolicySet {
  if (typeof p === 'object') return p;
  const found = (POLICY_SETS as Record<string, PolicySet>)[p];
  if (!found) throw new SmkiError('bad-input', `unknown policy set ${JSON.stringify(p)} (known: ${Object.keys(POLICY_SETS).join(', ')})`);
  return found;
}

/** A human label for a policy OID, for `pki show`. */
export function describePolicy(oidText: string): string {
  if (oidText === POLICY_SETS.rtds.device) return 'RTDS device';
  if (oidText === POLICY_SETS.zaz1.organisation) return 'ZAZ1';
  return 'unknown';
}

/** Device types that hold SMKI credentials (GBCS Type 1 devices plus the GPF). */
export const DEVICE_TYPES = ['esme', 'gsme', 'chf', 'gpf', 'ppmid', 'hcalcs'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export function parseDeviceType(text: string): DeviceType {
  const t = text.trim().toLowerCase();
  if ((DEVICE_TYPES as readonly string[]).includes(t)) return t as DeviceType;
  if (t === 'ihd' || t === 'cad' || t === 'type2') {
    throw new SmkiError('bad-input', `${text} is a GBCS Type 2 device: it holds no SMKI certificates (types with certificates: ${DEVICE_TYPES.join(', ')})`);
  }
  throw new SmkiError('bad-input', `unknown device type ${JSON.stringify(text)} (expected one of ${DEVICE_TYPES.join(', ')})`);
}

/**
 * Trust anchor cells a device can hold: (role, usage, cell usage), notes/smki.md §5.1. A certificate may only
 * be placed in, or act through, a cell listed here, which is what "role allowed for the operation" means at
 * the certificate level.
 */
export type CellUsage = 'management' | 'prePaymentTopUp';
export const TRUST_ANCHOR_CELLS: ReadonlyArray<{ role: RemotePartyRole; usage: CertUsage; cellUsage: CellUsage }> = [
  { role: ROLES.root, usage: 'keyCertSign', cellUsage: 'management' },
  { role: ROLES.recovery, usage: 'digitalSignature', cellUsage: 'management' },
  { role: ROLES.supplier, usage: 'digitalSignature', cellUsage: 'management' },
  { role: ROLES.supplier, usage: 'keyAgreement', cellUsage: 'management' },
  { role: ROLES.supplier, usage: 'keyAgreement', cellUsage: 'prePaymentTopUp' },
  { role: ROLES.networkOperator, usage: 'digitalSignature', cellUsage: 'management' },
  { role: ROLES.networkOperator, usage: 'keyAgreement', cellUsage: 'management' },
  { role: ROLES.accessControlBroker, usage: 'digitalSignature', cellUsage: 'management' },
  { role: ROLES.accessControlBroker, usage: 'keyAgreement', cellUsage: 'management' },
  { role: ROLES.transitionalCoS, usage: 'digitalSignature', cellUsage: 'management' },
  { role: ROLES.wanProvider, usage: 'digitalSignature', cellUsage: 'management' },
  { role: ROLES.loadController, usage: 'digitalSignature', cellUsage: 'management' },
  { role: ROLES.loadController, usage: 'keyAgreement', cellUsage: 'management' },
];

/** Roles whose certificates a device accepts for a given usage (and cell usage). */
export function rolesForUsage(usage: CertUsage, cellUsage: CellUsage = 'management'): RemotePartyRole[] {
  return TRUST_ANCHOR_CELLS.filter((c) => c.usage === usage && c.cellUsage === cellUsage).map((c) => c.role);
}

/**
 * SMKI key identifier: RFC 5280 §4.2.1.2 method (2) — the four bits 0100 followed by the low 60 bits of the
 * SHA-1 of the subjectPublicKey bits (the 65-octet uncompressed point). 8 octets, so it always starts 4x.
 */
export function keyIdentifier(point: Uint8Array): Uint8Array {
  if (point.length !== 65 || point[0] !== 4) throw new SmkiError('wrong-curve', `expected an uncompressed P-256 point, got ${point.length} octets`);
  const h = new Uint8Array(createHash('sha1').update(point).digest());
  const id = h.slice(12, 20);
  id[0] = (id[0]! & 0x0f) | 0x40;
  return id;
}

export function keyIdentifierHex(point: Uint8Array): string {
  return toHex(keyIdentifier(point));
}

/** Serial rule of every sample: exactly 16 content octets, positive, so the first octet is 0x01..0x7F. */
export function isProfileSerial(serial: Uint8Array): boolean {
  return serial.length === 16 && serial[0]! >= 0x01 && serial[0]! <= 0x7f;
}

/** GBCS: a device certificate has no well-defined expiry. */
export const DEVICE_NOT_AFTER = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));
