import { spawnSync } from 'node:child_process';
import { createPublicKey, diffieHellman, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../protocols/bytes.js';
import { ecdsaSign, ecdsaVerify } from '../protocols/crypto/ecdsa.js';
import { type DerTlv, childrenOf, readTlv } from '../protocols/asn1/der.js';
import {
  DEVICE_TYPES,
  OID,
  POLICY_SETS,
  type PartyCredentials,
  Pki,
  ROLES,
  type SmkiCertificate,
  keyIdentifierHex,
  profileProblems,
  readCertificate,
} from '../protocols/smki/index.js';

const RTDS = '/work/shared/rtds/keystore';
const rtds = (name: string) => readCertificate(readFileSync(join(RTDS, name), 'utf8'), name);

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'smki-issue-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `openssl verify` in the strict RFC 5280 + policy mode; returns one status line per leaf. */
function opensslVerify(root: SmkiCertificate, intermediates: SmkiCertificate[], leaves: SmkiCertificate[], policy: string): string[] {
  const dir = mkdtempSync(join(work, 'v-'));
  const write = (name: string, certs: SmkiCertificate[]) => {
    const p = join(dir, name);
    writeFileSync(p, certs.map((c) => c.pem).join(''));
    return p;
  };
  const leafFiles = leaves.map((c, i) => write(`leaf${i}.pem`, [c]));
  // -attime keeps the check independent of the machine clock; it is a moment when every certificate is valid.
  const at = Math.floor(Math.max(...[root, ...intermediates, ...leaves].map((c) => c.notBefore.getTime())) / 1000) + 86_400;
  const args = ['verify', '-x509_strict', '-policy_check', '-explicit_policy', '-policy', policy, '-attime', String(at), '-CAfile', write('root.pem', [root])];
  if (intermediates.length) args.push('-untrusted', write('ca.pem', intermediates));
  const r = spawnSync('openssl', [...args, ...leafFiles], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`
    .trim()
    .split('\n')
    .map((l) => l.replace(`${dir}/`, ''));
}

describe('SMKI issuance', () => {
  let pki: Pki;
  let orgs: PartyCredentials[];
  let device: PartyCredentials;

  beforeAll(async () => {
    pki = await Pki.create({ seed: 20261123 });
    orgs = await pki.issueDefaultOrganisations();
    device = await pki.issueDevice({ eui: '00DB123456789001', type: 'esme' });
  });

  it('issues a conformant root, organisation CA and device CA', () => {
    const oca = pki.organisationCa!.certificate;
    const dca = pki.deviceCa!.certificate;
    expect(pki.root.kind).toBe('root');
    expect(pki.root.subjectText).toBe('OU=00, CN=SR');
    expect(pki.root.aki).toBeUndefined();
    expect(oca.subjectText).toBe('OU=07, CN=S1');
    expect(oca.role).toBe(ROLES.issuingAuthority);
    expect(dca.subjectText).toBe('CN=S357');
    for (const ca of [oca, dca]) {
      expect(ca.kind).toBe('ca');
      expect(ca.aki).toBe(pki.root.ski);
      expect(ca.basicConstraints).toEqual({ ca: true, pathLength: 0 });
      expect(toHex(ca.extensions.find((e) => e.oid === OID.basicConstraints)!.value)).toBe('30060101FF020100');
    }
    for (const c of [pki.root, oca, dca]) expect(profileProblems(c)).toEqual([]);
  });

  it('issues DS and KA for every organisation role, and a prepayment KA for the supplier', () => {
    const roles = orgs.map((o) => o.role);
    expect(roles).toEqual(expect.arrayContaining([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x7f]));
    for (const o of orgs) {
      expect(o.credentials.ds!.certificate.usage).toBe('digitalSignature');
      expect(o.credentials.ka!.certificate.usage).toBe('keyAgreement');
      for (const c of Object.values(o.credentials)) {
        expect(c.certificate.role).toBe(o.role);
        expect(c.certificate.eui).toBe(o.eui);
        expect(profileProblems(c.certificate)).toEqual([]);
        expect(createPublicKey(c.privateKey).equals(c.certificate.publicKey)).toBe(true);
      }
      expect(Boolean(o.credentials['pp-ka'])).toBe(o.role === ROLES.supplier);
    }
    const supplier = orgs.find((o) => o.role === ROLES.supplier)!;
    expect(supplier.credentials['pp-ka']!.certificate.publicKey.equals(supplier.credentials.ka!.certificate.publicKey)).toBe(false);
    expect(supplier.credentials.ds!.certificate.commonName).toBe('SIMSUPPLIER');
    expect(supplier.credentials.ka!.certificate.commonName).toBeUndefined();
  });

  it('every issued certificate passes openssl verify -x509_strict -policy_check -explicit_policy', () => {
    const orgLeaves = orgs.flatMap((o) => Object.values(o.credentials).map((c) => c.certificate));
    const devLeaves = Object.values(device.credentials).map((c) => c.certificate);
    const orgLines = opensslVerify(pki.root, [pki.organisationCa!.certificate], orgLeaves, POLICY_SETS.rtds.organisation);
    const devLines = opensslVerify(pki.root, [pki.deviceCa!.certificate], devLeaves, POLICY_SETS.rtds.device);
    const caLines = opensslVerify(pki.root, [], [pki.organisationCa!.certificate, pki.deviceCa!.certificate], POLICY_SETS.rtds.organisation);
    expect(orgLines).toEqual(orgLeaves.map((_, i) => `leaf${i}.pem: OK`));
    expect(devLines).toEqual(devLeaves.map((_, i) => `leaf${i}.pem: OK`));
    // The device CA asserts only the device policy, so checking it under the organisation policy must fail.
    expect(caLines[0]).toBe('leaf0.pem: OK');
    expect(caLines.join('\n')).toMatch(/leaf1\.pem: verification failed|error 43/);
    expect(opensslVerify(pki.root, [], [pki.deviceCa!.certificate], POLICY_SETS.rtds.device)).toEqual(['leaf0.pem: OK']);
  });

  it('the zaz1 policy set verifies too, with ZAZ1 policy and hwType on device certificates', async () => {
    const z = await Pki.create({ seed: 'zaz1 estate', policy: 'zaz1' });
    const d = await z.issueDevice({ eui: '887384570002F966' });
    const o = await z.issueOrganisation({ role: ROLES.accessControlBroker, eui: '90B3D51F30000002' });
    const ds = d.credentials.ds!.certificate;
    expect(ds.policies).toEqual([POLICY_SETS.zaz1.device]);
    expect(ds.hwType).toBe(POLICY_SETS.zaz1.hwType);
    expect(z.root.policies).toEqual([POLICY_SETS.zaz1.organisation]);
    const leaves = [ds, d.credentials.ka!.certificate];
    expect(opensslVerify(z.root, [z.deviceCa!.certificate], leaves, POLICY_SETS.zaz1.device)).toEqual(['leaf0.pem: OK', 'leaf1.pem: OK']);
    expect(opensslVerify(z.root, [z.organisationCa!.certificate], [o.credentials.ds!.certificate], POLICY_SETS.zaz1.organisation)).toEqual(['leaf0.pem: OK']);
  });

  it('is deterministic: the same seed gives the same certificates and keys byte for byte', async () => {
    const again = await Pki.create({ seed: 20261123 });
    expect(again.root.pem).toBe(pki.root.pem);
    expect(again.organisationCa!.certificate.pem).toBe(pki.organisationCa!.certificate.pem);
    expect(again.organisationCa!.keyPem).toBe(pki.organisationCa!.keyPem);
    expect(again.deviceCa!.certificate.pem).toBe(pki.deviceCa!.certificate.pem);
    const orgs2 = await again.issueDefaultOrganisations();
    const dev2 = await again.issueDevice({ eui: '00DB123456789001' });
    const pems = (ps: PartyCredentials[]) => ps.flatMap((p) => Object.values(p.credentials).flatMap((c) => [c.certificate.pem, c.keyPem]));
    expect(pems(orgs2)).toEqual(pems(orgs));
    expect(pems([dev2])).toEqual(pems([device]));
    // Issuing in a different order, or issuing other parties first, changes nothing.
    const third = await Pki.create({ seed: 20261123 });
    await third.issueDevice({ eui: '00DB1234567890FF' });
    expect(pems([await third.issueDevice({ eui: '00DB123456789001' })])).toEqual(pems([device]));
  });

  it('different seeds give unrelated PKIs', async () => {
    const other = await Pki.create({ seed: 20261124 });
    expect(other.root.ski).not.toBe(pki.root.ski);
    expect(toHex(other.root.serial)).not.toBe(toHex(pki.root.serial));
  });

  it('serials are 16 positive octets and key identifiers follow method 2', () => {
    const all = [pki.root, pki.organisationCa!.certificate, pki.deviceCa!.certificate, ...orgs.flatMap((o) => Object.values(o.credentials).map((c) => c.certificate))];
    for (const c of all) {
      expect(c.serial.length).toBe(16);
      expect(c.serial[0]! & 0x80).toBe(0);
      expect(c.ski).toBe(keyIdentifierHex(c.publicPoint));
      expect(c.ski!.length).toBe(16);
      expect(c.ski![0]).toBe('4');
    }
    expect(new Set(all.map((c) => toHex(c.serial))).size).toBe(all.length);
  });

  it('certifies a key generated by the device (CS02c), keeping the private key out of the PKI', async () => {
    const own = (await Pki.create({ seed: 'device side' })).deviceCa!.privateKey;
    const pub = createPublicKey(own);
    const cert = await pki.certifyDeviceKey({ eui: '00DB1234567890A0', usage: 'keyAgreement', publicKey: pub });
    expect(cert.publicKey.equals(pub)).toBe(true);
    expect(cert.usage).toBe('keyAgreement');
    expect(profileProblems(cert)).toEqual([]);
  });

  it('keys sign and agree: GBCS-style raw r‖s signatures verify with node:crypto, ECDH agrees', () => {
    const supplier = orgs.find((o) => o.role === ROLES.supplier)!;
    const message = new TextEncoder().encode('DF 09 01 … a critical GBCS command');
    const rs = sign('sha256', message, { key: supplier.credentials.ds!.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(rs.length).toBe(64);
    expect(verify('sha256', message, { key: supplier.credentials.ds!.certificate.publicKey, dsaEncoding: 'ieee-p1363' }, rs)).toBe(true);
    expect(verify('sha256', Buffer.from('tampered'), { key: supplier.credentials.ds!.certificate.publicKey, dsaEncoding: 'ieee-p1363' }, rs)).toBe(false);
    const devSig = ecdsaSign(device.credentials.ds!.privateKey, message, { deterministic: true });
    expect(ecdsaVerify(device.credentials.ds!.certificate.publicKey, message, devSig)).toBe(true);
    const z1 = diffieHellman({ privateKey: device.credentials.ka!.privateKey, publicKey: supplier.credentials.ka!.certificate.publicKey });
    const z2 = diffieHellman({ privateKey: supplier.credentials.ka!.privateKey, publicKey: device.credentials.ka!.certificate.publicKey });
    expect(z1.length).toBe(32);
    expect(z1.equals(z2)).toBe(true);
  });

  it('refuses bad issuing input with clear reasons', async () => {
    await expect(pki.issueDevice({ eui: 'not-an-eui' })).rejects.toThrow(/SMKI bad-input: .*not an EUI-64/);
    await expect(pki.issueOrganisation({ role: ROLES.issuingAuthority, eui: '90B3D51F30000099' })).rejects.toThrow(/belongs to a CA/);
    await expect(Pki.create({ seed: '' })).rejects.toThrow(/seed is empty/);
    await expect(Pki.create({ seed: 1, policy: 'bogus' as 'rtds' })).rejects.toThrow(/unknown policy set/);
    await expect(Pki.create({ seed: 1, signer: () => new Uint8Array(64) })).rejects.toThrow(/does not verify/);
    expect(DEVICE_TYPES).not.toContain('ihd');
  });
});

// ---- field-by-field comparison with the real RTDS certificates ----

function skeleton(der: Uint8Array): string[] {
  const out: string[] = [];
  const walk = (t: DerTlv, depth: number) => {
    out.push(`${depth}:${t.id.toString(16)}`);
    if (t.id & 0x20) for (const c of childrenOf(der, t)) walk(c, depth + 1);
  };
  walk(readTlv(der, 0), 0);
  return out;
}

interface Row {
  field: string;
  ours: string;
  rtds: string;
}

function nameShape(c: SmkiCertificate, which: 'issuer' | 'subject'): string {
  const attrs = which === 'issuer' ? c.issuerAttributes : c.subjectAttributes;
  const names: Record<string, string> = { [OID.commonName]: 'CN', [OID.organizationalUnitName]: 'OU', [OID.x500UniqueIdentifier]: 'uid' };
  const tags: Record<number, string> = { 0x13: 'Printable', 0x0c: 'UTF8', 0x03: 'BIT STRING' };
  return attrs.length ? attrs.map((a) => `${names[a.oid]}:${tags[a.tag] ?? a.tag}`).join(' ') : `empty (${toHex(which === 'issuer' ? c.issuer : c.subject)})`;
}

/** The comparison the issue asks for; values that are keys, ids, names or dates are described by shape. */
function compare(ours: SmkiCertificate, ref: SmkiCertificate): Row[] {
  const rows: Row[] = [];
  const add = (field: string, f: (c: SmkiCertificate) => string) => rows.push({ field, ours: f(ours), rtds: f(ref) });
  const ext = (c: SmkiCertificate, oidText: string) => c.extensions.find((e) => e.oid === oidText);
  add('version', (c) => String(c.version));
  add('serial length', (c) => `${c.serial.length} octets, top bit ${c.serial[0]! >> 7}`);
  add('signatureAlgorithm DER', (c) => toHex(c.signatureAlgorithm));
  add('tbs signature DER', (c) => toHex(c.tbsSignatureAlgorithm));
  add('issuer structure', (c) => nameShape(c, 'issuer'));
  add('subject structure', (c) => nameShape(c, 'subject'));
  add('notBefore encoding', (c) => (c.notBeforeTag === 0x17 ? 'UTCTime' : 'GeneralizedTime'));
  add('notAfter encoding', (c) => (c.notAfterTag === 0x17 ? 'UTCTime' : 'GeneralizedTime'));
  add('SPKI algorithm', (c) => toHex(c.publicKey.export({ type: 'spki', format: 'der' }).subarray(2, 23)));
  add('point', (c) => `${c.publicPoint.length} octets, 0x${c.publicPoint[0]!.toString(16).padStart(2, '0')}`);
  add('extension order', (c) => c.extensions.map((e) => e.oid).join(' '));
  add('critical flags', (c) => c.extensions.map((e) => (e.critical ? 'C' : '-')).join(''));
  add('keyUsage value', (c) => toHex(ext(c, OID.keyUsage)!.value));
  add('certificatePolicies value', (c) => toHex(ext(c, OID.certificatePolicies)!.value));
  add('SKI', (c) => `${c.ski!.length / 2} octets, method 2: ${c.ski === keyIdentifierHex(c.publicPoint)}`);
  add('AKI shape', (c) => `${toHex(ext(c, OID.authorityKeyIdentifier)!.value).slice(0, 8)} + ${c.aki!.length / 2} octets`);
  const san = (c: SmkiCertificate) => ext(c, OID.subjectAltName);
  if (san(ref)) add('subjectAltName value', (c) => toHex(san(c)!.value));
  add('DER skeleton (tag tree)', (c) => `${skeleton(c.der).length} nodes`);
  return rows;
}

function table(title: string, rows: Row[]): string {
  const w = Math.max(...rows.map((r) => r.field.length));
  return [title, ...rows.map((r) => `${r.ours === r.rtds ? 'same' : 'DIFF'}  ${r.field.padEnd(w)}  ${r.ours}${r.ours === r.rtds ? '' : `  vs RTDS ${r.rtds}`}`)].join('\n');
}

describe('issued certificates match the real RTDS profiles', () => {
  let pki: Pki;
  beforeAll(async () => {
    pki = await Pki.create({ seed: 'rtds comparison' });
  });

  it('device DS and KA: same extensions, criticality, encodings and DER skeleton as 00db123456789001', async () => {
    const d = await pki.issueDevice({ eui: '00DB123456789001' });
    for (const slot of ['ds', 'ka'] as const) {
      const ours = d.credentials[slot]!.certificate;
      const ref = rtds(`00db123456789001-${slot}.pem`);
      const rows = compare(ours, ref);
      console.log(table(`device ${slot} vs RTDS 00db123456789001-${slot}.pem`, rows));
      for (const r of rows) expect(r.ours, r.field).toBe(r.rtds);
      expect(skeleton(ours.der)).toEqual(skeleton(ref.der));
      expect(ours.notAfter.toISOString()).toBe(ref.notAfter.toISOString());
      expect(toHex(ours.subject)).toBe('3000');
    }
  });

  it('organisation DS and KA: same as the real Z1 supplier certificates 90b3d51f30010000', async () => {
    const o = await pki.issueOrganisation({ role: ROLES.supplier, eui: '90B3D51F30010000', name: 'GITTESTSUPPLIER', prepayment: true });
    for (const slot of ['ds', 'ka', 'pp-ka'] as const) {
      const ours = o.credentials[slot]!.certificate;
      const ref = rtds(`90b3d51f30010000-${slot}.pem`);
      const rows = compare(ours, ref);
      console.log(table(`organisation ${slot} vs RTDS 90b3d51f30010000-${slot}.pem`, rows));
      for (const r of rows) expect(r.ours, r.field).toBe(r.rtds);
      expect(skeleton(ours.der)).toEqual(skeleton(ref.der));
      // Same role, EUI and name: the subject is byte-identical to the real one.
      expect(toHex(ours.subject)).toBe(toHex(ref.subject));
    }
  });

  it('the other roles match their RTDS counterparts', async () => {
    const cases: Array<[number, string]> = [
      [ROLES.recovery, '90b3d51f30000001-ds.pem'],
      [ROLES.accessControlBroker, '90b3d51f30000002-ds.pem'],
      [ROLES.accessControlBroker, '90b3d51f30000002-ka.pem'],
      [ROLES.transitionalCoS, '90b3d51f30000004-ds.pem'],
      [ROLES.wanProvider, '90b3d51f30000007-ds.pem'],
      [ROLES.networkOperator, '90b3d51f30020000-ds.pem'],
      [ROLES.networkOperator, '90b3d51f30020000-ka.pem'],
    ];
    for (const [role, file] of cases) {
      const ref = rtds(file);
      const o = await pki.issueOrganisation({ role, eui: ref.eui!, ...(ref.commonName ? { name: ref.commonName } : {}) });
      const ours = o.credentials[file.includes('-ds') ? 'ds' : 'ka']!.certificate;
      for (const r of compare(ours, ref)) expect(r.ours, `${file} ${r.field}`).toBe(r.rtds);
      expect(toHex(ours.subject), file).toBe(toHex(ref.subject));
    }
  });

  it('the profile checker accepts every conformant RTDS certificate and names what is odd about the rest', () => {
    const files = readdirSync(RTDS).filter((f) => f.endsWith('.pem') && f !== 'fffffffffffffffe-ka.pem');
    const odd = new Map<string, string[]>();
    for (const f of files) {
      const problems = profileProblems(rtds(f));
      if (problems.length) odd.set(f, problems);
    }
    expect(files.length).toBeGreaterThan(400);
    // notes/smki.md §1.6: the load controller pair is self-signed with a UTF8String issuer and no AKI.
    expect([...odd.keys()].sort()).toEqual(['90b3d51f30010008-ds.pem', '90b3d51f30010008-ka.pem']);
    expect(odd.get('90b3d51f30010008-ds.pem')!.join('; ')).toMatch(/self-signed.*PrintableString|no authorityKeyIdentifier/);
  });
});
