import { createPublicKey } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Keystore } from '../protocols/crypto/keystore.js';
import type { Eui64 } from '../protocols/eui.js';
import {
  type PartyCredentials,
  Pki,
  ROLES,
  dccBoxedParties,
  dccBoxedToKeystoreFiles,
  importKeystoreFiles,
  keystoreFiles,
  keystoreOf,
  parseDccBoxedKeystore,
  partiesFromImport,
  readCertificate,
  selectDccBoxedCredentials,
  toDccBoxedKeystore,
} from '../protocols/smki/index.js';

const RTDS = '/work/shared/rtds/keystore';
const rtdsFiles = () => readdirSync(RTDS).map((name) => ({ name, text: readFileSync(join(RTDS, name), 'utf8') }));
const E = (s: string) => s as Eui64;

let pki: Pki;
let parties: PartyCredentials[];

beforeAll(async () => {
  pki = await Pki.create({ seed: 'keystores' });
  parties = [...(await pki.issueDefaultOrganisations()), await pki.issueDevice({ eui: '00DB1234567890A0', type: 'esme' })];
});

describe('keystore directory layout', () => {
  it('names files like the RTDS keystore', () => {
    const names = keystoreFiles(parties).map((f) => f.name);
    expect(names).toContain('90b3d51f30010000-ds.pem');
    expect(names).toContain('90b3d51f30010000-ds.key');
    expect(names).toContain('90b3d51f30010000-pp-ka.pem');
    expect(names).toContain('90b3d51f30010000-pp-ka.key');
    expect(names).toContain('00db1234567890a0-ka.key');
    for (const n of names) expect(n).toMatch(/^[0-9a-f]{16}-(ds|ka|pp-ka)\.(pem|key)$/);
    // Same file kinds and PEM labels as the RTDS directory.
    const rtdsNames = new Set(readdirSync(RTDS));
    for (const n of ['90b3d51f30010000-ds.pem', '90b3d51f30010000-ds.key', '90b3d51f30010000-pp-ka.key']) expect(rtdsNames.has(n)).toBe(true);
    const key = keystoreFiles(parties).find((f) => f.name.endsWith('.key'))!.text;
    expect(key.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(readFileSync(join(RTDS, '90b3d51f30010000-ds.key'), 'utf8').startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(keystoreFiles(parties, { publicOnly: true }).some((f) => f.name.endsWith('.key'))).toBe(false);
  });

  it('the runtime Keystore reads what was written: roles, ACB, keys and certificates', () => {
    const ks = keystoreOf(parties);
    expect(ks.warnings).toEqual([]);
    expect(ks.acb()).toBe('90B3D51F30000002');
    expect(ks.role(E('90B3D51F30010000'))).toBe(ROLES.supplier);
    expect(ks.role(E('90B3D51F30020000'))).toBe(ROLES.networkOperator);
    expect(ks.role(E('00DB1234567890A0'))).toBeUndefined();
    expect(ks.usages(E('90B3D51F30010000'))).toEqual(['ds', 'ka', 'pp-ka']);
    const dev = parties.find((p) => p.kind === 'device')!;
    expect(ks.privateKey(E('00DB1234567890A0'), 'ds')!.equals(dev.credentials.ds!.privateKey)).toBe(true);
    expect(ks.publicKey(E('00DB1234567890A0'), 'ka')!.equals(dev.credentials.ka!.certificate.publicKey)).toBe(true);
    expect(ks.certificateInfo(E('00DB1234567890A0'), 'ka')).toMatchObject({ eui: '00DB1234567890A0', euiSource: 'hwModuleName', keyUsage: ['keyAgreement'] });
  });

  it('round-trips through importKeystoreFiles without problems', () => {
    const imported = importKeystoreFiles(keystoreFiles(parties));
    expect(imported.every((i) => i.problems.length === 0)).toBe(true);
    const again = partiesFromImport(imported);
    expect(keystoreFiles(again)).toEqual(keystoreFiles(parties));
  });

  it('imports the RTDS keystore as organisation credentials and reports its quirks', () => {
    const imported = importKeystoreFiles(rtdsFiles());
    const bySlot = new Map(imported.map((i) => [`${i.eui}-${i.slot}`, i]));
    const supplier = bySlot.get('90B3D51F30010000-ds')!;
    expect(supplier.role).toBe(ROLES.supplier);
    expect(supplier.problems).toEqual([]);
    expect(createPublicKey(supplier.privateKey!).equals(supplier.certificate!.publicKey)).toBe(true);
    expect(bySlot.get('90B3D51F30000007-ka')!.problems).toContain('certificate is for 90B3D51F30030000, file name says 90B3D51F30000007');
    expect(bySlot.get('90B3D51F30010008-ds')!.problems.join('; ')).toMatch(/self-signed/);
    expect(bySlot.get('FFFFFFFFFFFFFFFE-ka')!.problems[0]).toMatch(/bare public key/);
    const devices = imported.filter((i) => i.certificate?.kind === 'device');
    expect(devices).toHaveLength(400);
    expect(devices.every((d) => d.problems.length === 0 && d.privateKey === undefined)).toBe(true);
    const orgs = partiesFromImport(imported);
    expect(orgs.map((p) => `${p.eui}:${p.role}`).sort()).toEqual([
      '90B3D51F30000001:1',
      '90B3D51F30000002:4',
      '90B3D51F30000004:5',
      '90B3D51F30000007:6',
      '90B3D51F30010000:2',
      '90B3D51F30020000:3',
      '90B3D51F30030000:2',
    ]);
  });
});

describe('DCC Boxed keystore.json', () => {
  /** A keystore.json in the DCC Boxed shape built from the real RTDS Z1 credentials plus an XML-signing entry. */
  function rtdsAsDccBoxed(): string {
    const doc: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {};
    const add = (file: string, name: string, role?: number) => {
      const certText = readFileSync(join(RTDS, `${file}.pem`), 'utf8');
      const c = readCertificate(certText);
      const usage = c.usage === 'digitalSignature' ? 'digitalSignature' : 'keyAgreement';
      const serial = BigInt(`0x${Buffer.from(c.serial).toString('hex')}`).toString();
      const entry: Record<string, unknown> = { certificate: certText, privateKey: readFileSync(join(RTDS, `${file}.key`), 'utf8'), name };
      if (role !== undefined) entry.role = role;
      ((doc[c.eui!.toLowerCase()] ??= {})[usage] ??= {})[serial] = entry;
    };
    add('90b3d51f30010000-ds', 'Z1-supplier-ds', 2);
    add('90b3d51f30010000-ka', 'Z1-supplier-ka', 2);
    add('90b3d51f30010000-pp-ka', 'Z1-supplierPP-ka', 2);
    add('90b3d51f30000002-ds', 'Z1-accessControlBroker-ds', 4);
    add('90b3d51f30000002-ka', 'Z1-accessControlBroker-ka', 4);
    add('90b3d51f30010008-ds', 'xml-sign-90B3D51F30010008-ds', 135);
    return JSON.stringify(doc, null, 2);
  }

  it('parses entries with slot, role, certificate and key', () => {
    const entries = parseDccBoxedKeystore(rtdsAsDccBoxed());
    expect(entries).toHaveLength(6);
    const pp = entries.find((e) => e.name === 'Z1-supplierPP-ka')!;
    expect(pp.slot).toBe('pp-ka');
    expect(pp.eui).toBe('90B3D51F30010000');
    expect(pp.problems).toEqual([]);
    expect(entries.find((e) => e.name === 'Z1-supplier-ka')!.slot).toBe('ka');
  });

  it('selects GBCS credentials and converts them to the keystore layout the runtime Keystore reads', () => {
    const { files, selection } = dccBoxedToKeystoreFiles(rtdsAsDccBoxed());
    expect(selection.selected.map((e) => e.name)).toEqual(['Z1-accessControlBroker-ds', 'Z1-accessControlBroker-ka', 'Z1-supplier-ds', 'Z1-supplier-ka', 'Z1-supplierPP-ka']);
    expect(selection.skipped.map((s) => s.reason)).toEqual(['role 135 is not a GBCS remote party role']);
    expect(files.map((f) => f.name)).toContain('90b3d51f30010000-pp-ka.key');
    const ks = Keystore.fromFiles(files);
    expect(ks.warnings).toEqual([]);
    expect(ks.acb()).toBe('90B3D51F30000002');
    // The imported supplier KA certificate is byte-identical to the RTDS file.
    expect(files.find((f) => f.name === '90b3d51f30010000-ka.pem')!.text).toBe(readFileSync(join(RTDS, '90b3d51f30010000-ka.pem'), 'utf8'));
  });

  it('chooses between generations: latest by default, or the preferred name', async () => {
    const gen2 = await pki.issueOrganisation({ role: ROLES.supplier, eui: '90B3D51F30010000', generation: 2 });
    const merged = JSON.parse(rtdsAsDccBoxed());
    const ours = JSON.parse(toDccBoxedKeystore([gen2], 'Z9'));
    for (const [usage, bySerial] of Object.entries(ours['90b3d51f30010000'] as Record<string, object>)) Object.assign(merged['90b3d51f30010000'][usage], bySerial);
    const entries = parseDccBoxedKeystore(JSON.stringify(merged));
    const latest = selectDccBoxedCredentials(entries).selected.filter((e) => e.eui === '90B3D51F30010000');
    expect(latest.map((e) => e.name)).toEqual(['Z9-supplier-ds', 'Z9-supplier-ka', 'Z1-supplierPP-ka']);
    const z1 = selectDccBoxedCredentials(entries, { prefer: /^Z1-/ }).selected.filter((e) => e.eui === '90B3D51F30010000');
    expect(z1.map((e) => e.name)).toEqual(['Z1-supplier-ds', 'Z1-supplier-ka', 'Z1-supplierPP-ka']);
  });

  it('writes a simulated estate as keystore.json and reads it back identically', () => {
    const json = toDccBoxedKeystore(parties);
    const entries = parseDccBoxedKeystore(json);
    expect(entries.every((e) => e.problems.length === 0)).toBe(true);
    const supplierPp = entries.find((e) => e.eui === '90B3D51F30010000' && e.slot === 'pp-ka')!;
    expect(supplierPp.name).toBe('SIM-supplierPP-ka');
    const back = dccBoxedParties(entries);
    expect(keystoreFiles(back)).toEqual(keystoreFiles(parties));
  });

  it('reports structural errors with the JSON path', () => {
    expect(() => parseDccBoxedKeystore('[')).toThrow(/SMKI bad-input: keystore.json: not JSON/);
    expect(() => parseDccBoxedKeystore('{"xyz": {}}')).toThrow(/key "xyz" is not an EUI-64/);
    expect(() => parseDccBoxedKeystore('{"90b3d51f30010000": {"signing": {}}}')).toThrow(/90b3d51f30010000\.signing is not digitalSignature or keyAgreement/);
    expect(() => parseDccBoxedKeystore('{"90b3d51f30010000": {"keyAgreement": {"1": {"role": "two"}}}}')).toThrow(/90b3d51f30010000\.keyAgreement\.1\.role must be an integer/);
    expect(() => parseDccBoxedKeystore('{"90b3d51f30010000": {"keyAgreement": {"1": {"certificate": "junk"}}}}')).toThrow(/SMKI malformed-pem: keystore.json: 90b3d51f30010000\.keyAgreement\.1\.certificate: no PEM block/);
    const mismatched = parseDccBoxedKeystore('{"90b3d51f30010000": {"keyAgreement": {"1": {}}}}');
    expect(mismatched[0]!.problems).toEqual(['no certificate']);
  });
});
