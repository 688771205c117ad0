import { type KeyObject, createPublicKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../protocols/bytes.js';
import { ecdhSharedSecret, ecdsaVerify } from '../protocols/crypto/index.js';
import type { Eui64 } from '../protocols/eui.js';
import { type TrustAnchorCellIdentifier, type TrustAnchorReplacement, decodeDer, encodeDer } from '../protocols/gbcs/asn1/index.js';
import { decodeFrameWithLayout } from '../protocols/gbcs/frame.js';
import type { Payload } from '../protocols/gbcs/payload.js';
import { computeMac, macKey, signedBytes } from '../protocols/gbcs/security.js';
import { type PartyCredentials, Pki, type SmkiCertificate } from '../protocols/smki/index.js';
import { RTDS_ROOT } from '../firmware-sim/asn1/trust-path.js';
import { Bench, PARTY, asn1, keystore, value } from './asn1-engine-harness.js';

/*
 * CS02 behaviour as a head-end sees it: credential replacements really change whom the device trusts,
 * sequence numbers protect them, future-dated ones wait for their time, and the device's own key pair can
 * be replaced through CS02c/CS02d.
 */

const DS: TrustAnchorCellIdentifier['keyUsage'] = ['digitalSignature'];
const KA: TrustAnchorCellIdentifier['keyUsage'] = ['keyAgreement'];
const cert = (c: SmkiCertificate) => ({ der: toHex(c.der) });

let pki: Pki;
let newSupplier: PartyCredentials;
const cred = (slot: 'ds' | 'ka' | 'pp-ka') => newSupplier.credentials[slot]!;

beforeAll(async () => {
  pki = await Pki.create({ seed: 'asn1-engine test: a new SMKI' });
  newSupplier = await pki.issueOrganisation({ role: 2, eui: PARTY.supplier, name: 'NEWSUPPLIER', prepayment: true });
});

function rootBySupplier(seq: bigint, root: SmkiCertificate = pki.root): Payload {
  return asn1('UpdateSecurityCredentialsCommand', {
    control: { credentialsReplacementMode: 0, authorisingTaCell: { remotePartyRole: 2, keyUsage: DS }, authorisingSeqNumber: seq },
    replacements: [{ certificate: cert(root), targetTaCell: { remotePartyRole: 0, keyUsage: ['keyCertSign'] } }],
    certificationPathCertificates: [],
  });
}

function supplierReplacements(): TrustAnchorReplacement[] {
  return [
    { certificate: cert(cred('ds').certificate), targetTaCell: { remotePartyRole: 2, keyUsage: DS } },
    { certificate: cert(cred('ka').certificate), targetTaCell: { remotePartyRole: 2, keyUsage: KA } },
    { certificate: cert(cred('pp-ka').certificate), targetTaCell: { remotePartyRole: 2, keyUsage: KA, cellUsage: 1 } },
  ];
}

function supplierBySupplier(seq: bigint, opts: { executionDateTime?: string; replacements?: TrustAnchorReplacement[]; path?: SmkiCertificate[] } = {}): Payload {
  return asn1('UpdateSecurityCredentialsCommand', {
    control: {
      credentialsReplacementMode: 2,
      authorisingTaCell: { remotePartyRole: 2, keyUsage: DS },
      authorisingSeqNumber: seq,
      newFloorSeqNumber: 0n,
      newSpecialistFloorSeqNumbers: [{ seqNumberUsage: 0, seqNumber: 0n }],
    },
    replacements: opts.replacements ?? supplierReplacements(),
    certificationPathCertificates: (opts.path ?? [pki.organisationCa!.certificate]).map(cert),
    ...(opts.executionDateTime ? { executionDateTime: opts.executionDateTime } : {}),
  });
}

/** CS03A1: a critical command any supplier may send an ESME. */
const join = (entityId: string) => asn1('JoinDeviceCommand', { joinMethodAndRole: 0, entityId, deviceType: 4 });
const readLog = () => asn1('ReadDeviceJoinDetailsCommand', {});

function loggedEuis(b: Bench): string[] {
  const r = b.send(PARTY.supplier, 0x0013, readLog());
  return (value(r.response!, 'ReadDeviceJoinDetailsResponse').deviceLogEntries ?? []).map((e) => e.deviceId);
}

/** Whether a MAC'd frame's MAC verifies with the shared secret of `ownKa` and the sender's public key. */
function macVerifies(bytes: Uint8Array, ownKa: KeyObject, peer: KeyObject): boolean {
  const { frame, layout } = decodeFrameWithLayout(bytes);
  if (frame.kind !== 'ciphered') return false;
  const z = ecdhSharedSecret(ownKa, peer);
  const mac = computeMac(macKey(z, frame.header), bytes.subarray(layout.gsStart, layout.gsEnd), frame.header.originator);
  return toHex(mac) === frame.mac;
}

describe('CS02b replaces the trust anchors the security gate uses', () => {
  it("a supplier-by-supplier replacement makes the old supplier's signature fail and the new supplier's pass", () => {
    const b = new Bench('esme');
    const entity = '00DB12345678909A';

    // The device is provisioned with the RTDS Root; the new SMKI's Root goes in first, authorised by the
    // current supplier, so the new organisation certificates have a path to a trusted Root.
    let r = b.send(PARTY.supplier, 0x0100, rootBySupplier(1n));
    expect(value(r.response!, 'UpdateSecurityCredentialsResponse').executionOutcome!.replacementOutcomes[0]).toMatchObject({
      statusCode: 0,
      existingSubjectKeyId: RTDS_ROOT.ski,
      replacingSubjectKeyId: pki.root.ski,
    });

    r = b.send(PARTY.supplier, 0x0102, supplierBySupplier(2n));
    const outcome = value(r.response!, 'UpdateSecurityCredentialsResponse').executionOutcome!;
    expect(outcome.replacementOutcomes.map((o) => [o.statusCode, o.existingSubjectKeyId, o.replacingSubjectKeyId])).toEqual([
      [0, '44899792D196F4B8', cred('ds').certificate.ski],
      [0, '405B8C62687D8F70', cred('ka').certificate.ski],
      [0, '41FB49221588C570', cred('pp-ka').certificate.ski],
    ]);
    expect(outcome.seqNumberChanges).toEqual([{ remotePartyRole: 2, floorSeqNumber: 0n, specialistFloorSeqNumbers: [{ seqNumberUsage: 0, seqNumber: 0n }] }]);

    // Signed with the old supplier key: refused by the gate with a trusted-source authentication failure.
    r = b.send(PARTY.supplier, 0x000d, join(entity));
    expect(r.response).toBeUndefined();
    expect(r.alerts.map((a) => a.emitted.alertCode)).toEqual([0x8f3d]);
    expect(b.device.refusals.at(-1)!.reason).toMatch(/signature does not verify/);
    expect(loggedEuis(b)).toEqual([]);

    // Signed with the new supplier key: accepted, and the join happens.
    r = b.send(PARTY.supplier, 0x000d, join(entity), { signWith: cred('ds').privateKey });
    expect(value(r.response!, 'JoinDeviceResponse').responseCode).toBe(0);
    expect(loggedEuis(b)).toEqual([entity]);

    // The non-critical response goes out MAC'd with the new supplier KA key, no longer the old one.
    const rr = b.send(PARTY.supplier, 0x0013, readLog());
    expect(macVerifies(rr.responseBytes!, cred('ka').privateKey, b.device.kaPublicKey)).toBe(true);
    expect(macVerifies(rr.responseBytes!, keystore.privateKey(PARTY.supplier, 'ka')!, b.device.kaPublicKey)).toBe(false);
  });

  it('CS02a reports the replaced cells and the new sequence numbers', () => {
    const b = new Bench('esme');
    b.send(PARTY.supplier, 0x0100, rootBySupplier(5n));
    b.send(PARTY.supplier, 0x0102, supplierBySupplier(6n));
    const r = b.send(PARTY.acb, 0x0008, asn1('ProvideSecurityCredentialDetailsCommand', { authorisingTaCell: { remotePartyRole: 4, keyUsage: KA }, remotePartyRoles: [0, 2, 6] }));
    expect(value(r.response!, 'ProvideSecurityCredentialDetailsResponse').remoteParties).toEqual([
      { remotePartyRole: 0, statusCode: 0, currentSeqNumber: 0n, trustAnchorCells: [{ keyUsage: ['keyCertSign'], subjectUniqueId: '0000000000000000', subjectKeyIdentifier: pki.root.ski }] },
      {
        remotePartyRole: 2,
        statusCode: 0,
        currentSeqNumber: 0n,
        trustAnchorCells: [
          { keyUsage: DS, subjectUniqueId: PARTY.supplier, subjectKeyIdentifier: cred('ds').certificate.ski },
          { keyUsage: KA, subjectUniqueId: PARTY.supplier, subjectKeyIdentifier: cred('ka').certificate.ski },
          { keyUsage: KA, cellUsage: 1, subjectUniqueId: PARTY.supplier, subjectKeyIdentifier: cred('pp-ka').certificate.ski },
        ],
      },
      // An ESME holds no WAN provider cell.
      { remotePartyRole: 6, statusCode: 25 },
    ]);
  });

  it('refuses an update whose authorising sequence number is not above the current one', () => {
    const b = new Bench('esme');
    expect(b.send(PARTY.supplier, 0x0100, rootBySupplier(10n)).response).toBeDefined();
    const r = b.send(PARTY.supplier, 0x0100, rootBySupplier(10n));
    expect(r.response).toBeUndefined();
    expect(r.alerts.map((a) => a.emitted.alertCode)).toEqual([0x8f53]);
  });

  it('checks every certificate: path to the Root, usage, role, and whether the device has the cell', () => {
    const b = new Bench('esme');
    b.send(PARTY.supplier, 0x0100, rootBySupplier(1n));
    const no = keystore.certificate(PARTY.networkOperator, 'ds')!;
    const r = b.send(
      PARTY.supplier,
      0x0102,
      supplierBySupplier(2n, {
        replacements: [
          // A key agreement certificate cannot sit in the DS cell.
          { certificate: cert(cred('ka').certificate), targetTaCell: { remotePartyRole: 2, keyUsage: DS } },
          // Right cell, but issued under the RTDS Root the device no longer trusts.
          { certificate: { der: toHex(new Uint8Array(keystore.certificate(PARTY.supplier, 'ka')!.raw)) }, targetTaCell: { remotePartyRole: 2, keyUsage: KA } },
          // A network operator's certificate in a supplier cell.
          { certificate: { der: toHex(new Uint8Array(no.raw)) }, targetTaCell: { remotePartyRole: 2, keyUsage: KA, cellUsage: 1 } },
        ],
      }),
    );
    expect(value(r.response!, 'UpdateSecurityCredentialsResponse').executionOutcome!.replacementOutcomes.map((o) => o.statusCode)).toEqual([5, 10, 5]);
    // Nothing was replaced: the RTDS supplier still commands the device.
    expect(b.device.trust.get(2, 'ds')!.ski).toBe('44899792D196F4B8');
    expect(value(b.send(PARTY.supplier, 0x000d, join('00DB12345678909A')).response!, 'JoinDeviceResponse').responseCode).toBe(0);

    // Without the issuing CA in the certification path nothing chains to the Root.
    const noPath = b.send(PARTY.supplier, 0x0102, supplierBySupplier(3n, { path: [] }));
    expect(value(noPath.response!, 'UpdateSecurityCredentialsResponse').executionOutcome!.replacementOutcomes.map((o) => o.statusCode)).toEqual([10, 10, 10]);

    // A Root replacement needs a self-signed Root certificate.
    const notRoot = b.send(PARTY.supplier, 0x0100, rootBySupplier(4n, pki.organisationCa!.certificate));
    expect(value(notRoot.response!, 'UpdateSecurityCredentialsResponse').executionOutcome!.replacementOutcomes[0]!.statusCode).toBe(5);
  });

  it('a future-dated replacement waits for its time, then raises 8F66 and takes effect', () => {
    const b = new Bench('esme');
    b.send(PARTY.supplier, 0x0100, rootBySupplier(1n));
    let r = b.send(PARTY.supplier, 0x0102, supplierBySupplier(2n, { executionDateTime: '20150102000000Z' }));
    expect(value(r.response!, 'UpdateSecurityCredentialsResponse')).toEqual({ commandAccepted: null });
    expect(r.response!.header.dateTime).not.toBeNull();

    // Until then the old supplier is still the supplier.
    expect(value(b.send(PARTY.supplier, 0x000d, join('00DB12345678909A')).response!, 'JoinDeviceResponse').responseCode).toBe(0);

    r = b.advance(new Date(Date.UTC(2015, 0, 2)));
    expect(r.alerts).toHaveLength(1);
    const alert = r.alerts[0]!;
    expect(alert.emitted.alertCode).toBe(0x8f66);
    expect(alert.frame.header.otherInfo.messageCode).toBe(0x00cb);
    expect(alert.frame.header.target).toBe(PARTY.supplier);
    const a = value(alert.frame, 'UpdateSecurityCredentialsAlert');
    expect(a.executionDateTime).toBe('20150102000000Z');
    expect(a.executionOutcome.replacementOutcomes.every((o) => o.statusCode === 0)).toBe(true);

    expect(b.send(PARTY.supplier, 0x000d, join('00DB12345678909B')).response).toBeUndefined();
    expect(value(b.send(PARTY.supplier, 0x000d, join('00DB12345678909B'), { signWith: cred('ds').privateKey }).response!, 'JoinDeviceResponse').responseCode).toBe(0);
  });

  it('a failing future-dated replacement raises 8F67 and changes nothing it could not validate', () => {
    const b = new Bench('esme');
    // The RTDS Root is still in place, so the new SMKI's certificates have no path.
    b.send(PARTY.supplier, 0x0102, supplierBySupplier(2n, { executionDateTime: '20150102000000Z' }));
    const r = b.advance(new Date(Date.UTC(2015, 0, 2)));
    expect(r.alerts.map((x) => x.emitted.alertCode)).toEqual([0x8f67]);
    expect(value(r.alerts[0]!.frame, 'UpdateSecurityCredentialsAlert').executionOutcome.replacementOutcomes.map((o) => o.statusCode)).toEqual([10, 10, 10]);
    expect(b.device.trust.get(2, 'ds')!.ski).toBe('44899792D196F4B8');
  });

  it('a cancellation stops a pending future-dated replacement', () => {
    const b = new Bench('esme');
    b.send(PARTY.supplier, 0x0100, rootBySupplier(1n));
    b.send(PARTY.supplier, 0x0102, supplierBySupplier(2n, { executionDateTime: '20150102000000Z' }));
    const c = b.send(PARTY.supplier, 0x0102, supplierBySupplier(3n, { executionDateTime: '99991231235959Z' }));
    expect(value(c.response!, 'UpdateSecurityCredentialsResponse')).toEqual({ commandAccepted: null });
    expect(b.advance(new Date(Date.UTC(2015, 0, 3))).alerts).toEqual([]);
    expect(b.device.trust.get(2, 'ds')!.ski).toBe('44899792D196F4B8');
  });

  it('supplier by transitional CoS hands the device to another supplier (a different EUI)', async () => {
    const b = new Bench('esme');
    b.send(PARTY.supplier, 0x0100, rootBySupplier(1n));
    const other = await pki.issueOrganisation({ role: 2, eui: PARTY.supplier2, prepayment: true });
    const r = b.send(
      PARTY.transCoS,
      0x0107,
      asn1('UpdateSecurityCredentialsCommand', {
        control: {
          credentialsReplacementMode: 7,
          authorisingTaCell: { remotePartyRole: 5, keyUsage: DS },
          authorisingSeqNumber: 6000n,
          otherRemotePartySeqNumberChanges: [{ remotePartyRole: 2, floorSeqNumber: 0n }],
        },
        replacements: [
          { certificate: cert(other.credentials.ds!.certificate), targetTaCell: { remotePartyRole: 2, keyUsage: DS } },
          { certificate: cert(other.credentials.ka!.certificate), targetTaCell: { remotePartyRole: 2, keyUsage: KA } },
          { certificate: cert(other.credentials['pp-ka']!.certificate), targetTaCell: { remotePartyRole: 2, keyUsage: KA, cellUsage: 1 } },
        ],
        certificationPathCertificates: [cert(pki.organisationCa!.certificate)],
      }),
    );
    const o = value(r.response!, 'UpdateSecurityCredentialsResponse').executionOutcome!;
    expect(o.replacementOutcomes.map((x) => [x.statusCode, x.existingSubjectUniqueId, x.replacingSubjectUniqueId])).toEqual([
      [0, PARTY.supplier, PARTY.supplier2],
      [0, PARTY.supplier, PARTY.supplier2],
      [0, PARTY.supplier, PARTY.supplier2],
    ]);
    // The old supplier holds no cell any more; the new one commands the device.
    expect(b.send(PARTY.supplier, 0x000d, join('00DB12345678909A')).response).toBeUndefined();
    const ok = b.send(PARTY.supplier2, 0x000d, join('00DB12345678909A'), { signWith: other.credentials.ds!.privateKey });
    expect(value(ok.response!, 'JoinDeviceResponse').responseCode).toBe(0);
  });

  it('the ACB replaces its own key agreement cell with a MAC alone, and the device answers signed', () => {
    const b = new Bench('esme');
    b.send(PARTY.supplier, 0x0100, rootBySupplier(1n));
    return pki.issueOrganisation({ role: 4, eui: PARTY.acb }).then((acb) => {
      const r = b.send(
        PARTY.acb,
        0x0104,
        asn1('UpdateSecurityCredentialsCommand', {
          control: { credentialsReplacementMode: 4, authorisingSeqNumber: 1300n, newFloorSeqNumber: 0n },
          replacements: [{ certificate: cert(acb.credentials.ka!.certificate), targetTaCell: { remotePartyRole: 4, keyUsage: KA } }],
          certificationPathCertificates: [cert(pki.organisationCa!.certificate)],
        }),
      );
      expect(r.response!.signature.kind).toBe('ecdsa');
      expect(value(r.response!, 'UpdateSecurityCredentialsResponse').executionOutcome!.replacementOutcomes[0]!.statusCode).toBe(0);
      expect(b.device.trust.get(4, 'ka')!.ski).toBe(acb.credentials.ka!.certificate.ski);
    });
  });

  it('refuses a CS02a whose authorising cell is not the originator’s', () => {
    const b = new Bench('gsme');
    const r = b.send(PARTY.acb, 0x0008, asn1('ProvideSecurityCredentialDetailsCommand', { authorisingTaCell: { remotePartyRole: 2, keyUsage: DS }, remotePartyRoles: [2] }));
    expect(r.response).toBeUndefined();
    expect(r.alerts.map((a) => a.emitted.alertCode)).toEqual([0x8f30]);
  });
});

describe('CS02c/CS02d/CS02e replace the device’s own key pair', () => {
  /** The public key and proof of possession of a PKCS#10 request. */
  function readRequest(hex: string): KeyObject {
    const tree = decodeDer(fromHex(hex));
    if (tree.type !== 'sequence') throw new Error('not a SEQUENCE');
    const [info, , sig] = tree.children;
    if (info?.type !== 'sequence' || sig?.type !== 'bitString') throw new Error('not a CertificationRequest');
    const key = createPublicKey({ key: Buffer.from(encodeDer(info.children[2]!)), format: 'der', type: 'spki' });
    const sigDer = decodeDer(fromHex(sig.hex));
    if (sigDer.type !== 'sequence') throw new Error('bad signature');
    const rs = sigDer.children.map((n) => (n.type === 'integer' ? n.value.toString(16).padStart(64, '0') : ''));
    expect(ecdsaVerify(key, encodeDer(info), fromHex(rs.join('')))).toBe(true);
    return key;
  }

  it('a new DS key: request, certificate, installation; the device then signs with it', async () => {
    const b = new Bench('esme');
    const oldKey = b.device.dsPublicKey;
    expect(value(b.send(PARTY.supplier, 0x000c, asn1('ProvideDeviceCertificateCommand', { keyUsage: DS })).response!, 'ProvideDeviceCertificateResponse')).toEqual({ responseCode: 2 });

    const req = value(b.send(PARTY.supplier, 0x000a, asn1('IssueSecurityCredentialsCommand', { keyUsage: DS })).response!, 'IssueSecurityCredentialsResponse');
    if (!('certificationRequest' in req)) throw new Error(`no request: ${JSON.stringify(req)}`);
    const publicKey = readRequest(req.certificationRequest);
    expect(publicKey.equals(oldKey)).toBe(false);

    const issued = await pki.certifyDeviceKey({ eui: b.eui, usage: 'digitalSignature', publicKey });
    // Until the certificate is installed the device still signs with its old key.
    expect(b.device.dsPublicKey.equals(oldKey)).toBe(true);
    const d = b.send(PARTY.supplier, 0x000b, asn1('UpdateDeviceCertificateCommand', { certificate: cert(issued) }));
    expect(value(d.response!, 'UpdateDeviceCertificateResponse').responseCode).toBe(0);
    expect(b.device.dsPublicKey.equals(publicKey)).toBe(true);

    const e = b.send(PARTY.supplier, 0x000c, asn1('ProvideDeviceCertificateCommand', { keyUsage: DS }));
    expect(value(e.response!, 'ProvideDeviceCertificateResponse')).toEqual({ certificate: expect.objectContaining({ der: toHex(issued.der) }) });

    // The signed response verifies under the new key, not the old one.
    const { frame, layout } = decodeFrameWithLayout(e.responseBytes!);
    if (frame.kind === 'gbt' || frame.signature.kind !== 'ecdsa') throw new Error('expected a signed response');
    const signed = signedBytes(e.responseBytes!, layout);
    expect(ecdsaVerify(publicKey, signed, fromHex(frame.signature.rs))).toBe(true);
    expect(ecdsaVerify(oldKey, signed, fromHex(frame.signature.rs))).toBe(false);
  });

  it('refuses certificates for another device, a key never generated, or the wrong pending key', async () => {
    const b = new Bench('esme');
    const other = await pki.issueDevice({ eui: '00DB1234567890A1' as Eui64 });
    const mine = await pki.issueDevice({ eui: b.eui });
    const install = (c: SmkiCertificate) => value(b.send(PARTY.supplier, 0x000b, asn1('UpdateDeviceCertificateCommand', { certificate: cert(c) })).response!, 'UpdateDeviceCertificateResponse').responseCode;
    expect(install(other.credentials.ds!.certificate)).toBe(2);
    expect(install(mine.credentials.ka!.certificate)).toBe(4);
    b.send(PARTY.supplier, 0x000a, asn1('IssueSecurityCredentialsCommand', { keyUsage: KA }));
    expect(install(mine.credentials.ka!.certificate)).toBe(5);
    expect(install(pki.organisationCa!.certificate)).toBe(1);
    // Neither key changed.
    const ka = b.device.kaPublicKey;
    expect(ka.equals(mine.credentials.ka!.certificate.publicKey)).toBe(false);
  });

  it('answers a request for an impossible key usage with code 1', () => {
    const b = new Bench('esme');
    const r = b.send(PARTY.supplier, 0x000a, asn1('IssueSecurityCredentialsCommand', { keyUsage: ['digitalSignature', 'keyAgreement'] }));
    expect(value(r.response!, 'IssueSecurityCredentialsResponse')).toEqual({ responseCode: 1 });
  });
});
