import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Eui64 } from '../protocols/eui.js';
import { deterministicSigner, issueOrganisationCertificate } from '../protocols/smki/issue.js';
import {
  type Expectation,
  type PartyCredentials,
  Pki,
  ROLES,
  type SmkiCertificate,
  SmkiError,
  type SmkiFailure,
  type TrustStore,
  cellExpectation,
  deriveKeyPair,
  deriveSerial,
  readCertificate,
  rolesForUsage,
  toPem,
  trustStore,
  validateCertificate,
} from '../protocols/smki/index.js';

function reason(f: () => unknown): { reason: SmkiFailure; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof SmkiError) return { reason: e.reason, message: e.message };
    throw e;
  }
  throw new Error('expected an SmkiError');
}

/** A copy of `der` with one octet changed at `at` (an offset into the certificate). */
function flip(der: Uint8Array, at: number): Uint8Array {
  const c = der.slice();
  c[at] = c[at]! ^ 0x01;
  return c;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(hay).indexOf(Buffer.from(needle));
}

let work: string;
let pki: Pki;
let trust: TrustStore;
let supplier: PartyCredentials;
let acb: PartyCredentials;
let device: PartyCredentials;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'smki-validate-'));
  pki = await Pki.create({ seed: 'validation' });
  trust = { anchors: [pki.root], intermediates: pki.intermediates };
  supplier = await pki.issueOrganisation({ role: ROLES.supplier, eui: '90B3D51F30010000', prepayment: true });
  acb = await pki.issueOrganisation({ role: ROLES.accessControlBroker, eui: '90B3D51F30000002' });
  device = await pki.issueDevice({ eui: '00DB1234567890A0', type: 'esme' });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cert = (p: PartyCredentials, slot: 'ds' | 'ka' | 'pp-ka' = 'ds') => p.credentials[slot]!.certificate;

describe('accepting good certificates', () => {
  it('chains device and organisation certificates to the root and checks the party', () => {
    const d = validateCertificate(cert(device), trust, { kind: 'device', eui: '00DB1234567890A0' as Eui64, usage: 'digitalSignature' });
    expect(d.path.map((c) => c.subjectText)).toEqual(['(empty)', 'CN=S357', 'OU=00, CN=SR']);
    const o = validateCertificate(cert(supplier, 'ka'), trust, {
      kind: 'organisation',
      roles: [ROLES.supplier],
      eui: '90B3D51F30010000' as Eui64,
      usage: 'keyAgreement',
      at: new Date(cert(supplier).notBefore.getTime() + 1000),
    });
    expect(o.path).toHaveLength(3);
  });

  it('accepts PEM text directly and via a trust store of PEM texts', () => {
    const t = trustStore([pki.root.pem], pki.intermediates.map((c) => c.pem));
    expect(validateCertificate(cert(acb).pem, t, cellExpectation(ROLES.accessControlBroker, 'digitalSignature')).certificate.role).toBe(ROLES.accessControlBroker);
  });

  it('maps trust anchor cells to roles as GBCS devices hold them', () => {
    expect(rolesForUsage('keyAgreement')).toEqual([ROLES.supplier, ROLES.networkOperator, ROLES.accessControlBroker, ROLES.loadController]);
    expect(rolesForUsage('keyAgreement', 'prePaymentTopUp')).toEqual([ROLES.supplier]);
    expect(validateCertificate(cert(supplier, 'pp-ka'), trust, cellExpectation(ROLES.supplier, 'keyAgreement', 'prePaymentTopUp')).certificate.usage).toBe('keyAgreement');
  });
});

describe('rejecting bad certificates with a reason', () => {
  it('tampered TBS: an altered EUI or serial breaks the signature', () => {
    const der = cert(supplier).der;
    const eui = indexOf(der, Buffer.from('90B3D51F30010000', 'hex'));
    expect(eui).toBeGreaterThan(0);
    const r1 = reason(() => validateCertificate(flip(der, eui + 7), trust));
    expect(r1.reason).toBe('bad-signature');
    expect(r1.message).toMatch(/signature does not verify under OU=07, CN=S1: the certificate was altered or forged/);
    const serialAt = indexOf(der, cert(supplier).serial);
    expect(reason(() => validateCertificate(flip(der, serialAt + 15), trust)).reason).toBe('bad-signature');
  });

  it('tampered signature value', () => {
    const der = cert(device).der;
    expect(reason(() => validateCertificate(flip(der, der.length - 1), trust)).reason).toBe('bad-signature');
  });

  it('forged certificate naming our CA and its key id but signed with another key', async () => {
    const attacker = deriveKeyPair(new Uint8Array([9]), 'attacker');
    const victim = deriveKeyPair(new Uint8Array([9]), 'victim');
    const forged = await issueOrganisationCertificate(
      { serial: deriveSerial(new Uint8Array([9]), 'f'), notBefore: new Date(Date.UTC(2025, 0, 1)), notAfter: new Date(Date.UTC(2030, 0, 1)), usage: 'digitalSignature', policy: pki.policy.organisation, eui: '90B3D51F30000002' as Eui64, role: ROLES.accessControlBroker },
      victim.publicKey,
      { certificate: pki.organisationCa!.certificate, privateKey: attacker.privateKey },
      deterministicSigner,
    );
    expect(forged.issuerText).toBe('OU=07, CN=S1');
    expect(forged.aki).toBe(pki.organisationCa!.certificate.ski);
    expect(reason(() => validateCertificate(forged, trust)).reason).toBe('bad-signature');
  });

  it('foreign chain: a certificate from another PKI (even with the same CA names) has no trusted issuer', async () => {
    const foreign = await Pki.create({ seed: 'someone else' });
    expect(foreign.organisationCa!.certificate.subjectText).toBe(pki.organisationCa!.certificate.subjectText);
    const f = await foreign.issueOrganisation({ role: ROLES.supplier, eui: '90B3D51F30010000' });
    const r = reason(() => validateCertificate(cert(f), trust));
    expect(r.reason).toBe('broken-chain');
    expect(r.message).toMatch(/issuer OU=07, CN=S1 \(key id 4[0-9A-F]{15}\) is not a trusted CA/);
    // The foreign intermediate alone does not help: its root is not trusted.
    const r2 = reason(() => validateCertificate(cert(f), { anchors: [pki.root], intermediates: [...pki.intermediates, ...foreign.intermediates] }));
    expect(r2.reason).toBe('broken-chain');
    expect(r2.message).toMatch(/reached from/);
    // Real RTDS certificates do not chain to the simulator's root either.
    const rtds = readCertificate(readFileSync('/work/shared/rtds/keystore/00db123456789001-ds.pem', 'utf8'));
    expect(reason(() => validateCertificate(rtds, trust)).message).toMatch(/issuer CN=E357 \(key id 47D40AF3412904A0\) is not a trusted CA/);
  });

  it('missing intermediate is a broken chain', () => {
    expect(reason(() => validateCertificate(cert(device), { anchors: [pki.root] })).reason).toBe('broken-chain');
  });

  it('an end-entity certificate cannot act as an issuer', async () => {
    // DCC Boxed signs ad hoc device certificates with the ACB DS key; a conformant device refuses that path.
    const fake = await issueOrganisationCertificate(
      { serial: deriveSerial(new Uint8Array([3]), 'x'), notBefore: new Date(Date.UTC(2025, 0, 1)), notAfter: new Date(Date.UTC(2030, 0, 1)), usage: 'digitalSignature', policy: pki.policy.organisation, eui: '90B3D51F30000099' as Eui64, role: ROLES.supplier },
      deriveKeyPair(new Uint8Array([3]), 'k').publicKey,
      { certificate: cert(acb), privateKey: acb.credentials.ds!.privateKey },
      deterministicSigner,
    );
    const r = reason(() => validateCertificate(fake, { anchors: [pki.root], intermediates: [...pki.intermediates, cert(acb)] }));
    expect(r.reason).toBe('profile');
    expect(r.message).toMatch(/issuer .* is not a PrintableString/);
  });

  it('wrong role for the operation', () => {
    const r = reason(() => validateCertificate(cert(supplier), trust, { roles: [ROLES.accessControlBroker] }));
    expect(r.reason).toBe('wrong-role');
    expect(r.message).toMatch(/role 02 \(supplier\) is not allowed here \(needs 04 \(accessControlBroker\)\)/);
    expect(reason(() => validateCertificate(cert(device), trust, { roles: [ROLES.supplier] })).reason).toBe('wrong-role');
    expect(reason(() => validateCertificate(cert(acb), trust, { kind: 'device' })).reason).toBe('wrong-role');
    expect(reason(() => cellExpectation(ROLES.transitionalCoS, 'keyAgreement')).message).toMatch(/no management keyAgreement trust anchor cell exists for role 05/);
    expect(reason(() => cellExpectation(ROLES.networkOperator, 'keyAgreement', 'prePaymentTopUp')).reason).toBe('wrong-role');
  });

  it('wrong EUI, wrong usage, wrong policy, expiry', () => {
    expect(reason(() => validateCertificate(cert(device), trust, { eui: '00DB1234567890A1' as Eui64 })).message).toMatch(
      /certificate is for 00-DB-12-34-56-78-90-A0, the party is 00-DB-12-34-56-78-90-A1/,
    );
    expect(reason(() => validateCertificate(cert(device, 'ka'), trust, { usage: 'digitalSignature' })).reason).toBe('wrong-usage');
    expect(reason(() => validateCertificate(cert(device), trust, { policies: ['1.2.826.0.1.8641679.1.2.1.4'] })).reason).toBe('wrong-policy');
    const o = cert(supplier);
    expect(reason(() => validateCertificate(o, trust, { at: new Date(o.notAfter.getTime() + 1000) })).reason).toBe('expired');
    expect(reason(() => validateCertificate(o, trust, { at: new Date(o.notBefore.getTime() - 1000) })).reason).toBe('not-yet-valid');
    // Device certificates never expire; at 2045 the organisation certificates have, the CAs not yet.
    const later = new Date(Date.UTC(2045, 0, 1));
    expect(validateCertificate(cert(device), trust, { at: later }).path).toHaveLength(3);
    expect(reason(() => validateCertificate(o, trust, { at: later })).reason).toBe('expired');
  });

  it('malformed PEM', () => {
    const pem = cert(device).pem;
    const cases: Array<[string, RegExp]> = [
      ['hello', /no PEM block found/],
      [pem.replace('-----END CERTIFICATE-----', '-----END PRIVATE KEY-----'), /BEGIN CERTIFICATE closed by END PRIVATE KEY|BEGIN line has no matching END/],
      [pem.replace(/\n-----END[^]*$/, '\n'), /BEGIN line has no matching END/],
      [pem.replace(/M/, '*'), /not valid base64/],
      [pem + pem, /expected one CERTIFICATE block, found 2 blocks/],
      [device.credentials.ds!.keyPem, /expected a CERTIFICATE block, found PRIVATE KEY/],
    ];
    for (const [text, re] of cases) {
      const r = reason(() => readCertificate(text));
      expect(r.reason).toBe('malformed-pem');
      expect(r.message).toMatch(re);
    }
  });

  it('malformed DER inside valid PEM', () => {
    const der = cert(device).der;
    const r = reason(() => readCertificate(toPem('CERTIFICATE', der.subarray(0, der.length - 10))));
    expect(r.reason).toBe('malformed-certificate');
    expect(reason(() => readCertificate(toPem('CERTIFICATE', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])))).reason).toBe('malformed-certificate');
  });

  it('wrong curve and wrong algorithm (certificates made by openssl)', () => {
    const make = (args: string[]) => {
      const out = join(work, `c${Math.random().toString(36).slice(2)}.pem`);
      const key = `${out}.key`;
      const r = spawnSync('openssl', ['req', '-x509', '-new', '-nodes', '-subj', '/CN=x', '-days', '1', '-keyout', key, '-out', out, ...args], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(out, 'utf8');
    };
    const p384 = reason(() => readCertificate(make(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-sha256'])));
    expect(p384.reason).toBe('wrong-curve');
    expect(p384.message).toMatch(/curve 1\.3\.132\.0\.34, not prime256v1/);
    const rsa = reason(() => readCertificate(make(['-newkey', 'rsa:2048', '-sha256'])));
    expect(rsa.reason).toBe('wrong-algorithm');
    // P-256 but made by openssl's defaults: 20-octet SKI, no policies, wrong serial: the profile says why.
    const plain = readCertificate(make(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-sha256']));
    const r = reason(() => validateCertificate(plain, { anchors: [plain] }));
    expect(r.reason).toBe('profile');
    expect(r.message).toMatch(/no certificatePolicies extension/);
  });

  it('errors are GbcsCryptoErrors, so the CLI prints them as one line', async () => {
    const { GbcsCryptoError } = await import('../protocols/errors.js');
    const e = (() => {
      try {
        readCertificate('nope');
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(GbcsCryptoError);
    expect((e as Error).message).not.toMatch(/\n/);
  });
});

describe('profile departures found in real material are refused', () => {
  it('self-signed RTDS load controller certificate', () => {
    const c = readCertificate(readFileSync('/work/shared/rtds/keystore/90b3d51f30010008-ds.pem', 'utf8'));
    const r = reason(() => validateCertificate(c, { anchors: [pki.root] }));
    expect(r.reason).toBe('profile');
    expect(r.message).toMatch(/self-signed/);
  });

  it('a certificate with an unexpected extension', async () => {
    const expectation: Expectation = { kind: 'organisation' };
    const c: SmkiCertificate = { ...cert(acb), extensions: [...cert(acb).extensions, { oid: '2.5.29.37', critical: false, value: new Uint8Array(), der: new Uint8Array() }] };
    expect(reason(() => validateCertificate(c, trust, expectation)).message).toMatch(/unexpected extension 2\.5\.29\.37/);
  });
});
