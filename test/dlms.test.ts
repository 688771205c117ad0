import { createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual, firstDifference, fromHex, toHex } from '../protocols/bytes.js';
import { GbcsDecodeError, GbcsEncodeError } from '../protocols/errors.js';
import {
  type DlmsAccessRequest,
  type DlmsAccessResponse,
  type DlmsApdu,
  type DlmsData,
  type DlmsDataNotification,
  type DlmsTypeDescription,
  accessResultName,
  cosemClassName,
  decodeDlms,
  decodeDlmsData,
  dlmsEncryptedParts,
  encodeDlms,
  encodeDlmsData,
  obisName,
} from '../protocols/gbcs/dlms/index.js';
import { euiToBytes } from '../protocols/eui.js';
import { secondsSince2000ToIso } from '../protocols/gbcs/time.js';
import { expectDecodeError, expectEncodeError, viaJson } from './expect-errors.js';
import { KEYSTORE_DIR, type VectorPayload, vectorPayloads } from './vectors.js';

// gbcs-framing §3.1: codes that are ASN.1 whatever their first byte.
const ASN1_CODES = new Set([
  0x0008, 0x000a, 0x000b, 0x000c, 0x000d, 0x000e, 0x000f, 0x0010, 0x0012, 0x0013, 0x007f, 0x008c, 0x00ab, 0x00af,
  0x00b2, 0x00ca, 0x00cb, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x0105, 0x0106, 0x0107, 0x0108, 0x0109, 0x0128,
  0x0129, 0x011b, 0x0124, 0x0125, 0x0126, 0x012b,
]);

const PAYLOADS: VectorPayload[] = vectorPayloads().filter((p) => !ASN1_CODES.has(p.messageCode) && [0xd9, 0xda, 0x0f].includes(p.bytes[0]!));

function payload(name: string): VectorPayload {
  const p = PAYLOADS.find((x) => x.vector.name === name);
  if (!p) throw new Error(`no DLMS payload ${name}`);
  return p;
}

function decoded<T extends DlmsApdu>(name: string): T {
  const p = payload(name);
  return decodeDlms(p.bytes, p.base) as T;
}

const u32 = (value: number): DlmsData => ({ type: 'uint32', value });
const u16 = (value: number): DlmsData => ({ type: 'uint16', value });
const u8 = (value: number): DlmsData => ({ type: 'uint8', value });
const bits32 = (hex: string): DlmsData => ({ type: 'bit-string', bits: 32, hex });
const oct = (hex: string): DlmsData => ({ type: 'octet-string', hex });

describe('DLMS corpus', () => {
  it('every DLMS payload decodes and re-encodes byte-identical', () => {
    let same = 0;
    const counts = { 'access-request': 0, 'access-response': 0, 'data-notification': 0 };
    for (const p of PAYLOADS) {
      const apdu = decodeDlms(p.bytes, p.base);
      counts[apdu.type]++;
      const again = encodeDlms(apdu);
      if (!bytesEqual(again, p.bytes)) {
        throw new Error(`${p.vector.name}: re-encoding differs at payload byte ${firstDifference(again, p.bytes)}`);
      }
      // The JSON form (what a user edits) must encode to the same bytes too.
      expect(bytesEqual(encodeDlms(viaJson(apdu)), p.bytes)).toBe(true);
      same++;
    }
    // 532 in the shared subset of RTDS 4.5.0; the full corpus has 743 (gbcs-framing §5).
    expect([532, 743]).toContain(same);
    expect(counts['access-request'] + counts['access-response'] + counts['data-notification']).toBe(same);
    expect(counts['data-notification']).toBeGreaterThan(0);
  });

  it('long-invoke-id-and-priority is 0x20 and the low 24 bits of the originator counter', () => {
    for (const p of PAYLOADS) {
      const apdu = decodeDlms(p.bytes, p.base);
      expect(apdu.invokeIdAndPriority).toBe(0x20000000 + Number(p.header.counter & 0xffffffn));
      expect(apdu.dateTime).toBeNull();
      if (apdu.type === 'access-response') expect(apdu.requestSpecs).toBeNull();
    }
  });

  it('DBCH01 command: get of the operating Sub GHz channel', () => {
    const a = decoded<DlmsAccessRequest>('DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX');
    expect(a).toEqual({
      type: 'access-request',
      invokeIdAndPriority: 0x20000514,
      dateTime: null,
      specs: [{ type: 'get', classId: 1, obis: '00005E2C0A02', obisText: '0-0:94.44.10.2', attribute: 2 }],
      data: [{ type: 'null' }],
    });
    expect(cosemClassName(a.specs[0]!.classId)).toBe('Data');
    expect(obisName(a.specs[0]!.obis)).toBe('Operating Sub GHz channel');
  });

  it('DBCH01 response: bit-string E0000001 and get success', () => {
    const a = decoded<DlmsAccessResponse>('DBCH01_6.31_SUCCESS_RESPONSE_GBCS.HEX');
    expect(a.type).toBe('access-response');
    expect(a.invokeIdAndPriority).toBe(0x20000514);
    expect(a.dateTime).toBeNull();
    expect(a.requestSpecs).toBeNull();
    expect(a.data).toEqual([bits32('E0000001')]);
    expect(a.results).toEqual([{ type: 'get', result: 0 }]);
    expect(accessResultName('get', 0)).toBe('success');

    const err = decoded<DlmsAccessResponse>('DBCH01_6.31_ERROR_RESPONSE_GBCS.HEX');
    expect(err.data).toEqual([{ type: 'null' }]);
    expect(err.results).toEqual([{ type: 'get', result: 1 }]);
    expect(accessResultName('get', 1)).toBe('hardware-fault');
  });

  it('DBCH02 command: get-with-selection with a range descriptor', () => {
    const a = decoded<DlmsAccessRequest>('DBCH02_6.32_SUCCESS_COMMAND_GBCS.HEX');
    expect(a.specs).toEqual([
      {
        type: 'get-with-selection',
        classId: 7,
        obis: '00005E2C0A03',
        obisText: '0-0:94.44.10.3',
        attribute: 2,
        selector: 1,
        parameters: {
          type: 'structure',
          items: [
            { type: 'structure', items: [u16(1), oct('00005E2C64FF'), { type: 'int8', value: 2 }, u16(0)] },
            u32(472348800),
            u32(473331600),
            { type: 'array', items: [] },
          ],
        },
      },
    ]);
    expect(a.data).toEqual([{ type: 'null' }]);
    expect(secondsSince2000ToIso(472348800)).toBe('2014-12-20T00:00:00Z');
  });

  it('DBCH02 response: compact-array of 11 channel-log rows', () => {
    const a = decoded<DlmsAccessResponse>('DBCH02_6.32_SUCCESS_RESPONSE_GBCS.HEX');
    expect(a.results).toEqual([{ type: 'get', result: 0 }]);
    expect(a.data).toHaveLength(1);
    const ca = a.data[0]!;
    if (ca.type !== 'compact-array') throw new Error(`expected compact-array, got ${ca.type}`);
    expect(ca.description).toEqual({
      type: 'structure',
      elements: [{ type: 'uint32' }, { type: 'uint16' }, { type: 'octet-string' }],
    });
    const times = [
      472348800, 472470300, 472570380, 472653060, 472713000, 472825380, 472944360, 472967940, 473088000, 473153160,
      473284620,
    ];
    const channels = ['E0000001', 'E8000002', 'F0000004', 'F8000008', 'E0000010', 'E8000020', 'F0000040', 'F8000080'];
    expect(ca.rows).toHaveLength(11);
    ca.rows.forEach((row, i) => {
      expect(row).toEqual({
        type: 'structure',
        items: [u32(times[i]!), u16(0x8f26), oct(`${channels[i % 8]}0901${toHex(new Uint8Array([i % 8]))}`)],
      });
    });
    expect(secondsSince2000ToIso(times[10]!)).toBe('2014-12-30T19:57:00Z');
  });

  it('DBCH03 response: structure of 15 configuration values', () => {
    const a = decoded<DlmsAccessResponse>('DBCH03_6.30_SUCCESS_RESPONSE_GBCS.HEX');
    expect(a.results).toEqual([{ type: 'get', result: 0 }]);
    expect(a.data).toEqual([
      {
        type: 'structure',
        items: [
          bits32('E0000003'),
          bits32('E8000003'),
          bits32('F0000003'),
          bits32('F8000003'),
          u16(125),
          u16(200),
          u8(4),
          u16(6),
          u8(6),
          u8(10),
          u16(5050),
          u8(125),
          u16(90),
          u16(5000),
          u16(3000),
        ],
      },
    ]);
  });

  it('DBCH07 alert: data-notification with code, date-time and channel', () => {
    const a = decoded<DlmsDataNotification>('DBCH07_NA_8F26_ALERT_GBCS.HEX');
    expect(a).toEqual({
      type: 'data-notification',
      invokeIdAndPriority: 0x20000fa0,
      dateTime: null,
      body: {
        type: 'structure',
        items: [
          u16(0x8f26),
          {
            type: 'date-time',
            value: {
              year: 2015,
              month: 1,
              day: 1,
              dayOfWeek: 0xff,
              hour: 0,
              minute: 0,
              second: 0,
              hundredths: 0,
              deviation: -32768,
              clockStatus: 0xff,
              iso: '2015-01-01T00:00:00',
            },
          },
          { type: 'structure', items: [bits32('E0000001'), oct('00')] },
        ],
      },
    });
    expect(dlmsEncryptedParts(a)).toEqual([]);
  });

  it('ECS17b response: protected data found by shape, plaintext decodes', () => {
    const a = decoded<DlmsAccessResponse>('ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX');
    expect(a.results).toEqual([{ type: 'action', result: 0 }]);
    const parts = dlmsEncryptedParts(a);
    expect(parts).toHaveLength(1);
    const part = parts[0]!;
    expect(part.path).toBe('data[0].items[1]');
    expect(part.block).toEqual({
      securityControl: 0x31,
      invocationCounter: 0,
      ciphertext: 'E3035372DDD0648ADEDB866DFF001F09450DEBD034C36C6101DC',
      tag: '1D3CB50D35311B344436F883',
    });
    // protection type 2 with options {transaction id 04 ‖ counter 1000, originator, recipient, other-info, key info}
    expect(part.parameters).toMatchObject({
      type: 'array',
      items: [
        {
          type: 'structure',
          items: [
            { type: 'enum', value: 2 },
            {
              type: 'structure',
              items: [
                oct('0400000000000003E8'),
                oct('00DB1234567890A0'),
                oct('90B3D51F30010000'),
                oct(''),
                { type: 'structure', items: [{ type: 'enum', value: 2 }, { type: 'structure', items: [oct('02'), oct('')] }] },
              ],
            },
          ],
        },
      ],
    });
    // gbcs-framing §2.5 worked example.
    const plain = fromHex('02010204060000000A02020F00161E060000000A02020F001620');
    expect(part.decodePlaintext(plain)).toEqual({
      type: 'structure',
      items: [
        {
          type: 'structure',
          items: [
            u32(10),
            { type: 'structure', items: [{ type: 'int8', value: 0 }, { type: 'enum', value: 30 }] },
            u32(10),
            { type: 'structure', items: [{ type: 'int8', value: 0 }, { type: 'enum', value: 32 }] },
          ],
        },
      ],
    });
    expectDecodeError(() => part.decodePlaintext(plain.subarray(0, plain.length - 1)));
  });

  it('protected data is found in responses and the ECS68 alert, nowhere else', () => {
    const found = new Map<string, string[]>();
    for (const p of PAYLOADS) {
      const parts = dlmsEncryptedParts(decodeDlms(p.bytes, p.base));
      if (parts.length) found.set(p.vector.name, parts.map((x) => x.path));
    }
    for (const [name, paths] of found) {
      expect(name).toMatch(/_(RESPONSE|ALERT)_/);
      expect(paths).toEqual([name.startsWith('ECS68') ? 'body.items[3]' : 'data[0].items[1]']);
    }
    expect([...found.keys()].filter((n) => n.startsWith('ECS68'))).toHaveLength(2);
    expect(found.size).toBeGreaterThanOrEqual(15);
  });

  it('an access-request spec list can mix set, action and get (ECS70)', () => {
    const a = decoded<DlmsAccessRequest>('ECS70_6.11_SUCCESS_COMMAND_GBCS.HEX');
    expect(a.specs.map((s) => s.type)).toEqual(['set', 'action', 'action', 'get', 'get']);
    expect(a.specs[1]).toMatchObject({ classId: 8, obisText: '0-0:1.0.0.255', method: 5 });
    expect(a.data[0]).toEqual({ type: 'enum', value: 5 });
    const preset = a.data[1]!;
    if (preset.type !== 'structure') throw new Error('expected structure');
    expect(preset.items.map((d) => (d.type === 'date-time' ? d.value.iso : d.type))).toEqual([
      '****-**-**T**:**:**',
      '2014-12-31T23:59:10',
      '2015-01-01T00:00:10',
    ]);
  });
});

/*
 * Decrypting the RTDS protected data with the test keystore (gbcs-framing §2.2/§2.5) shows that real
 * plaintexts, ECS68's compact-array with 48-element arrays included, decode exactly via decodePlaintext.
 */
describe('DLMS protected-data plaintexts', () => {
  const hex = (b: Uint8Array) => toHex(b).toLowerCase();
  const keyFile = (eui: Uint8Array, suffix: string) => join(KEYSTORE_DIR, `${hex(eui)}${suffix}`);

  function decrypt(p: VectorPayload, block: { ciphertext: string; tag: string }): Uint8Array | undefined {
    const { otherInfo: oi, originator: originatorEui, target } = p.header;
    const partyV = euiToBytes('remotePartyId' in oi ? oi.remotePartyId : target);
    const counterValue = oi.form === 'supplementary+originator-counter' ? oi.originatorCounter : p.header.counter;
    const counter = fromHex(counterValue.toString(16).padStart(16, '0'));
    const originator = euiToBytes(originatorEui);
    const privPath = keyFile(partyV, '-ka.key');
    const pubPath = keyFile(originator, '-ka.pem');
    if (!existsSync(privPath) || !existsSync(pubPath)) return undefined;
    const z = diffieHellman({
      privateKey: createPrivateKey(readFileSync(privPath)),
      publicKey: createPublicKey(new X509Certificate(readFileSync(pubPath)).publicKey.export({ type: 'spki', format: 'pem' })),
    });
    const otherInfo = Buffer.concat([fromHex('60857406080300'), originator, fromHex('0904'), counter, partyV]);
    const key = createHash('sha256').update(fromHex('00000001')).update(z).update(otherInfo).digest().subarray(0, 16);
    const d = createDecipheriv('aes-128-gcm', key, Buffer.concat([originator, fromHex('00000000')]), { authTagLength: 12 });
    d.setAAD(fromHex('31'));
    d.setAuthTag(fromHex(block.tag));
    return new Uint8Array(Buffer.concat([d.update(fromHex(block.ciphertext)), d.final()]));
  }

  it('every protected block decrypts and its plaintext decodes and re-encodes exactly', () => {
    let n = 0;
    for (const p of PAYLOADS) {
      for (const part of dlmsEncryptedParts(decodeDlms(p.bytes, p.base))) {
        const plain = decrypt(p, part.block);
        if (!plain) continue;
        const value = part.decodePlaintext(plain);
        expect(bytesEqual(encodeDlmsData(value), plain)).toBe(true);
        n++;
        if (p.vector.name === 'ECS68_NA_8F0A_SINGLE_ALERT_GBCS.HEX') {
          expect(value.type).toBe('structure');
          const ca = value.type === 'structure' ? value.items[0]! : value;
          if (ca.type !== 'compact-array') throw new Error('expected compact-array');
          expect(ca.description).toMatchObject({ type: 'structure' });
          expect(ca.rows).toHaveLength(1);
          const row = ca.rows[0]!;
          if (row.type !== 'structure') throw new Error('expected structure row');
          expect(row.items.slice(0, 2)).toEqual([u32(473385600), u32(10435000)]);
          expect(row.items[2]).toMatchObject({ type: 'array' });
          expect(row.items[2]!.type === 'array' && row.items[2]!.items.length).toBe(48);
        }
      }
    }
    expect(n).toBeGreaterThanOrEqual(15);
  });
});

describe('DLMS decode errors', () => {
  const rsp = () => payload('DBCH01_6.31_SUCCESS_RESPONSE_GBCS.HEX');

  it('unknown APDU tag names the offset and field', () => {
    const p = rsp();
    const bad = Uint8Array.from(p.bytes);
    bad[0] = 0xdb;
    const e = expectDecodeError(() => decodeDlms(bad, p.base));
    expect(e.offset).toBe(p.base);
    expect(e.field).toBe('dlms.apdu');
    expect(e.reason).toMatch(/0xDB/);
    expect(expectDecodeError(() => decodeDlms(new Uint8Array(0), 100)).offset).toBe(100);
  });

  it('every truncation fails with an offset inside the cut payload', () => {
    let cuts = 0;
    for (const p of PAYLOADS) {
      for (let cut = 0; cut < p.bytes.length; cut++) {
        try {
          decodeDlms(p.bytes.subarray(0, cut), p.base);
        } catch (e) {
          // Plain checks: expect() per cut would dominate the run time.
          if (e instanceof GbcsDecodeError && e.offset >= p.base && e.offset <= p.base + cut) {
            cuts++;
            continue;
          }
          throw new Error(`${p.vector.name} cut at ${cut}: ${String(e)}`);
        }
        throw new Error(`${p.vector.name} cut at ${cut} decoded`);
      }
    }
    expect(cuts).toBeGreaterThan(10000);
  });

  it('trailing bytes, unknown data tags and bad spec tags point at the byte', () => {
    const p = rsp();
    const longer = new Uint8Array(p.bytes.length + 1);
    longer.set(p.bytes);
    let e = expectDecodeError(() => decodeDlms(longer, p.base));
    expect(e.offset).toBe(p.base + p.bytes.length);
    expect(e.field).toBe('dlms');

    // DA 20000514 00 00 01 [04] ... : data tag at payload offset 8
    const badTag = Uint8Array.from(p.bytes);
    expect(badTag[8]).toBe(0x04);
    badTag[8] = 0x07;
    e = expectDecodeError(() => decodeDlms(badTag, p.base));
    expect(e.offset).toBe(p.base + 8);
    expect(e.field).toBe('data.tag');

    // ... 01 [01] 00 : response spec tag
    const badSpec = Uint8Array.from(p.bytes);
    badSpec[badSpec.length - 2] = 0x09;
    e = expectDecodeError(() => decodeDlms(badSpec, p.base));
    expect(e.offset).toBe(p.base + p.bytes.length - 2);
    expect(e.field).toBe('dlms.result.type');

    // date-time octet-string of neither 0 nor 12 bytes
    e = expectDecodeError(() => decodeDlms(fromHex('DA2000051403AABBCC00000000'), 0));
    expect(e.field).toBe('dlms.dateTime.length');
    expect(e.offset).toBe(5);

    // OPTIONAL flag other than 00/01
    e = expectDecodeError(() => decodeDlms(fromHex('DA200005140002000000'), 0));
    expect(e.field).toBe('dlms.requestSpecs.present');
  });

  it('absurd counts fail fast instead of allocating', () => {
    const e = expectDecodeError(() => decodeDlms(fromHex('0F20000FA0000183FFFFFF00'), 7));
    expect(e.field).toBe('array.count');
    expect(e.offset).toBe(7 + 7);
    expectDecodeError(() => decodeDlms(fromHex('D9200005140083FFFFFF00'), 0));
  });

  it('deep nesting is an error, not a stack overflow', () => {
    const deep = new Uint8Array(6 + 2 * 5000 + 1);
    deep.set(fromHex('0F20000FA000'));
    for (let i = 0; i < 5000; i++) deep.set([0x02, 0x01], 6 + 2 * i);
    const e = expectDecodeError(() => decodeDlms(deep, 0));
    expect(e.reason).toMatch(/nested deeper/);
    const deepType = new Uint8Array(7 + 3 * 5000);
    deepType.set(fromHex('0F20000FA00013'));
    for (let i = 0; i < 5000; i++) deepType.set([0x01, 0x00, 0x01], 7 + 3 * i);
    expectDecodeError(() => decodeDlms(deepType, 0));
  });

  it('compact arrays whose rows could be empty or explode are refused', () => {
    // description null, 3 content bytes: rows cannot be delimited
    let e = expectDecodeError(() => decodeDlmsData(fromHex('130003000000')));
    expect(e.field).toBe('compact-array.contents');
    // structure of 200 nulls and one unsigned: 202 values per content byte
    const desc = [0x02, 0x81, 201, ...new Array(200).fill(0x00), 0x11];
    e = expectDecodeError(() => decodeDlmsData(Uint8Array.from([0x13, ...desc, 0x04, 1, 2, 3, 4])));
    expect(e.reason).toMatch(/values from as little as 1 bytes/);
    // compact-array inside a type description
    expectDecodeError(() => decodeDlmsData(fromHex('13021300')));
    // an empty compact array of a zero-size type is fine and round-trips
    expect(encodeDlmsData(decodeDlmsData(fromHex('130000')))).toEqual(fromHex('130000'));
  });
});

describe('DLMS Data values', () => {
  const roundTrip = (hex: string): DlmsData => {
    const d = decodeDlmsData(fromHex(hex));
    expect(toHex(encodeDlmsData(d))).toBe(hex);
    expect(toHex(encodeDlmsData(viaJson(d)))).toBe(hex);
    return d;
  };

  it('covers every tag', () => {
    expect(roundTrip('00')).toEqual({ type: 'null' });
    expect(roundTrip('FF')).toEqual({ type: 'dont-care' });
    expect(roundTrip('0301')).toEqual({ type: 'boolean', value: true });
    expect(roundTrip('0300')).toEqual({ type: 'boolean', value: false });
    expect(roundTrip('03FF')).toEqual({ type: 'boolean', value: true, raw: 0xff });
    expect(roundTrip('040BFFE0')).toEqual({ type: 'bit-string', bits: 11, hex: 'FFE0' });
    expect(roundTrip('0580000000')).toEqual({ type: 'int32', value: -0x80000000 });
    expect(roundTrip('06FFFFFFFF')).toEqual({ type: 'uint32', value: 0xffffffff });
    expect(roundTrip('0A0341425A')).toEqual({ type: 'visible-string', value: 'ABZ' });
    expect(roundTrip('0C05C3A9E282AC')).toEqual({ type: 'utf8-string', value: 'é€' });
    expect(roundTrip('0C02C3FF')).toMatchObject({ type: 'utf8-string', hex: 'C3FF' });
    expect(roundTrip('0D99')).toEqual({ type: 'bcd', value: 0x99 });
    expect(roundTrip('0F80')).toEqual({ type: 'int8', value: -128 });
    expect(roundTrip('10FFFE')).toEqual({ type: 'int16', value: -2 });
    expect(roundTrip('11FF')).toEqual({ type: 'uint8', value: 255 });
    expect(roundTrip('12FFFF')).toEqual({ type: 'uint16', value: 65535 });
    expect(roundTrip('148000000000000000')).toEqual({ type: 'int64', value: -(2n ** 63n) });
    expect(roundTrip('15FFFFFFFFFFFFFFFF')).toEqual({ type: 'uint64', value: 2n ** 64n - 1n });
    expect(roundTrip('1607')).toEqual({ type: 'enum', value: 7 });
    expect(roundTrip('173FC00000')).toEqual({ type: 'float32', value: 1.5, hex: '3FC00000' });
    expect(roundTrip('187FF8000000000001')).toMatchObject({ type: 'float64', hex: '7FF8000000000001' });
    expect(roundTrip('1907DF0101FF000000008000FF')).toMatchObject({ type: 'cosem-date-time', value: { year: 2015 } });
    expect(roundTrip('1A07DF0C1F03')).toEqual({ type: 'cosem-date', value: { year: 2015, month: 12, day: 31, dayOfWeek: 3 } });
    expect(roundTrip('1B173B0AFF')).toEqual({ type: 'cosem-time', value: { hour: 23, minute: 59, second: 10, hundredths: 255 } });
    expect(roundTrip('1CFF')).toEqual({ type: 'delta-int8', value: -1 });
    expect(roundTrip('1DFFFF')).toEqual({ type: 'delta-int16', value: -1 });
    expect(roundTrip('1EFFFFFFFF')).toEqual({ type: 'delta-int32', value: -1 });
    expect(roundTrip('1FFF')).toEqual({ type: 'delta-uint8', value: 255 });
    expect(roundTrip('20FFFF')).toEqual({ type: 'delta-uint16', value: 65535 });
    expect(roundTrip('21FFFFFFFF')).toEqual({ type: 'delta-uint32', value: 0xffffffff });
    expect(roundTrip('02030001000200')).toEqual({
      type: 'structure',
      items: [{ type: 'null' }, { type: 'array', items: [] }, { type: 'structure', items: [] }],
    });
    expect(roundTrip('1301000206080102030405060708')).toEqual({
      type: 'compact-array',
      description: { type: 'array', count: 2, element: { type: 'uint32' } },
      rows: [{ type: 'array', items: [u32(0x01020304), u32(0x05060708)] }],
    });
  });

  it('uses the shortest BER length forms and refuses longer ones', () => {
    expect(roundTrip(`0981C8${'AB'.repeat(200)}`)).toEqual({ type: 'octet-string', hex: 'AB'.repeat(200) });
    expect(roundTrip(`09820100${'00'.repeat(256)}`)).toMatchObject({ type: 'octet-string' });
    expect(roundTrip(`0183010000${'00'.repeat(65536)}`)).toMatchObject({ type: 'array' });
    const e = expectDecodeError(() => decodeDlmsData(fromHex('098103414243'), 40));
    expect(e.offset).toBe(41);
    expect(e.field).toBe('octet-string.length');
  });

  it('12-byte octet-strings are date-times only when every field is plausible', () => {
    expect(roundTrip('090C07DF0101FF000000008000FF')).toMatchObject({ type: 'date-time', value: { year: 2015 } });
    expect(roundTrip('090C0000000000000000008000FF')).toMatchObject({ type: 'date-time', value: { year: 0, month: 0 } });
    expect(roundTrip('090CFFFFFFFFFFFFFFFFFF8000FF')).toMatchObject({ type: 'date-time', value: { year: 0xffff } });
    expect(roundTrip('090C07DE0CFEFF173B0A00FF8800')).toMatchObject({ type: 'date-time', value: { day: 0xfe, deviation: -120 } });
    expect(roundTrip('090C07DF0D01FF000000008000FF')).toEqual({ type: 'octet-string', hex: '07DF0D01FF000000008000FF' });
    expect(roundTrip('090C07DF0101FF000000008000F0')).toMatchObject({ type: 'octet-string' });
    expect(roundTrip('090C07DF0101FF000000004000FF')).toMatchObject({ type: 'octet-string' });
    expect(roundTrip('090B07DF0101FF000000008000')).toMatchObject({ type: 'octet-string' });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), (b) => {
        const hex = `090C${toHex(b)}`;
        expect(toHex(encodeDlmsData(decodeDlmsData(fromHex(hex))))).toBe(hex);
      }),
      { numRuns: 2000 },
    );
    let dateTimes = 0;
    for (let i = 0; i < 20000; i++) {
      const b = new Uint8Array(14);
      b[0] = 0x09;
      b[1] = 0x0c;
      for (let j = 2; j < 14; j++) b[j] = (Math.random() * 256) | 0;
      if (decodeDlmsData(b).type === 'date-time') dateTimes++;
    }
    expect(dateTimes).toBeLessThanOrEqual(2);
  });
});

describe('DLMS encoder validation', () => {
  const request = (): DlmsAccessRequest => ({
    type: 'access-request',
    invokeIdAndPriority: 0x200003e8,
    dateTime: null,
    specs: [{ type: 'get', classId: 1, obis: '00005E2C0A02', attribute: 2 }],
    data: [{ type: 'null' }],
  });

  it('builds an APDU from a hand-written value (obisText is ignored)', () => {
    const a = { ...request(), specs: [{ ...request().specs[0]!, obisText: 'not used' }] };
    expect(toHex(encodeDlms(a))).toBe('D9200003E8000101000100005E2C0A02020100');
  });

  it('takes 64-bit values as bigint, decimal string or safe number', () => {
    expect(toHex(encodeDlmsData({ type: 'uint64', value: '18446744073709551615' }))).toBe('15FFFFFFFFFFFFFFFF');
    expect(toHex(encodeDlmsData({ type: 'int64', value: '-1' }))).toBe('14FFFFFFFFFFFFFFFF');
    expect(toHex(encodeDlmsData({ type: 'int64', value: 5 }))).toBe('140000000000000005');
    expect(expectEncodeError(() => encodeDlmsData({ type: 'uint64', value: '-1' })).path).toBe('data.value');
  });

  it('date-times may be given as iso text', () => {
    expect(toHex(encodeDlmsData({ type: 'date-time', value: { iso: '2015-01-01T00:00:00' } }))).toBe(
      '090C07DF0101FF000000008000FF',
    );
  });

  it('supports the optional request-spec echo in access-responses', () => {
    const r: DlmsAccessResponse = {
      type: 'access-response',
      invokeIdAndPriority: 0x200003e8,
      dateTime: null,
      requestSpecs: [{ type: 'action', classId: 9, obis: '00000A006AFF', method: 1 }],
      data: [{ type: 'null' }],
      results: [{ type: 'action', result: 0 }],
    };
    const bytes = encodeDlms(r);
    expect(toHex(bytes)).toBe('DA200003E800' + '01' + '01' + '030009' + '00000A006AFF' + '01' + '0100' + '010300');
    expect(decodeDlms(bytes, 0)).toEqual({ ...r, requestSpecs: [{ ...r.requestSpecs![0]!, obisText: '0-0:10.0.106.255' }] });
  });

  it('reports bad fields with their path', () => {
    const cases: [unknown, string][] = [
      [{ ...request(), type: 'get-request' }, 'dlms.type'],
      [{ ...request(), invokeIdAndPriority: -1 }, 'dlms.invokeIdAndPriority'],
      [{ ...request(), specs: [{ type: 'get', classId: 1, obis: '00005E2C0A', attribute: 2 }] }, 'dlms.specs[0].obis'],
      [{ ...request(), specs: [{ type: 'grab', classId: 1, obis: '00005E2C0A02', attribute: 2 }] }, 'dlms.specs[0].type'],
      [{ ...request(), data: [{ type: 'uint8', value: 256 }] }, 'dlms.data[0].value'],
      [{ ...request(), data: [{ type: 'structure', items: [{ type: 'toString' }] }] }, 'dlms.data[0].items[0].type'],
      [{ ...request(), data: [{ type: 'bit-string', bits: 9, hex: 'FF' }] }, 'dlms.data[0].hex'],
      [{ ...request(), data: [{ type: 'visible-string', value: 'π' }] }, 'dlms.data[0].value'],
      [{ ...request(), data: null }, 'dlms.data'],
      [{ ...request(), dateTime: { year: 2015 } }, 'dlms.dateTime.month'],
      [
        {
          ...request(),
          data: [
            {
              type: 'compact-array',
              description: { type: 'structure', elements: [{ type: 'uint8' }, { type: 'uint16' }] },
              rows: [{ type: 'structure', items: [u8(1), u8(2)] }],
            },
          ],
        },
        'dlms.data[0].rows[0].items[1].type',
      ],
      [
        { ...request(), data: [{ type: 'compact-array', description: { type: 'date-time' }, rows: [] }] },
        'dlms.data[0].description.type',
      ],
      [{ type: 'access-response', invokeIdAndPriority: 1, dateTime: null, data: [], results: [{ type: 'get', result: 'ok' }] }, 'dlms.results[0].result'],
    ];
    for (const [value, path] of cases) expect(expectEncodeError(() => encodeDlms(value)).path).toBe(path);
  });

  it('cyclic input is an encode error', () => {
    const s: { type: string; items: unknown[] } = { type: 'structure', items: [] };
    s.items.push(s);
    expect(expectEncodeError(() => encodeDlmsData(s)).reason).toMatch(/nested deeper/);
  });
});

describe('DLMS robustness (property)', () => {
  const onlyDecodeErrors = (bytes: Uint8Array, base: number) => {
    let apdu: DlmsApdu;
    try {
      apdu = decodeDlms(bytes, base);
    } catch (e) {
      if (!(e instanceof GbcsDecodeError)) throw e;
      expect(e.offset).toBeGreaterThanOrEqual(base);
      expect(e.offset).toBeLessThanOrEqual(base + bytes.length);
      return;
    }
    // Anything that decodes must re-encode to something that decodes to the same value.
    expect(decodeDlms(encodeDlms(apdu), base)).toEqual(apdu);
    dlmsEncryptedParts(apdu);
  };

  it('random bytes only ever raise GbcsDecodeError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0xd9, 0xda, 0x0f, 0x00, 0x13),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(1000),
        (first, rest, base) => onlyDecodeErrors(Uint8Array.from([first, ...rest]), base),
      ),
      { numRuns: 5000 },
    );
  });

  it('mutated corpus payloads only ever raise GbcsDecodeError', () => {
    const mutation = fc.record({
      index: fc.nat(PAYLOADS.length - 1),
      edits: fc.array(
        fc.record({ at: fc.nat(), kind: fc.constantFrom('set', 'insert', 'delete'), byte: fc.integer({ min: 0, max: 255 }) }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ index, edits }) => {
        const p = PAYLOADS[index]!;
        const b = Array.from(p.bytes);
        for (const e of edits) {
          const at = b.length ? e.at % b.length : 0;
          if (e.kind === 'set') b[at] = e.byte;
          else if (e.kind === 'insert') b.splice(at, 0, e.byte);
          else b.splice(at, 1);
        }
        onlyDecodeErrors(Uint8Array.from(b), p.base);
      }),
      { numRuns: 5000 },
    );
  });

  it('any well-formed Data value encodes, decodes and re-encodes to the same bytes', () => {
    const leaf: Record<string, fc.Arbitrary<DlmsData>> = {
      boolean: fc.boolean().map((value) => ({ type: 'boolean', value })),
      'bit-string': fc
        .nat(40)
        .chain((bits) => fc.uint8Array({ minLength: (bits + 7) >> 3, maxLength: (bits + 7) >> 3 }).map((b) => ({ type: 'bit-string', bits, hex: toHex(b) }))),
      int8: fc.integer({ min: -128, max: 127 }).map((value) => ({ type: 'int8', value })),
      int16: fc.integer({ min: -32768, max: 32767 }).map((value) => ({ type: 'int16', value })),
      int32: fc.integer().map((value) => ({ type: 'int32', value })),
      uint8: fc.integer({ min: 0, max: 255 }).map((value) => ({ type: 'uint8', value })),
      uint16: fc.integer({ min: 0, max: 65535 }).map((value) => ({ type: 'uint16', value })),
      uint32: fc.integer({ min: 0, max: 0xffffffff }).map((value) => ({ type: 'uint32', value })),
      enum: fc.integer({ min: 0, max: 255 }).map((value) => ({ type: 'enum', value })),
      int64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => ({ type: 'int64', value })),
      uint64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => ({ type: 'uint64', value })),
      'octet-string': fc.uint8Array({ maxLength: 140 }).map((b) => ({ type: 'octet-string', hex: toHex(b) })),
      'visible-string': fc.uint8Array({ maxLength: 20 }).map((b) => ({ type: 'visible-string', value: Buffer.from(b).toString('latin1') })),
      'utf8-string': fc.string({ unit: 'binary', maxLength: 10 }).map((value) => ({ type: 'utf8-string', value })),
      float32: fc.float().map((value) => ({ type: 'float32', value })),
      float64: fc.double().map((value) => ({ type: 'float64', value })),
      'delta-int16': fc.integer({ min: -32768, max: 32767 }).map((value) => ({ type: 'delta-int16', value })),
    };
    const leafTypes = Object.keys(leaf);
    const compact: fc.Arbitrary<DlmsData> = fc.oneof(
      fc.array(fc.constantFrom(...leafTypes), { minLength: 1, maxLength: 4 }).chain((types) =>
        fc.array(fc.tuple(...types.map((t) => leaf[t]!)), { maxLength: 4 }).map(
          (rows): DlmsData => ({
            type: 'compact-array',
            description: { type: 'structure', elements: types.map((t) => ({ type: t }) as DlmsTypeDescription) },
            rows: rows.map((items) => ({ type: 'structure', items })),
          }),
        ),
      ),
      fc.tuple(fc.constantFrom(...leafTypes), fc.integer({ min: 1, max: 3 })).chain(([t, count]) =>
        fc.array(fc.array(leaf[t]!, { minLength: count, maxLength: count }), { maxLength: 4 }).map(
          (rows): DlmsData => ({
            type: 'compact-array',
            description: { type: 'array', count, element: { type: t } as DlmsTypeDescription },
            rows: rows.map((items) => ({ type: 'array', items })),
          }),
        ),
      ),
    );
    const { data } = fc.letrec<{ data: DlmsData }>((tie) => ({
      data: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom<DlmsData>({ type: 'null' }, { type: 'dont-care' }),
        fc.oneof(...Object.values(leaf)),
        compact,
        fc.array(tie('data'), { maxLength: 4 }).map((items): DlmsData => ({ type: 'array', items })),
        fc.array(tie('data'), { maxLength: 4 }).map((items): DlmsData => ({ type: 'structure', items })),
      ),
    }));
    fc.assert(
      fc.property(data, (d) => {
        const bytes = encodeDlmsData(d);
        const back = decodeDlmsData(bytes);
        expect(toHex(encodeDlmsData(back))).toBe(toHex(bytes));
        expect(toHex(encodeDlmsData(viaJson(back)))).toBe(toHex(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('random JSON only ever raises GbcsEncodeError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ type: fc.constantFrom('access-request', 'data-notification'), body: fc.jsonValue() })), (v) => {
        try {
          encodeDlms(v);
        } catch (e) {
          if (!(e instanceof GbcsEncodeError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
