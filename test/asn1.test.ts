import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../protocols/bytes.js';
import { GbcsDecodeError, GbcsEncodeError } from '../protocols/errors.js';
import {
  type Asn1Payload,
  type DerNode,
  activateFirmwareAlertPayload,
  activateFirmwareResponsePayload,
  countUntypedAsn1,
  decodeAsn1Payload,
  decodeDer,
  encodeAsn1Payload,
  encodeDer,
  formatGeneralizedTime,
  isAsn1MessageCode,
  parseGeneralizedTime,
  readDeviceJoinDetailsResponsePayload,
  responseCodePayload,
  setTimeResponsePayload,
} from '../protocols/gbcs/asn1/index.js';
import type { Cra } from '../protocols/gbcs/frame.js';
import { expectDecodeError, expectEncodeError, viaJson } from './expect-errors.js';
import { vectorPayloads } from './vectors.js';

interface Item {
  name: string;
  code: number;
  cra: Cra;
  base: number;
  payload: Uint8Array;
}

const items: Item[] = vectorPayloads()
  .filter((p) => isAsn1MessageCode(p.messageCode))
  .map((p) => ({ name: `${p.vector.folder}/${p.vector.name}`, code: p.messageCode, cra: p.header.cra, base: p.base, payload: p.bytes }));

function find(fragment: string): Item {
  const it = items.find((i) => i.name.includes(fragment));
  if (!it) throw new Error(`no vector matching ${fragment}`);
  return it;
}

function decodeItem(it: Item): Asn1Payload {
  return decodeAsn1Payload(it.payload, it.base, { messageCode: it.code, cra: it.cra });
}

describe('ASN.1 payloads of the RTDS corpus', () => {
  it('round-trip byte-identical and are all typed', () => {
    let untyped = 0;
    const failures: string[] = [];
    for (const it of items) {
      const p = decodeItem(it);
      untyped += countUntypedAsn1(p);
      if (p.schema === 'untyped') failures.push(`${it.name}: untyped (${p.mismatch})`);
      if (toHex(encodeAsn1Payload(p)) !== toHex(it.payload)) failures.push(`${it.name}: bytes differ`);
    }
    console.log(`ASN.1 payloads: ${items.length} round-tripped, ${untyped} untyped`);
    expect(failures).toEqual([]);
    expect(untyped).toBe(0);
    expect(items.length).toBeGreaterThanOrEqual(150);
  });

  it('re-encode from JSON (bigints as strings, summaries included) gives the same bytes', () => {
    for (const it of items) {
      const json = viaJson(decodeItem(it));
      expect(toHex(encodeAsn1Payload(json)), it.name).toBe(toHex(it.payload));
    }
  });

  it('untyped trees (generic DER with certificates collapsed) round-trip too', () => {
    for (const it of items) {
      const tree = decodeDer(it.payload, it.base, { certificates: true });
      expect(toHex(encodeAsn1Payload({ schema: 'untyped', der: tree })), it.name).toBe(toHex(it.payload));
      expect(toHex(encodeDer(decodeDer(it.payload, it.base))), it.name).toBe(toHex(it.payload));
    }
  });
});

describe('typed fields', () => {
  it('CS03A1 command and response', () => {
    const c = decodeItem(find('CS03A1_8.7.1_SUCCESS_COMMAND'));
    expect(c).toEqual({
      schema: 'JoinDeviceCommand',
      value: { joinMethodAndRole: 0, entityId: '00DB12345678909A', deviceType: 4 },
    });
    const r = decodeItem(find('CS03A1_8.7.1_SUCCESS_RESPONSE'));
    expect(r).toEqual({ schema: 'JoinDeviceResponse', value: { responseCode: 0 } });
    expect(decodeItem(find('CS03A1_8.7.1_ERROR_RESPONSE'))).toEqual({ schema: 'JoinDeviceResponse', value: { responseCode: 3 } });
  });

  it('CS03C carries the joining device certificate', () => {
    const c = decodeItem(find('CS03CCritical_8.7.1_SUCCESS_COMMAND'));
    if (c.schema !== 'JoinDeviceCommand') throw new Error(c.schema);
    expect(c.value.joinMethodAndRole).toBe(3);
    expect(c.value.certificate?.summary?.eui).toBe(c.value.entityId);
  });

  it('CS04 unjoin', () => {
    expect(decodeItem(find('CS04ACCritical_8.8.1_SUCCESS_COMMAND'))).toEqual({
      schema: 'UnjoinDeviceCommand',
      value: { entityId: '00DB123456789099' },
    });
    expect(decodeItem(find('CS04ACCritical_8.8.1_ERROR_RESPONSE'))).toEqual({ schema: 'UnjoinDeviceResponse', value: { responseCode: 1 } });
    expect(decodeItem(find('CS04B_8.8.2_SUCCESS_COMMAND')).schema).toBe('UnjoinDeviceCommand');
  });

  it('CS07 read device join details', () => {
    expect(decodeItem(find('CS07_8.9_SUCCESS_COMMAND'))).toEqual({ schema: 'ReadDeviceJoinDetailsCommand', value: {} });
    expect(decodeItem(find('CS07_8.9_SUCCESS_RESPONSE'))).toEqual({
      schema: 'ReadDeviceJoinDetailsResponse',
      value: {
        responseCode: 0,
        deviceLogEntries: [
          { deviceId: '0102030405060708', deviceType: 3 },
          { deviceId: '00DB123456789099', deviceType: 3 },
          { deviceId: '00DB123456789097', deviceType: 5 },
        ],
      },
    });
    expect(decodeItem(find('CS07_8.9_ERROR_RESPONSE'))).toEqual({ schema: 'ReadDeviceJoinDetailsResponse', value: { responseCode: 1 } });
  });

  it('CS06 command (the shared corpus has no CS06 folder: built from the gbcs-framing §3.4 example)', () => {
    const hash = 'AA758690730934FF0685AA758690730934FF0685657788990011223344556677';
    const bytes = fromHex(`30260420${hash}020203E8`);
    const p = decodeAsn1Payload(bytes, 100, { messageCode: 0x0012, cra: 'command' });
    expect(p).toEqual({ schema: 'ActivateFirmwareCommand', value: { manufacturerImageHash: hash, originatorCounter: 1000n } });
    expect(toHex(encodeAsn1Payload(p))).toBe(toHex(bytes));
    const future = encodeAsn1Payload({
      schema: 'ActivateFirmwareCommand',
      value: { manufacturerImageHash: hash, originatorCounter: '1001', executionDateTime: '20300115090000Z' },
    });
    expect(toHex(future)).toBe(`30370420${hash}020203E9180F${toHex(Buffer.from('20300115090000Z'))}`);
    // Response and future-dated alert from the builders decode back to the same values.
    expect(decodeAsn1Payload(activateFirmwareResponsePayload('accepted'), 0, { messageCode: 0x0012, cra: 'response' })).toEqual({
      schema: 'ActivateFirmwareResponse',
      value: { commandAccepted: null },
    });
    const outcome = { responseCode: 0, firmwareVersion: '0123ABCE' };
    expect(toHex(activateFirmwareResponsePayload(outcome))).toBe('300902010004040123ABCE');
    const alert = activateFirmwareAlertPayload(0x8f66, '20300115090000Z', 1001n, outcome);
    expect(decodeAsn1Payload(alert, 0, { messageCode: 0x00ca, cra: 'alert' })).toEqual({
      schema: 'ActivateFirmwareAlert',
      value: { alertCode: 0x8f66, executionDateTime: '20300115090000Z', originatorCounter: 1001n, executionOutcome: outcome },
    });
  });

  it('CS02b supplierBySupplier command: control, 3 replacement certificates, certification path', () => {
    const p = decodeItem(find('CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_COMMAND'));
    if (p.schema !== 'UpdateSecurityCredentialsCommand') throw new Error(p.schema);
    const v = p.value;
    expect(v.control).toEqual({
      credentialsReplacementMode: 2,
      applyTimeBasedCpvChecks: 1,
      authorisingTaCell: { remotePartyRole: 2, keyUsage: ['digitalSignature'] },
      authorisingSeqNumber: 1000n,
      newFloorSeqNumber: 0n,
      newSpecialistFloorSeqNumbers: [{ seqNumberUsage: 0, seqNumber: 0n }],
    });
    expect(v.replacements).toHaveLength(3);
    expect(v.replacements.map((r) => r.targetTaCell)).toEqual([
      { remotePartyRole: 2, keyUsage: ['digitalSignature'] },
      { remotePartyRole: 2, keyUsage: ['keyAgreement'] },
      { remotePartyRole: 2, keyUsage: ['keyAgreement'], cellUsage: 1 },
    ]);
    for (const r of v.replacements) {
      expect(r.certificate.summary?.eui).toBe('90B3D51F30010000');
      expect(r.certificate.summary?.issuer).toBe('OU=07,CN=Z1');
      expect(r.certificate.der.startsWith('3082')).toBe(true);
    }
    expect(v.replacements[0]!.certificate.summary).toMatchObject({
      serial: '4A07BC01D9253B51FAF01F7EC7DA5B2F',
      role: '02',
      keyUsage: ['digitalSignature'],
      subjectKeyId: '43046B4FB7C4F11B',
    });
    expect(v.certificationPathCertificates).toHaveLength(1);
    expect(v.certificationPathCertificates[0]!.summary).toMatchObject({ subject: 'OU=07,CN=Z1', issuer: 'OU=00,CN=ZA' });
    expect(v.executionDateTime).toBeUndefined();
    expect(p.lengthForm).toBeUndefined();

    const cancel = decodeItem(find('CS02bSupplierBySupplier_6.15.1_CANCELLATION_SUCCESS_COMMAND'));
    if (cancel.schema !== 'UpdateSecurityCredentialsCommand') throw new Error(cancel.schema);
    expect(cancel.value.executionDateTime).toBe('99991231235959Z');
  });

  it('CS02b supplierBySupplier response (lengths written as 82 00 nn are kept)', () => {
    const it = find('CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_RESPONSE');
    expect(toHex(it.payload.subarray(0, 4))).toBe('308200CA');
    const p = decodeItem(it);
    if (p.schema !== 'UpdateSecurityCredentialsResponse') throw new Error(p.schema);
    expect(p.lengthForm).toBe('twoOctet');
    const o = p.value.executionOutcome!;
    expect(p.value.commandAccepted).toBeNull();
    expect(o.authorisingSeqNumber).toBe(1000n);
    expect(o.credentialsReplacementMode).toBe(2);
    expect(o.seqNumberChanges).toEqual([
      { remotePartyRole: 2, floorSeqNumber: 0n, specialistFloorSeqNumbers: [{ seqNumberUsage: 0, seqNumber: 0n }] },
    ]);
    expect(o.replacementOutcomes).toHaveLength(3);
    expect(o.replacementOutcomes[1]).toEqual({
      affectedTaCell: { remotePartyRole: 2, keyUsage: ['keyAgreement'] },
      statusCode: 0,
      existingSubjectUniqueId: '90B3D51F30010000',
      existingSubjectKeyId: '405B8C62687D8F70',
      replacingSubjectUniqueId: '90B3D51F30010000',
      replacingSubjectKeyId: '429667C1B8BB1E34',
    });
    // Without the length form the same value encodes as minimal DER: 3 octets shorter.
    const { lengthForm: _drop, ...minimal } = p;
    expect(encodeAsn1Payload(minimal).length).toBe(it.payload.length - 3);
  });

  it('CS02b future-dated alert 0x00CB', () => {
    const p = decodeItem(find('CS02bSupplierBySupplier_6.15.1_8F67_FUTURE_DATED_ERROR_ALERT'));
    if (p.schema !== 'UpdateSecurityCredentialsAlert') throw new Error(p.schema);
    expect(p.value.alertCode).toBe(0x8f67);
    expect(p.value.executionDateTime).toBe('20300115000000Z');
    expect(p.value.executionOutcome.replacementOutcomes[1]!.statusCode).toBe(10);
  });

  it('CCS08 firmware transfer alert', () => {
    expect(decodeItem(find('NA_CCS08/'))).toEqual({
      schema: 'FirmwareTransferAlert',
      value: {
        alertCode: 0x8f8a,
        executionDateTime: '20150101000000Z',
        entityId: '00DB1234567890A4',
        firmwareVersion: '0123ABCD',
        responseCode: 0,
      },
    });
  });

  it('GCS28 set clock on GSME', () => {
    expect(decodeItem(find('GCS28_6.11_SUCCESS_COMMAND'))).toEqual({
      schema: 'SetTimeCommand',
      value: { validityIntervalStart: '20141231233000Z', validityIntervalEnd: '20150101003000Z' },
    });
    expect(decodeItem(find('GCS28_6.11_ERROR_RESPONSE'))).toEqual({
      schema: 'SetTimeResponse',
      value: { deviceTime: '20150101000000Z', deviceTimeStatus: 2 },
    });
  });

  it('CS02a response, CS02c CSR, CS02d/e certificates, CS08', () => {
    const a = decodeItem(find('CS02aMAC_6.24.1_ERROR_RESPONSE'));
    if (a.schema !== 'ProvideSecurityCredentialDetailsResponse') throw new Error(a.schema);
    expect(a.value.remoteParties[1]).toEqual({ remotePartyRole: 3, statusCode: 25 });
    expect(a.value.remoteParties[0]!.trustAnchorCells?.[0]).toEqual({
      keyUsage: ['keyAgreement'],
      subjectUniqueId: '90B3D51F30000002',
      subjectKeyIdentifier: '4A9CE02C39AB910B',
    });
    const c = decodeItem(find('CS02c_6.17_SUCCESS_RESPONSE'));
    if (c.schema !== 'IssueSecurityCredentialsResponse' || !('certificationRequest' in c.value)) throw new Error(c.schema);
    expect(c.value.certificationRequest).toBe(toHex(find('CS02c_6.17_SUCCESS_RESPONSE').payload));
    expect(decodeItem(find('CS02c_6.17_ERROR_RESPONSE'))).toEqual({ schema: 'IssueSecurityCredentialsResponse', value: { responseCode: 3 } });
    const d = decodeItem(find('CS02d_6.15.2_SUCCESS_COMMAND'));
    if (d.schema !== 'UpdateDeviceCertificateCommand') throw new Error(d.schema);
    expect(d.value.certificate.summary).toMatchObject({ issuer: 'CN=E357', subject: '', eui: '00DB1234567890A0', notAfter: '99991231235959Z' });
    const e = decodeItem(find('CS02e_6.24.2_SUCCESS_RESPONSE'));
    expect(e.schema).toBe('ProvideDeviceCertificateResponse');
    expect(decodeItem(find('CS08_11.2_SUCCESS_RESPONSE'))).toEqual({
      schema: 'ReadFirmwareVersionResponse',
      value: { firmwareVersion: '0123ABCD', responseCode: 0 },
    });
  });
});

describe('isAsn1MessageCode', () => {
  it('is exactly gbcs-framing §3.1 rule 1 plus the RTDS additions', () => {
    const expected = [
      0x0008, 0x000a, 0x000b, 0x000c, 0x000d, 0x000e, 0x000f, 0x0010, 0x0012, 0x0013, 0x007f, 0x008c, 0x00ab, 0x00af,
      0x00b2, 0x00ca, 0x00cb, ...Array.from({ length: 10 }, (_, i) => 0x0100 + i), 0x011b, 0x0124, 0x0125, 0x0126,
      0x0128, 0x0129, 0x012b,
    ];
    const found: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isAsn1MessageCode(c)) found.push(c);
    expect(found).toEqual(expected);
  });
});

describe('builders', () => {
  it('produce the RTDS bytes', () => {
    expect(toHex(responseCodePayload(0))).toBe('020100');
    expect(toHex(readDeviceJoinDetailsResponsePayload(undefined, 1))).toBe(toHex(find('CS07_8.9_ERROR_RESPONSE').payload));
    expect(
      toHex(
        readDeviceJoinDetailsResponsePayload([
          { deviceId: '0102030405060708', deviceType: 3 },
          { deviceId: '00DB123456789099', deviceType: 3 },
          { deviceId: '00DB123456789097', deviceType: 5 },
        ]),
      ),
    ).toBe(toHex(find('CS07_8.9_SUCCESS_RESPONSE').payload));
    const t = parseGeneralizedTime('20141231233000Z')!;
    expect(formatGeneralizedTime(t)).toBe('20141231233000Z');
    expect(toHex(setTimeResponsePayload(t, 0))).toBe(toHex(find('GCS28_6.11_SUCCESS_RESPONSE').payload));
    expect(parseGeneralizedTime('2014-12-31')).toBeUndefined();
  });
});

describe('generic DER', () => {
  const roundTrip = (hex: string): DerNode => {
    const n = decodeDer(fromHex(hex));
    expect(toHex(encodeDer(n))).toBe(hex);
    return n;
  };

  it('covers the universal types', () => {
    expect(roundTrip('0101FF')).toEqual({ type: 'boolean', value: true });
    expect(roundTrip('0201FF')).toEqual({ type: 'integer', value: -1n });
    expect(roundTrip('0202FF7F')).toEqual({ type: 'integer', value: -129n });
    expect(roundTrip('020900FFFFFFFFFFFFFFFF')).toEqual({ type: 'integer', value: (1n << 64n) - 1n });
    expect(roundTrip('0A0119')).toEqual({ type: 'enumerated', value: 25n });
    expect(roundTrip('03020780')).toEqual({ type: 'bitString', unusedBits: 7, hex: '80' });
    expect(roundTrip('0500')).toEqual({ type: 'null' });
    expect(roundTrip('06082A8648CE3D030107')).toEqual({ type: 'oid', value: '1.2.840.10045.3.1.7' });
    expect(roundTrip('0603883701')).toEqual({ type: 'oid', value: '2.999.1' });
    expect(roundTrip('0C03C3A961')).toEqual({ type: 'utf8String', value: 'éa' });
    expect(roundTrip('13025A31')).toEqual({ type: 'printableString', value: 'Z1' });
    expect(roundTrip('160141')).toEqual({ type: 'ia5String', value: 'A' });
    expect(roundTrip('170D3136303430363030303030305A')).toEqual({ type: 'utcTime', value: '160406000000Z' });
    expect(roundTrip('3103020101')).toEqual({ type: 'set', children: [{ type: 'integer', value: 1n }] });
    expect(roundTrip('1A0141')).toEqual({ type: 'tagged', cls: 'universal', tag: 26, constructed: false, hex: '41' });
  });

  it('tags: context, application, private, high tag numbers', () => {
    expect(roundTrip('830203E8')).toEqual({ type: 'tagged', cls: 'context', tag: 3, constructed: false, hex: '03E8' });
    expect(roundTrip('A203020102')).toMatchObject({ cls: 'context', tag: 2, constructed: true });
    expect(roundTrip('4100')).toMatchObject({ cls: 'application', tag: 1 });
    expect(roundTrip('C000')).toMatchObject({ cls: 'private', tag: 0 });
    expect(roundTrip('9F1F00')).toMatchObject({ cls: 'context', tag: 31 });
    expect(roundTrip('9F810001AA')).toMatchObject({ cls: 'context', tag: 128, hex: 'AA' });
    expect(roundTrip('BFFFFFFF7F00')).toMatchObject({ cls: 'context', tag: 0x0fffffff, constructed: true });
  });

  it('lengths: long form, and non-minimal forms kept exactly', () => {
    const long = '0481C8' + 'AB'.repeat(200);
    expect(roundTrip(long)).toEqual({ type: 'octetString', hex: 'AB'.repeat(200) });
    expect(roundTrip('0482012C' + '00'.repeat(300))).toMatchObject({ type: 'octetString' });
    expect(roundTrip('04820003414243')).toEqual({ type: 'octetString', hex: '414243', longLength: 2 });
    expect(roundTrip('048105' + '00'.repeat(5))).toMatchObject({ longLength: 1 });
    expectDecodeError(() => decodeDer(fromHex('04820003414243'), 0, { minimalLengths: true }));
    expect(toHex(encodeDer({ type: 'octetString', hex: 'AB'.repeat(200) }, 'x', { lengthStyle: 'twoOctet' })).slice(0, 8)).toBe('048200C8');
    expectEncodeError(() => encodeDer({ type: 'octetString', hex: 'AB'.repeat(300), longLength: 1 }));
  });

  it('rejects what DER forbids, with offsets', () => {
    const cases: [string, RegExp][] = [
      ['3080020100 0000', /indefinite/],
      ['0201', /unexpected end|runs past/],
      ['02020001', /minimal/],
      ['0202FF80', /minimal/],
      ['020100FF', /trailing/],
      ['010101', /0xFF/],
      ['030108', /> 7|unused/],
      ['03020781', /padding/],
      ['050100', /NULL/],
      ['0602 8001', /0x80/],
      ['060188', /unterminated/],
      ['1F0200', /single-octet/],
      ['9F800100', /leading 0x80/],
      ['2403040100', /constructed/],
      ['1000', /constructed form/],
      ['0000', /end-of-contents/],
      ['0C02C328', /UTF-8/],
      ['130140', /PrintableString/],
      ['160180', /IA5/],
      ['180E3230313530313031303030303030', /GeneralizedTime/],
      ['180F32303135313330313030303030305A', /range/],
      ['0485FFFFFFFFFF', /not supported/],
      ['', /empty/],
    ];
    for (const [hex, re] of cases) {
      const e = expectDecodeError(() => decodeDer(fromHex(hex.replace(/ /g, '')), 1000));
      expect(e.offset).toBeGreaterThanOrEqual(1000);
      expect(`${e.field}: ${e.reason}`, hex).toMatch(re);
    }
  });

  it('bounds nesting depth instead of overflowing the stack', () => {
    let bomb: number[] = [0x05, 0x00];
    for (let i = 0; i < 2000; i++) {
      const n = bomb.length;
      bomb = [0x30, ...(n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]), ...bomb];
    }
    expect(expectDecodeError(() => decodeDer(Uint8Array.from(bomb))).reason).toMatch(/deeper/);
    expect(() => decodeDer(fromHex('3006300430020500'), 0, { maxDepth: 2 })).toThrow(GbcsDecodeError);
    expect(decodeDer(fromHex('3006300430020500'), 0, { maxDepth: 3 }).type).toBe('sequence');
    let node: DerNode = { type: 'null' };
    for (let i = 0; i < 100; i++) node = { type: 'sequence', children: [node] };
    expectEncodeError(() => encodeDer(node));
  });

  it('encoder validates user JSON and names the path', () => {
    expect(expectEncodeError(() => encodeDer({ type: 'sequence', children: [{ type: 'integer', value: 'x' }] })).path).toBe('der.children[0].value');
    expectEncodeError(() => encodeDer({ type: 'bitString', unusedBits: 3, hex: 'FF' }));
    expectEncodeError(() => encodeDer({ type: 'tagged', cls: 'universal', tag: 2, constructed: false, hex: '01' }));
    expectEncodeError(() => encodeDer({ type: 'oid', value: '1.40' }));
    expectEncodeError(() => encodeDer({ type: 'utf8String', value: '\uD800' }));
    expectEncodeError(() => encodeDer({ type: 'generalizedTime', value: '2015-01-01' }));
    expectEncodeError(() => encodeDer({ type: 'certificate', der: '020100' }));
    expectEncodeError(() => encodeDer({ type: 'certificate', der: '3000FF' }));
    expect(toHex(encodeDer({ type: 'integer', value: '0x8F66' }))).toBe('0203008F66');
    expect(toHex(encodeDer({ type: 'integer', value: -32769 }))).toBe('0203FF7FFF');
  });

  it('typed encoder validates user JSON', () => {
    const bad: [unknown, string][] = [
      [null, 'payload'],
      [{ schema: 'Nope', value: {} }, 'payload.schema'],
      [{ schema: 'JoinDeviceCommand', value: { joinMethodAndRole: 0, entityId: 'XYZ', deviceType: 4 } }, 'payload.value.entityId'],
      [{ schema: 'JoinDeviceCommand', value: { joinMethodAndRole: 0, entityId: '00' } }, 'payload.value.deviceType'],
      [{ schema: 'JoinDeviceCommand', value: { joinMethodAndRole: 0, entityId: '00', deviceType: 1, extra: 1 } }, 'payload.value.extra'],
      [{ schema: 'ActivateFirmwareResponse', value: { commandAccepted: null, executionOutcome: {} } }, 'payload.value'],
      [{ schema: 'ProvideDeviceCertificateCommand', value: { keyUsage: ['sign'] } }, 'payload.value.keyUsage[0]'],
      [{ schema: 'SetTimeCommand', value: { validityIntervalStart: '2015', validityIntervalEnd: '20150101000000Z' } }, 'payload.value.validityIntervalStart'],
      [{ schema: 'JoinDeviceResponse', value: { responseCode: 0 }, lengthForm: 'weird' }, 'payload.lengthForm'],
    ];
    for (const [v, path] of bad) expect(expectEncodeError(() => encodeAsn1Payload(v)).path).toBe(path);
  });
});

describe('robustness', () => {
  const asnCodes = [...new Set(items.map((i) => i.code)), 0x0012, 0x00ca, 0x012b, 0x008c, 0x00b2];
  const ctxArb = fc.record({ messageCode: fc.constantFrom(...asnCodes), cra: fc.constantFrom<Cra>('command', 'response', 'alert') });

  /** Decoding throws only GbcsDecodeError; whatever decodes must encode back to exactly the input. */
  function check(bytes: Uint8Array, ctx: { messageCode: number; cra: Cra }): void {
    let p: Asn1Payload;
    try {
      p = decodeAsn1Payload(bytes, 7, ctx);
    } catch (e) {
      if (!(e instanceof GbcsDecodeError)) throw e;
      expect(e.offset).toBeGreaterThanOrEqual(7);
      expect(e.offset).toBeLessThanOrEqual(7 + bytes.length);
      return;
    }
    expect(toHex(encodeAsn1Payload(p))).toBe(toHex(bytes));
  }

  it('every truncation of a corpus payload is a GbcsDecodeError', () => {
    const seen = new Set<string>();
    for (const it of items) {
      const key = toHex(it.payload);
      if (seen.has(key)) continue;
      seen.add(key);
      for (let n = 0; n < it.payload.length; n++) {
        expectDecodeError(() => decodeAsn1Payload(it.payload.subarray(0, n), it.base, { messageCode: it.code, cra: it.cra }));
      }
    }
  });

  it('random bytes never throw anything but GbcsDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), ctxArb, (b, ctx) => check(b, ctx)),
      { numRuns: 3000 },
    );
    // Mostly-valid random DER: a tag-shaped first byte and a plausible length.
    fc.assert(
      fc.property(fc.constantFrom(0x30, 0x02, 0x04, 0x05, 0xa0, 0x18), fc.uint8Array({ maxLength: 40 }), ctxArb, (t, b, ctx) =>
        check(Uint8Array.of(t, b.length, ...b), ctx),
      ),
      { numRuns: 2000 },
    );
  });

  it('mutated corpus payloads never throw anything but GbcsDecodeError, and round-trip when they decode', () => {
    const small = items.filter((i) => i.payload.length <= 600);
    fc.assert(
      fc.property(
        fc.constantFrom(...small),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (it, edits, sameCtx) => {
          const b = Uint8Array.from(it.payload);
          for (const [pos, v] of edits) b[pos % b.length] = v;
          check(b, sameCtx ? { messageCode: it.code, cra: it.cra } : { messageCode: 0x0102, cra: 'response' });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('arbitrary JSON into the encoders throws only GbcsEncodeError', () => {
    const schemaArb = fc.constantFrom('untyped', 'JoinDeviceCommand', 'UpdateSecurityCredentialsCommand', 'ActivateFirmwareResponse', 'SetTimeResponse');
    fc.assert(
      fc.property(schemaArb, fc.jsonValue(), (schema, value) => {
        for (const input of [value, { schema, value }, { schema, der: value }, { type: 'sequence', children: [value] }]) {
          try {
            encodeAsn1Payload(input);
          } catch (e) {
            if (!(e instanceof GbcsEncodeError)) throw e;
          }
          try {
            encodeDer(input);
          } catch (e) {
            if (!(e instanceof GbcsEncodeError)) throw e;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
