import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../protocols/bytes.js';
import { decryptPayload, deriveKey, ecdhSharedSecret, encryptPayload } from '../protocols/crypto/index.js';
import { GbcsDecodeError, GbcsEncodeError } from '../protocols/errors.js';
import { euiToBytes } from '../protocols/eui.js';
import type { GroupingHeader } from '../protocols/gbcs/frame.js';
import {
  type GbzComponent,
  type GbzDecodeContext,
  type GbzPayload,
  type ZclCommand,
  countUntypedGbz,
  decodeGbz,
  decodeZclCommand,
  defaultResponseTo,
  encodeGbz,
  encryptedComponent,
  findAttribute,
  gbzEncryptedParts,
  readAttributesResponseTo,
  zclComponent,
  zclPayloadBytes,
} from '../protocols/gbcs/gbz/index.js';
import { expectDecodeError as decodeError, expectEncodeError as encodeError } from './expect-errors.js';
import { KEYSTORE_DIR, type Vector, vectorPayloads } from './vectors.js';

// ---- the corpus payloads (located by the frame codec) --------------------------------------------------------

interface Located {
  vector: Vector;
  payload: Uint8Array;
  base: number;
  ctx: GbzDecodeContext;
  header: GroupingHeader;
}

const GBZ: Located[] = vectorPayloads()
  .filter((p) => p.bytes[0] === 0x01 && p.bytes[1] === 0x09)
  .map((p) => ({ vector: p.vector, payload: p.bytes, base: p.base, ctx: { messageCode: p.messageCode, cra: p.header.cra }, header: p.header }));

function find(folder: string, name: string): Located {
  const l = GBZ.find((x) => x.vector.folder === folder && x.vector.name.startsWith(name));
  if (!l) throw new Error(`no GBZ vector ${folder}/${name}`);
  return l;
}

const decodeLoc = (l: Located): GbzPayload => decodeGbz(l.payload, l.base, l.ctx);

function typed(c: ZclCommand | undefined): { name: string; fields: Record<string, unknown> } {
  if (!c || !c.typed) throw new Error(`expected a typed command, got ${JSON.stringify(c)}`);
  return c;
}

/** Decoded JSON survives JSON and re-encodes to the same bytes. */
function roundTrips(bytes: Uint8Array, g: GbzPayload): boolean {
  return toHex(encodeGbz(JSON.parse(JSON.stringify(g)))) === toHex(bytes);
}

// ---- payload decryption with the RTDS keystore (M = 04, gbcs-framing §2.2/§2.5) ---------------------------


function payloadKey(l: Located): { key: Uint8Array; iv: Uint8Array } {
  const { originator: device, target, otherInfo } = l.header;
  const party = 'remotePartyId' in otherInfo ? otherInfo.remotePartyId : target;
  const counter = otherInfo.form === 'supplementary+originator-counter' ? otherInfo.originatorCounter : l.header.counter;
  const priv = createPrivateKey(readFileSync(join(KEYSTORE_DIR, `${party.toLowerCase()}-ka.key`)));
  const pub = new X509Certificate(readFileSync(join(KEYSTORE_DIR, `${device.toLowerCase()}-ka.pem`))).publicKey;
  const key = deriveKey(ecdhSharedSecret(priv, pub), { partyU: device, mode: 4, counter, partyV: party });
  return { key, iv: concatBytes(euiToBytes(device), new Uint8Array(4)) };
}

// ---- corpus ------------------------------------------------------------------------------------------------

describe('GBZ corpus', () => {
  it('round-trips every GBZ payload byte for byte with every ZCL command typed', () => {
    let roundTripped = 0;
    let untyped = 0;
    const failures: string[] = [];
    for (const l of GBZ) {
      const g = decodeLoc(l);
      untyped += countUntypedGbz(g);
      if (roundTrips(l.payload, g)) roundTripped++;
      else failures.push(`${l.vector.folder}/${l.vector.name}`);
    }
    console.info(`GBZ: ${roundTripped}/${GBZ.length} payloads round-trip, ${untyped} untyped ZCL commands`);
    expect(failures).toEqual([]);
    expect(GBZ.length).toBeGreaterThanOrEqual(250);
    expect(roundTripped).toBe(GBZ.length);
    expect(untyped).toBe(0);
  });

  it('decrypts every encrypted component to a typed command that re-encodes exactly', () => {
    let parts = 0;
    for (const l of GBZ) {
      const g = decodeLoc(l);
      const ps = gbzEncryptedParts(g);
      if (!ps.length) continue;
      const { key, iv } = payloadKey(l);
      for (const p of ps) {
        const plain = decryptPayload(key, iv, fromHex(p.block.ciphertext), fromHex(p.block.tag));
        expect(plain, `${l.vector.name} ${p.path}`).not.toBeNull();
        const cmd = p.decodePlaintext(plain!) as ZclCommand;
        expect(cmd.typed, `${l.vector.name} ${p.path}: ${JSON.stringify(cmd)}`).toBe(true);
        const i = Number(/components\[(\d+)\]/.exec(p.path)![1]);
        const comp = g.components[i]!;
        expect(toHex(zclPayloadBytes(comp.clusterId, comp.frameControl, comp.commandId, cmd))).toBe(toHex(plain!));
        parts++;
      }
    }
    expect(parts).toBeGreaterThanOrEqual(20);
  });
});

// ---- field values ------------------------------------------------------------------------------------------

describe('GBZ field values', () => {
  it('GCS13a: read of divisor, multiplier, unit and summation; the response is one encrypted component', () => {
    const cmd = decodeLoc(find('4.1.1_GCS13a', 'GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_COMMAND'));
    expect(cmd.alert).toBeUndefined();
    expect(cmd.components).toHaveLength(1);
    const c0 = cmd.components[0]!;
    expect(c0).toMatchObject({ clusterId: 0x0702, frameControl: 0x00, sequenceNumber: 0, commandId: 0x00 });
    expect(typed(c0.command).name).toBe('readAttributes');
    expect(typed(c0.command).fields.attributes).toEqual([
      { id: 0x0302, name: 'divisor' },
      { id: 0x0301, name: 'multiplier' },
      { id: 0x0300, name: 'unitOfMeasure' },
      { id: 0x0000, name: 'currentSummationDelivered' },
    ]);

    const l = find('4.1.1_GCS13a', 'GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE');
    const rsp = decodeLoc(l);
    const r0 = rsp.components[0]!;
    expect(r0).toMatchObject({ clusterId: 0x0702, frameControl: 0x18, sequenceNumber: 0, commandId: 0x01 });
    expect(r0.command).toBeUndefined();
    expect(r0.encrypted).toMatchObject({ additionalHeaderControl: 0, additionalFrameCounter: 0 });
    const parts = gbzEncryptedParts(rsp);
    expect(parts).toHaveLength(1);
    expect(parts[0]!.path).toBe('components[0].encrypted.block');
    expect(parts[0]!.block.securityControl).toBe(0x31);
    expect(parts[0]!.block.invocationCounter).toBe(0);
    expect(parts[0]!.block.ciphertext).toHaveLength(29 * 2);
    expect(parts[0]!.block.tag).toBe('C6BE7509E30300A9CCBA6CDA');

    // Plaintext given in gbcs-framing §3.3.
    const plain = fromHex('02030022E8030001030022010000000300300100000025393000000000');
    const dec = typed(parts[0]!.decodePlaintext(plain) as ZclCommand);
    expect(dec.name).toBe('readAttributesResponse');
    expect(dec.fields.records).toEqual([
      { id: 0x0302, name: 'divisor', status: 0, type: 0x22, value: 1000 },
      { id: 0x0301, name: 'multiplier', status: 0, type: 0x22, value: 1 },
      { id: 0x0300, name: 'unitOfMeasure', status: 0, type: 0x30, value: 1 },
      { id: 0x0000, name: 'currentSummationDelivered', status: 0, type: 0x25, value: 12345 },
    ]);

    const { key, iv } = payloadKey(l);
    const got = decryptPayload(key, iv, fromHex(parts[0]!.block.ciphertext), fromHex(parts[0]!.block.tag));
    expect(toHex(got!)).toBe(toHex(plain));
  });

  it('CS11: Clear Event Log Request for log 3, response reports log bitmap 0x08', () => {
    const cmd = decodeLoc(find('3.3_CS11', 'CS11_3.3_SUCCESS_COMMAND'));
    expect(cmd.components).toEqual([
      {
        clusterId: 0x0709,
        frameControl: 0x01,
        sequenceNumber: 0,
        commandId: 0x01,
        command: { typed: true, name: 'clearEventLogRequest', fields: { logId: 3 } },
      },
    ]);
    const rsp = decodeLoc(find('3.3_CS11', 'CS11_3.3_SUCCESS_RESPONSE'));
    expect(rsp.components).toEqual([
      {
        clusterId: 0x0709,
        frameControl: 0x09,
        sequenceNumber: 0,
        commandId: 0x02,
        command: { typed: true, name: 'clearEventLogResponse', fields: { clearedEventsLogs: 0x08 } },
      },
    ]);
  });

  it('GCS38: Read Attributes of Metering 0x0206 and its octet-string response 0123ABCD (gbcs-framing §3.3)', () => {
    const command = fromHex('0109010107020005000000' + '0602');
    const c = decodeGbz(command, 100, { messageCode: 0x0084, cra: 'command' });
    expect(typed(c.components[0]!.command).fields.attributes).toEqual([{ id: 0x0206, name: 'currentMeterId' }]);
    expect(toHex(encodeGbz(c))).toBe(toHex(command));

    const response = fromHex('01090101' + '0702000C' + '080001' + '0602' + '00' + '41' + '040123ABCD');
    const r = decodeGbz(response, 0, { messageCode: 0x0084, cra: 'response' });
    expect(r.components[0]).toMatchObject({ clusterId: 0x0702, frameControl: 0x08, commandId: 0x01 });
    expect(typed(r.components[0]!.command)).toEqual({
      typed: true,
      name: 'readAttributesResponse',
      fields: { records: [{ id: 0x0206, name: 'currentMeterId', status: 0, type: 0x41, value: '0123ABCD' }] },
    });
    expect(toHex(encodeGbz(r))).toBe(toHex(response));
  });

  it('GCS21e: Basic cluster strings (UTF-8 text, or hex when the bytes are not text)', () => {
    const rsp = decodeLoc(find('6.2.4_GCS21e', 'GCS21e_6.2.4_SUCCESS_RESPONSE'));
    expect(typed(rsp.components[0]!.command).fields.records).toEqual([
      { id: 0x0004, name: 'manufacturerName', status: 0, type: 0x42, value: 'Critical Software' },
      { id: 0x0005, name: 'modelIdentifier', status: 0, type: 0x42, value: { hex: '474649202020202000DB1234567890A1' } },
      { id: 0x0003, name: 'hwVersion', status: 0, type: 0x20, value: 1 },
    ]);
    expect(typed(rsp.components[1]!.command).fields.records).toEqual([
      { id: 0x0608, name: 'supplyDepletionState', status: 0, type: 0x30, value: 3 },
      { id: 0x0607, name: 'supplyTamperState', status: 0, type: 0x30, value: 3 },
    ]);
    const err = decodeLoc(find('6.2.4_GCS21e', 'GCS21e_6.2.4_ERROR_RESPONSE'));
    expect(typed(err.components[0]!.command).fields.records).toContainEqual({ id: 0x0004, name: 'manufacturerName', status: 0xc0 });
    expect(typed(err.components[1]!.command)).toEqual({
      typed: true,
      name: 'defaultResponse',
      fields: { commandId: 0xff, statusCode: 0x01 },
    });
  });

  it('GCS01a: price publishes (tariff information, block thresholds, price matrix) and calendar', () => {
    const g = decodeLoc(find('1.1.1_GCS01a', 'GCS01a_1.1.1_FUTURE_DATED_BLOCK_SUCCESS_COMMAND'));
    expect(g.components).toHaveLength(8);
    const byName = new Map(g.components.map((c) => [typed(c.command).name, typed(c.command).fields]));
    expect(g.components.map((c) => c.clusterId)).toEqual([0x0707, 0x0707, 0x0707, 0x0707, 0x0707, 0x0700, 0x0700, 0x0700]);
    expect(g.components.every((c) => c.frameControl === 0x09)).toBe(true);
    expect(byName.get('publishTariffInformation')).toEqual({
      providerId: 0,
      issuerEventId: 0x1c374a80,
      issuerTariffId: 1,
      startTime: '2030-01-15T09:00:00Z',
      tariffTypeChargingScheme: 0x10,
      tariffLabel: '',
      numberOfPriceTiersInUse: 0,
      numberOfBlockThresholdsInUse: 3,
      unitOfMeasure: 0,
      currency: 826, // GBP
      priceTrailingDigit: 0x50,
      standingCharge: 54794,
      tierBlockMode: 0xff,
      blockThresholdMultiplier: 1,
      blockThresholdDivisor: 1000,
    });
    expect(byName.get('publishBlockThresholds')).toMatchObject({
      issuerTariffId: 1,
      subPayloadControl: 1,
      blockThresholds: [{ tier: 0, blockThresholds: [1_000_000, 2_000_000, 3_000_000] }],
    });
    expect(byName.get('publishPriceMatrix')).toMatchObject({
      commandIndex: 0,
      numberOfCommands: 1,
      priceMatrix: [
        { tierBlockId: 0, price: 9600 },
        { tierBlockId: 1, price: 10200 },
        { tierBlockId: 2, price: 10750 },
        { tierBlockId: 3, price: 11000 },
      ],
    });
    expect(byName.get('publishCalendar')).toMatchObject({ issuerCalendarId: 0x1c374a80, startTime: '2030-01-15T09:00:00Z', numberOfSeasons: 1 });
    expect(byName.get('publishSeasons')).toMatchObject({
      seasonEntries: [{ seasonStartDate: { year: null, month: 3, day: 20, dayOfWeek: null }, weekIdRef: 1 }],
    });

    // "Now" and "cancel" start times stay numbers, not year-2000/2136 dates.
    const now = decodeLoc(find('1.1.1_GCS01a', 'GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_COMMAND'));
    expect(typed(now.components[0]!.command).fields.startTime).toBe(0);
    const cancel = decodeLoc(find('1.1.1_GCS01a', 'GCS01a_1.1.1_CANCELLATION_BLOCK_SUCCESS_COMMAND'));
    expect(typed(cancel.components[0]!.command).fields.startTime).toBe(0xfffffffe);
  });

  it('GCS24: Set Uncontrolled Flow Threshold and Set Supply Status, answered by Default Responses', () => {
    const g = decodeLoc(find('6.7_GCS24', 'GCS24_6.7_SUCCESS_COMMAND'));
    expect(g.components.map((c) => c.command && typed(c.command).name)).toEqual(['setUncontrolledFlowThreshold', 'setSupplyStatus']);
    expect(typed(g.components[1]!.command).fields).toEqual({
      issuerEventId: 0x1c374a80,
      supplyTamperState: 3,
      supplyDepletionState: 3,
      supplyUncontrolledFlowState: 0,
      loadLimitSupplyState: 3,
    });
    expect(typed(g.components[0]!.command).fields).toMatchObject({ unitOfMeasure: 1, stabilisationPeriod: 60, measurementPeriod: 300 });
    const rsp = decodeLoc(find('6.7_GCS24', 'GCS24_6.7_ERROR_RESPONSE'));
    expect(rsp.components.map((c) => typed(c.command).fields)).toEqual([
      { commandId: 0x0e, statusCode: 0x00 },
      { commandId: 0x0d, statusCode: 0xc0 },
    ]);
  });

  it('CS01b: UTRN top-up and its response', () => {
    const cmd = decodeLoc(find('2.2_CS01b', 'CS01b_2.2_SUCCESS_COMMAND'));
    expect(typed(cmd.components[0]!.command)).toEqual({
      typed: true,
      name: 'consumerTopUp',
      fields: { originatingDevice: 0, topUpCode: '73950067887105178605' },
    });
    const rsp = decodeLoc(find('2.2_CS01b', 'CS01b_2.2_SUCCESS_RESPONSE'));
    expect(typed(rsp.components[0]!.command).fields).toEqual({ resultType: 0, topUpValue: 1250000, sourceOfTopUp: 0, creditRemaining: 25144000 });
  });

  it('future-dated outcome alert 0x00CD carries the command it reports on', () => {
    const g = decodeLoc(find('1.1.1_GCS01a', 'GCS01a_1.1.1_8F66_FUTURE_DATED_BLOCK_SUCCESS_ALERT_PUBLISH_BLOCK_THRESHOLDS'));
    expect(g).toEqual({
      alert: { alertCode: 0x8f66, timestamp: '2030-01-15T09:00:00Z' },
      components: [],
      alertTail: {
        kind: 'futureDatedOutcome',
        componentCount: 1,
        messageCode: 0x006b,
        originatorCounter: '1005',
        clusterId: 0x0700,
        frameControl: 0x09,
        commandId: 0x06,
      },
    });
  });

  it('GCA and GNCA ZigBee alerts have no components; FDRA carries the image hash', () => {
    const gca = decodeLoc(find('NA_GCA-ZigBee', 'GCA-ZigBee'));
    expect(gca.alert).toEqual({ alertCode: 0x8f30, timestamp: '2015-01-01T00:00:00Z' });
    expect(gca.components).toEqual([]);
    expect(gca.alertTail).toBeUndefined();
    const gnca = decodeLoc(find('NA_GNCA-ZigBee', 'GNCA-ZigBee'));
    expect(gnca).toEqual({ alert: { alertCode: 0x810e, timestamp: '2015-01-01T00:00:00Z' }, components: [] });
    const fdra = decodeLoc(find('NA_FDRA-ZigBee', 'FDRA-ZigBee'));
    expect(fdra.alertTail).toEqual({ kind: 'firmwareImageHash', componentCount: 1, imageHash: 'A1'.repeat(32) });
  });

  it('MIIWA (0x00F2) carries a 2-byte integrity code', () => {
    const bytes = fromHex('01090181A01C374A800004');
    const g = decodeGbz(bytes, 0, { messageCode: 0x00f2, cra: 'alert' });
    expect(g.alertTail).toEqual({ kind: 'meterIntegrityWarning', componentCount: 1, integrityCode: 4 });
    expect(toHex(encodeGbz(g))).toBe(toHex(bytes));
  });

  it('GCS53: billing data log alert with one encrypted Publish Snapshot', () => {
    const l = find('NA_GCS53', 'GCS53');
    const g = decodeLoc(l);
    expect(g.alert?.alertCode).toBe(0x8f0a);
    expect(g.components).toHaveLength(1);
    expect(g.components[0]).toMatchObject({ clusterId: 0x0702, frameControl: 0x19, commandId: 0x06 });
    const p = gbzEncryptedParts(g)[0]!;
    const { key, iv } = payloadKey(l);
    const snap = typed(p.decodePlaintext(decryptPayload(key, iv, fromHex(p.block.ciphertext), fromHex(p.block.tag))!) as ZclCommand);
    expect(snap.name).toBe('publishSnapshot');
    expect(snap.fields).toMatchObject({ snapshotTime: '2015-01-01T00:00:00Z', snapshotPayloadType: 6, totalSnapshotsFound: 1 });
    const payload = snap.fields.snapshotPayload as { tierSummations: number[]; tierBlockSummations: number[] };
    expect(payload.tierSummations).toHaveLength(4);
    expect(payload.tierBlockSummations).toHaveLength(4);
  });

  it('GCS18 decrypts to 41 gas network samples', () => {
    const l = find('4.10_GCS18', 'GCS18_4.10_SUCCESS_RESPONSE');
    const p = gbzEncryptedParts(decodeLoc(l))[0]!;
    const { key, iv } = payloadKey(l);
    const s = typed(p.decodePlaintext(decryptPayload(key, iv, fromHex(p.block.ciphertext), fromHex(p.block.tag))!) as ZclCommand);
    expect(s.name).toBe('getSampledDataResponse');
    expect(s.fields).toMatchObject({ sampleId: 2, sampleStartTime: '2014-12-31T20:00:00Z', sampleType: 0, sampleRequestInterval: 360 });
    expect(s.fields.samples).toHaveLength(41);
  });
});

// ---- errors ------------------------------------------------------------------------------------------------

describe('GBZ errors', () => {
  const cs11 = fromHex('01090101070900040100010' + '3');

  it('every truncation of a corpus payload is a GbcsDecodeError', () => {
    for (const l of GBZ.filter((_, i) => i % 7 === 0)) {
      for (let n = 0; n < l.payload.length; n++) {
        decodeError(() => decodeGbz(l.payload.subarray(0, n), l.base, l.ctx));
      }
    }
  });

  it('reports absolute offsets and fields', () => {
    const e = decodeError(() => decodeGbz(fromHex('0104010107090004010001'), 40, { messageCode: 0x15, cra: 'command' }));
    expect(e.offset).toBe(40);
    expect(e.field).toBe('gbz.profileId');
    const t = decodeError(() => decodeGbz(cs11.subarray(0, 10), 40, { messageCode: 0x15, cra: 'command' }));
    expect(t.field).toBe('gbz.component.length');
    expect(t.offset).toBe(46);
  });

  it('enforces the control byte rules and the component count', () => {
    const ctx: GbzDecodeContext = { messageCode: 0x15, cra: 'command' };
    expect(decodeError(() => decodeGbz(fromHex('01090100070900040100010' + '3'), 0, ctx)).reason).toMatch(/lacks the last-component flag/);
    expect(decodeError(() => decodeGbz(fromHex('01090121070900040100010' + '3'), 0, ctx)).reason).toMatch(/reserved bits/);
    expect(decodeError(() => decodeGbz(fromHex('0109020107090004010001030107090004010001' + '03'), 0, ctx)).reason).toMatch(
      /flag set before the last/,
    );
    expect(decodeError(() => decodeGbz(fromHex('0109020107090004010001' + '03'), 0, ctx)).field).toBe('gbz.component.control');
    expect(decodeError(() => decodeGbz(fromHex('0109010107090004010001' + '0300'), 0, ctx)).reason).toMatch(/trailing/);
    expect(decodeError(() => decodeGbz(fromHex('0109010107090005010001' + '03'), 0, ctx)).field).toBe('gbz.component.length');
    expect(decodeError(() => decodeGbz(fromHex('01090001'), 0, ctx)).reason).toMatch(/trailing/);
  });

  it('rejects an encrypted component whose ciphered length disagrees with the component length', () => {
    const l = find('4.1.1_GCS13a', 'GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE');
    const bad = l.payload.slice();
    bad[14] = 0x2d; // ciphered length 0x002E -> 0x002D
    expect(decodeError(() => decodeGbz(bad, l.base, l.ctx)).field).toBe('gbz.component.cipheredLength');
  });

  it('keeps a payload that does not fit its schema as untyped bytes, with the reason', () => {
    const g = decodeGbz(fromHex('010901010709000501000103FF'), 0, { messageCode: 0x15, cra: 'command' });
    expect(g.components[0]!.command).toMatchObject({ typed: false, name: 'clearEventLogRequest', payload: '03FF' });
    expect(countUntypedGbz(g)).toBe(1);
    expect(toHex(encodeGbz(g))).toBe('010901010709000501000103FF');
    const unknown = decodeGbz(fromHex('01090101070900030100FE'), 0, { messageCode: 0x15, cra: 'command' });
    expect(unknown.components[0]!.command).toEqual({ typed: false, payload: '' });
  });

  it('encoder rejects bad values with the path of the field', () => {
    const g = decodeLoc(find('6.7_GCS24', 'GCS24_6.7_SUCCESS_COMMAND'));
    const j = JSON.parse(JSON.stringify(g));
    j.components[1].command.fields.supplyTamperState = 256;
    expect(encodeError(() => encodeGbz(j)).path).toBe('gbz.components[1].command.fields.supplyTamperState');
    const k = JSON.parse(JSON.stringify(g));
    delete k.components[0].command.fields.divisor;
    expect(encodeError(() => encodeGbz(k)).path).toBe('gbz.components[0].command.fields.divisor');
    const n = JSON.parse(JSON.stringify(g));
    n.components[0].command.name = 'setSupplyStatus';
    expect(encodeError(() => encodeGbz(n)).path).toBe('gbz.components[0].command.name');
    expect(encodeError(() => encodeGbz({ components: [{ clusterId: 1 }] })).path).toBe('gbz.components[0].frameControl');
    expect(encodeError(() => encodeGbz({ components: 'x' })).path).toBe('gbz.components');
    expect(encodeError(() => encodeGbz(null)).path).toBe('gbz');
    const alert = decodeLoc(find('NA_FDRA-ZigBee', 'FDRA-ZigBee'));
    expect(encodeError(() => encodeGbz({ ...alert, alertTail: { ...alert.alertTail, kind: 'x' } })).path).toBe('gbz.alertTail.kind');
    expect(encodeError(() => encodeGbz({ ...alert, alert: { alertCode: 1, timestamp: 'yesterday' } })).path).toBe('gbz.alert.timestamp');
    const enc = decodeLoc(find('4.1.1_GCS13a', 'GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE'));
    const e2 = JSON.parse(JSON.stringify(enc));
    e2.components[0].encrypted.block.tag = '00';
    expect(encodeError(() => encodeGbz(e2)).path).toBe('gbz.components[0].encrypted.block.tag');
    const typo = JSON.parse(JSON.stringify(g));
    typo.components[1].command.fields.issuerEventID = 1;
    expect(encodeError(() => encodeGbz(typo)).path).toBe('gbz.components[1].command.fields.issuerEventID');
    const m = JSON.parse(JSON.stringify(g));
    m.components[0].manufacturerCode = 0x1234;
    expect(encodeError(() => encodeGbz(m)).path).toBe('gbz.components[0].manufacturerCode');
  });
});

// ---- property tests ----------------------------------------------------------------------------------------

const CTXS: GbzDecodeContext[] = [
  { messageCode: 0x0074, cra: 'command' },
  { messageCode: 0x0074, cra: 'response' },
  { messageCode: 0x1001, cra: 'alert' },
  { messageCode: 0x00cd, cra: 'alert' },
  { messageCode: 0x00cf, cra: 'alert' },
  { messageCode: 0x00f2, cra: 'alert' },
  { messageCode: 0x008b, cra: 'alert' },
];

/** Decoding either fails with GbcsDecodeError or succeeds on something that re-encodes to the same bytes. */
function decodesCleanly(bytes: Uint8Array, ctx: GbzDecodeContext): boolean {
  let g: GbzPayload;
  try {
    g = decodeGbz(bytes, 0, ctx);
  } catch (e) {
    if (e instanceof GbcsDecodeError) return true;
    throw e;
  }
  return roundTrips(bytes, g);
}

describe('GBZ properties', () => {
  it('random bytes only ever give GbcsDecodeError, and whatever decodes re-encodes exactly', () => {
    const body = fc.uint8Array({ maxLength: 120 });
    const bytes = fc.oneof(
      body,
      body.map((b) => concatBytes(fromHex('0109'), b)),
      fc.tuple(fc.integer({ min: 0, max: 3 }), body).map(([n, b]) => concatBytes(fromHex('0109'), Uint8Array.of(n), b)),
    );
    fc.assert(
      fc.property(bytes, fc.constantFrom(...CTXS), (b, ctx) => decodesCleanly(b, ctx)),
      { numRuns: 3000 },
    );
  });

  it('mutated corpus payloads only ever give GbcsDecodeError, and whatever decodes re-encodes exactly', () => {
    const mutation = fc.record({
      index: fc.nat({ max: GBZ.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), {
        minLength: 1,
        maxLength: 4,
      }),
    });
    fc.assert(
      fc.property(mutation, ({ index, edits }) => {
        const l = GBZ[index]!;
        let b = Array.from(l.payload);
        for (const [pos, value, op] of edits) {
          const p = pos % (b.length + 1);
          if (op === 'set' && p < b.length) b[p] = value;
          else if (op === 'insert') b.splice(p, 0, value);
          else if (op === 'delete' && p < b.length) b.splice(p, 1);
        }
        return decodesCleanly(Uint8Array.from(b), l.ctx);
      }),
      { numRuns: 3000 },
    );
  });

  it('the ZCL data types decode and re-encode every value read from random bytes', () => {
    // Read Attributes Response records with random types exercise every type in the table.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 }), (type, value) => {
        const zcl = concatBytes(Uint8Array.of(0x08, 0x00, 0x01, 0x00, 0x00, 0x00, type), value);
        const bytes = concatBytes(fromHex('01090101070200'), Uint8Array.of(zcl.length), zcl);
        return decodesCleanly(bytes, CTXS[1]!);
      }),
      { numRuns: 3000 },
    );
  });
});

// ---- builders ----------------------------------------------------------------------------------------------

describe('GBZ builders', () => {
  it('Default Responses to GCS24 rebuild the RTDS response byte for byte', () => {
    const cmd = decodeLoc(find('6.7_GCS24', 'GCS24_6.7_SUCCESS_COMMAND'));
    const rsp = find('6.7_GCS24', 'GCS24_6.7_SUCCESS_RESPONSE');
    const built: GbzPayload = { components: cmd.components.map((c) => defaultResponseTo(c, 0)) };
    expect(toHex(encodeGbz(built))).toBe(toHex(rsp.payload));
    expect(built).toEqual(decodeLoc(rsp));
  });

  it('Read Attributes Response to GCS21e rebuilds the RTDS response from names and values', () => {
    const cmd = decodeLoc(find('6.2.4_GCS21e', 'GCS21e_6.2.4_SUCCESS_COMMAND'));
    const rsp = find('6.2.4_GCS21e', 'GCS21e_6.2.4_SUCCESS_RESPONSE');
    const values: Record<string, unknown> = {
      manufacturerName: 'Critical Software',
      modelIdentifier: { hex: '474649202020202000DB1234567890A1' },
      hwVersion: 1,
      supplyDepletionState: 3,
      supplyTamperState: 3,
    };
    const built: GbzPayload = {
      components: cmd.components.map((c) =>
        readAttributesResponseTo(c, (_id, name) => (name && name in values ? { value: values[name] as never } : undefined)),
      ),
    };
    expect(toHex(encodeGbz(built))).toBe(toHex(rsp.payload));
  });

  it('unknown attributes are answered UNSUPPORTED_ATTRIBUTE', () => {
    const req = zclComponent({ clusterId: 0x0702, command: 'readAttributes', fields: { attributes: [0x0000, 'siteId', { id: 0x7777 }] } });
    const rsp = readAttributesResponseTo(req, (id) => (id === 0 ? { value: 42 } : id === 0x0307 ? { status: 0x8b } : undefined));
    expect(typed(rsp.command).fields.records).toEqual([
      { id: 0, name: 'currentSummationDelivered', status: 0, type: 0x25, value: 42 },
      { id: 0x0307, name: 'siteId', status: 0x8b },
      { id: 0x7777, status: 0x86 },
    ]);
    expect(rsp.frameControl).toBe(0x08);
    expect(findAttribute(0x0702, 'divisor')).toEqual({ id: 0x0302, name: 'divisor', type: 0x22 });
  });

  it('builds cluster commands by name, with direction from the schema', () => {
    const c = zclComponent({
      clusterId: 0x0702,
      command: 'supplyStatusResponse',
      sequenceNumber: 0,
      fields: { providerId: 0, issuerEventId: 0x1c374a80, implementationDateTime: 0, supplyStatus: 1 },
    });
    const rtds = decodeLoc(find('7.3_GCS39', 'GCS39_7.3_SUCCESS_RESPONSE'));
    expect(c).toEqual(rtds.components[0]);
    expect(() => zclComponent({ clusterId: 0x0702, command: 'noSuchCommand' })).toThrow(GbcsEncodeError);
    expect(() => zclComponent({ clusterId: 0x0702, command: 'startSamplingResponse', fields: { sampleId: -1 } })).toThrow(GbcsEncodeError);
  });

  it('re-encrypting the GCS13a plaintext rebuilds the RTDS response byte for byte', () => {
    const l = find('4.1.1_GCS13a', 'GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_RESPONSE');
    const cmd = decodeLoc(find('4.1.1_GCS13a', 'GCS13a_4.1.1_SUCCESS_RELIABLE_GSME_COMMAND'));
    const values: Record<string, number> = { divisor: 1000, multiplier: 1, unitOfMeasure: 1, currentSummationDelivered: 12345 };
    const plain = readAttributesResponseTo(cmd.components[0]!, (_id, name) => ({ value: values[name!]! }), {
      disableDefaultResponse: true,
    });
    const bytes = zclPayloadBytes(plain.clusterId, plain.frameControl, plain.commandId, plain.command);
    const { key, iv } = payloadKey(l);
    const { ciphertext, tag } = encryptPayload(key, iv, bytes);
    const comp: GbzComponent = encryptedComponent(plain, {
      securityControl: 0x31,
      invocationCounter: 0,
      ciphertext: toHex(ciphertext),
      tag: toHex(tag),
    });
    expect(toHex(encodeGbz({ components: [comp] }))).toBe(toHex(l.payload));
    expect(decodeZclCommand(bytes, 0x0702, 0x18, 0x01)).toEqual(plain.command);
  });
});

// ---- speed -------------------------------------------------------------------------------------------------

describe('GBZ speed', () => {
  it('decodes corpus payloads quickly', () => {
    const rounds = 20;
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) for (const l of GBZ) decodeLoc(l);
    const perSecond = (rounds * GBZ.length) / ((performance.now() - t0) / 1000);
    console.info(`GBZ decode: ${Math.round(perSecond)} payloads/s`);
    // Generous floor: the target is whole frames at 50k/s, of which GBZ decoding is one part.
    expect(perSecond).toBeGreaterThan(20_000);
  });
});
