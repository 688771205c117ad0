import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../protocols/bytes.js';
import { GbcsCryptoError } from '../protocols/errors.js';
import { type Eui64, euiFromBytes, parseEui64 } from '../protocols/eui.js';
import {
  KeyAgreementCache,
  Keystore,
  decryptPayload,
  deriveKey,
  ecdhSharedSecret,
  ecdsaSign,
  ecdsaVerify,
  encryptPayload,
  gbcsIv,
  gmac,
  gmacVerify,
  makeUtrn,
  otherInfo,
  parseUtrn,
  utrnCheckDigit,
  verifyUtrn,
} from '../protocols/crypto/index.js';
import { loadKeystoreDir } from '../tools/keystore-dir.js';
import { KEYSTORE_DIR, loadVectors } from './vectors.js';

const E = (s: string): Eui64 => parseEui64(s);
const ACB = E('90B3D51F30000002');
const SUPPLIER = E('90B3D51F30010000');
const ESME = E('00DB1234567890A0');
const GSME = E('00DB1234567890A1');
const CHF = E('00DB1234567890A2');

const ks = loadKeystoreDir(KEYSTORE_DIR);
const vectors = loadVectors();

function vector(suffix: string): Uint8Array {
  const v = vectors.find((x) => x.path.endsWith(suffix));
  if (!v) throw new Error(`vector ${suffix} missing`);
  return v.bytes;
}

function priv(eui: Eui64, usage: 'ds' | 'ka' | 'pp-ka' = 'ka'): KeyObject {
  const k = ks.privateKey(eui, usage);
  if (!k) throw new Error(`no private ${usage} key for ${eui}`);
  return k;
}

function pub(eui: Eui64, usage: 'ds' | 'ka' | 'pp-ka' = 'ka'): KeyObject {
  const k = ks.publicKey(eui, usage);
  if (!k) throw new Error(`no public ${usage} key for ${eui}`);
  return k;
}

/** A DD frame split as gbcs-framing §1.3/§2.3 describe: grouping header fields, MAC AAD and MAC. */
function macParts(frame: Uint8Array) {
  expect(frame[0]).toBe(0xdd);
  const lenByte = frame[7]!;
  const gsStart = 7 + (lenByte < 0x80 ? 1 : 1 + (lenByte & 0x7f)) + 5;
  expect(frame[gsStart]).toBe(0xdf);
  const view = new DataView(frame.buffer, frame.byteOffset);
  return {
    cra: frame[gsStart + 2]! as 1 | 2 | 3,
    counter: view.getBigUint64(gsStart + 3),
    originator: euiFromBytes(frame.subarray(gsStart + 12, gsStart + 20)),
    target: euiFromBytes(frame.subarray(gsStart + 21, gsStart + 29)),
    aad: concatBytes(fromHex('110000000000'), frame.subarray(gsStart, frame.length - 12)),
    mac: frame.subarray(frame.length - 12),
  };
}

describe('KDF and GMAC: gbcs-framing §2.8 known answers from the RTDS keystore', () => {
  const cases = [
    {
      name: 'DBCH01 command',
      file: 'DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX',
      ecdh: [ACB, CHF],
      info: { partyU: ACB, mode: 1 as const, counter: 1300n, partyV: CHF },
      otherInfo: '6085740608030090B3D51F300000020901000000000000051400DB1234567890A2',
      k: '4955E3F19C229CC691838862FFBA1B33',
      iv: '90B3D51F3000000200000000',
      mac: 'F19E0D45191B5CDB821113B8',
    },
    {
      name: 'DBCH01 response',
      file: 'DBCH01_6.31_SUCCESS_RESPONSE_GBCS.HEX',
      ecdh: [ACB, CHF],
      info: { partyU: CHF, mode: 2 as const, counter: 1300n, partyV: ACB },
      otherInfo: '6085740608030000DB1234567890A20902000000000000051490B3D51F30000002',
      k: '3969B41CC996600006AB5F7896DDDF1E',
      iv: '00DB1234567890A200000000',
      mac: '95E6DC669CCCBB54981B9E9D',
    },
    {
      name: 'DBCH07 alert',
      file: 'DBCH07_NA_8F26_ALERT_GBCS.HEX',
      ecdh: [ACB, CHF],
      info: { partyU: CHF, mode: 3 as const, counter: 4000n, partyV: ACB },
      otherInfo: '6085740608030000DB1234567890A209030000000000000FA090B3D51F30000002',
      k: '50C4B0AB96AF419136BB2D210FC0165C',
      iv: '00DB1234567890A200000000',
      mac: '02FC18387BE1B553413CEA1A',
    },
    {
      name: 'ECS42 command (supplier-originated, ACB MAC)',
      file: 'ECS42_7.1_SUCCESS_COMMAND_GBCS.HEX',
      ecdh: [ACB, ESME],
      info: { partyU: SUPPLIER, mode: 1 as const, counter: 1000n, partyV: ESME },
      otherInfo: '6085740608030090B3D51F30010000090100000000000003E800DB1234567890A0',
      k: 'EC1D51BD8F8BF0CDD2314CF396CC12C0',
      iv: '90B3D51F3001000000000000',
      mac: 'EFD36E695298259FADF662FA',
    },
  ];

  for (const c of cases) {
    it(`${c.name}: OtherInfo, K, IV and the MAC of the .HEX frame`, () => {
      const z = ecdhSharedSecret(priv(c.ecdh[0]!), pub(c.ecdh[1]!));
      expect(toHex(otherInfo(c.info))).toBe(c.otherInfo);
      const k = deriveKey(z, c.info);
      expect(toHex(k)).toBe(c.k);
      const iv = gbcsIv(c.info.partyU);
      expect(toHex(iv)).toBe(c.iv);

      const f = macParts(vector(c.file));
      expect(f).toMatchObject({ cra: c.info.mode, counter: c.info.counter, originator: c.info.partyU, target: c.info.partyV });
      expect(toHex(f.mac)).toBe(c.mac);
      expect(toHex(gmac(k, iv, f.aad))).toBe(c.mac);
      expect(gmacVerify(k, iv, f.aad, f.mac)).toBe(true);
      const tampered = f.aad.slice();
      tampered[tampered.length - 1]! ^= 1;
      expect(gmacVerify(k, iv, tampered, f.mac)).toBe(false);
    });
  }

  it('either side of the pair gives the same Z (device private keys are absent, so check with org pairs)', () => {
    const a = ecdhSharedSecret(priv(ACB), pub(SUPPLIER));
    const b = ecdhSharedSecret(priv(SUPPLIER), pub(ACB));
    expect(toHex(a)).toBe(toHex(b));
  });

  it('the three K values of the parser unit tests', () => {
    const ctr = 0x0000000100000000n;
    const cmd = deriveKey(ecdhSharedSecret(priv(ACB), pub(ESME)), { partyU: SUPPLIER, mode: 1, counter: ctr, partyV: ESME });
    expect(toHex(cmd)).toBe('6A93E360717394015DF93E031218C9A6');
    const zSupplier = ecdhSharedSecret(priv(SUPPLIER), pub(ESME));
    const rsp = deriveKey(zSupplier, { partyU: ESME, mode: 2, counter: ctr, partyV: SUPPLIER });
    expect(toHex(rsp)).toBe('03FD30815577C49EB7E3834B63EF8302');
    const alert = deriveKey(zSupplier, { partyU: ESME, mode: 3, counter: 0x7d1n, partyV: SUPPLIER });
    expect(toHex(alert)).toBe('558FB1FA6660AF0D9E8365C47804B8FA');
  });

  it('GMAC truncation equals the prefix of the full tag', () => {
    const k = fromHex('4955E3F19C229CC691838862FFBA1B33');
    const iv = gbcsIv(ACB);
    const full = gmac(k, iv, fromHex('0102'), 16);
    expect(toHex(gmac(k, iv, fromHex('0102'), 12))).toBe(toHex(full.subarray(0, 12)));
    expect(toHex(gmac(k, iv, fromHex('0102'), 4))).toBe(toHex(full.subarray(0, 4)));
  });

  it('rejects unusable arguments with GbcsCryptoError', () => {
    const info = { partyU: ACB, mode: 1 as const, counter: 1n, partyV: CHF };
    expect(() => deriveKey(new Uint8Array(31), info)).toThrow(GbcsCryptoError);
    expect(() => deriveKey(new Uint8Array(32), { ...info, mode: 5 as never })).toThrow(/mode/);
    expect(() => deriveKey(new Uint8Array(32), { ...info, counter: -1n })).toThrow(/counter/);
    expect(() => deriveKey(new Uint8Array(32), { ...info, partyU: 'nope' as Eui64 })).toThrow(/partyU/);
    expect(() => gmac(new Uint8Array(15), new Uint8Array(12), new Uint8Array(0))).toThrow(/AES-128/);
    expect(() => gmac(new Uint8Array(16), new Uint8Array(8), new Uint8Array(0))).toThrow(/IV/);
    expect(gmacVerify(new Uint8Array(16), new Uint8Array(12), new Uint8Array(0), new Uint8Array(2))).toBe(false);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => ecdhSharedSecret(rsa.privateKey, pub(ACB))).toThrow(/own key: expected a private P-256 key, got a private rsa key/);
    expect(() => ecdhSharedSecret(priv(ACB), priv(SUPPLIER))).toThrow(/peer key: expected a public P-256 key/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(() => ecdhSharedSecret(priv(ACB), p384.publicKey)).toThrow(/secp384r1/);
  });
});

describe('over the shared RTDS corpus (frames sliced by the §1.3 offsets, no frame codec)', () => {
  function split(f: Uint8Array): { gs: number; end: number; mac: boolean } | undefined {
    if (f[0] === 0xdf) return { gs: 0, end: f.length, mac: false };
    if (f[0] !== 0xdd || f[1] !== 0) return undefined; // GBT blocks
    const lb = f[7]!;
    return { gs: 7 + (lb < 0x80 ? 1 : 1 + (lb & 0x7f)) + 5, end: f.length - 12, mac: true };
  }

  it('every MAC whose key pair is in the keystore verifies (ACB key for organisation commands)', () => {
    const cache = new KeyAgreementCache();
    const failures: string[] = [];
    let checked = 0;
    for (const v of vectors) {
      const s = split(v.bytes);
      if (!s?.mac) continue;
      const f = macParts(v.bytes);
      const macParty = f.cra === 1 && ks.role(f.originator) !== undefined ? ks.acb()! : f.originator;
      const pair = [
        [macParty, f.target],
        [f.target, macParty],
      ].find(([a, b]) => ks.privateKey(a!, 'ka') && ks.publicKey(b!, 'ka'));
      if (!pair) continue;
      const key = cache.deriveKey(priv(pair[0]!), pub(pair[1]!), { partyU: f.originator, mode: f.cra, counter: f.counter, partyV: f.target });
      checked++;
      if (!gmacVerify(key, gbcsIv(f.originator), f.aad, f.mac)) failures.push(v.name);
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(586);
    // a dozen ECDH pairs serve the whole corpus
    expect(cache.stats().computations).toBeLessThan(20);
  });

  it('every signature verifies with the originator DS certificate', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const v of vectors) {
      const s = split(v.bytes);
      if (!s || v.kind === 'PRECOMMAND' || v.bytes[s.end - 65] !== 0x40) continue;
      const f = v.bytes;
      const originator = euiFromBytes(f.subarray(s.gs + 12, s.gs + 20));
      checked++;
      if (!ecdsaVerify(pub(originator, 'ds'), f.subarray(s.gs + 1, s.end - 65), f.subarray(s.end - 64, s.end))) failures.push(v.name);
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(384);
  });
});

describe('ECDSA', () => {
  const ecs42 = vector('ECS42_7.1_SUCCESS_COMMAND_GBCS.HEX');
  const signed = ecs42.subarray(15, 69);
  const rs = ecs42.subarray(70, 134);

  it('ECS42 command signature verifies with the supplier DS certificate over [15, 69)', () => {
    expect(ecs42[69]).toBe(0x40);
    expect(createHash('sha256').update(signed).digest('hex').toUpperCase()).toBe(
      '0598FBD5AB7C8F579E1DA3195FDE9AFA742C34B7EE1AF4D658E85ED03CE5EAE2',
    );
    expect(ecdsaVerify(pub(SUPPLIER, 'ds'), signed, rs)).toBe(true);
  });

  it('a flipped bit in the data or the signature fails; wrong length is false, not a throw', () => {
    for (const at of [0, 20, signed.length - 1]) {
      const d = signed.slice();
      d[at]! ^= 0x01;
      expect(ecdsaVerify(pub(SUPPLIER, 'ds'), d, rs)).toBe(false);
    }
    const bad = rs.slice();
    bad[63]! ^= 0x80;
    expect(ecdsaVerify(pub(SUPPLIER, 'ds'), signed, bad)).toBe(false);
    expect(ecdsaVerify(pub(SUPPLIER, 'ds'), signed, rs.subarray(0, 63))).toBe(false);
    expect(ecdsaVerify(pub(SUPPLIER, 'ds'), signed, new Uint8Array(64))).toBe(false);
    expect(ecdsaVerify(pub(ACB, 'ds'), signed, rs)).toBe(false);
  });

  it('the ECS42 response is signed by the ESME over [1, 46)', () => {
    const r = vector('ECS42_7.1_SUCCESS_RESPONSE_GBCS.HEX');
    expect(r.length).toBe(111);
    expect(ecdsaVerify(pub(ESME, 'ds'), r.subarray(1, 46), r.subarray(47))).toBe(true);
  });

  it('randomized signing verifies with node and differs per call', () => {
    const data = new TextEncoder().encode('GBCS');
    const a = ecdsaSign(priv(SUPPLIER, 'ds'), data);
    const b = ecdsaSign(priv(SUPPLIER, 'ds'), data);
    expect(a.length).toBe(64);
    expect(toHex(a)).not.toBe(toHex(b));
    expect(ecdsaVerify(pub(SUPPLIER, 'ds'), data, a)).toBe(true);
  });

  it('deterministic signing: RFC 6979 A.2.5 P-256/SHA-256 vectors ("sample", "test")', () => {
    const b64 = (h: string) => Buffer.from(h, 'hex').toString('base64url');
    const key = createPrivateKey({
      format: 'jwk',
      key: {
        kty: 'EC',
        crv: 'P-256',
        d: b64('C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721'),
        x: b64('60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6'),
        y: b64('7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299'),
      },
    });
    const enc = new TextEncoder();
    expect(toHex(ecdsaSign(key, enc.encode('sample'), { deterministic: true }))).toBe(
      'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716' +
        'F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
    );
    expect(toHex(ecdsaSign(key, enc.encode('test'), { deterministic: true }))).toBe(
      'F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367' +
        '019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083',
    );
  });

  it('deterministic signing is stable and verifies with node for arbitrary keys and messages', () => {
    const keys = [priv(SUPPLIER, 'ds'), priv(ACB, 'ds'), generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: keys.length - 1 }), (data, i) => {
        const key = keys[i]!;
        const a = ecdsaSign(key, data, { deterministic: true });
        const b = ecdsaSign(key, data, { deterministic: true });
        expect(toHex(a)).toBe(toHex(b));
        expect(nodeVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, a)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('signing with a public or non-P-256 key is a GbcsCryptoError', () => {
    expect(() => ecdsaSign(pub(SUPPLIER, 'ds'), new Uint8Array(1))).toThrow(GbcsCryptoError);
    const ed = generateKeyPairSync('ed25519');
    expect(() => ecdsaSign(ed.privateKey, new Uint8Array(1), { deterministic: true })).toThrow(/ed25519/);
    expect(() => ecdsaVerify(ed.publicKey, new Uint8Array(1), new Uint8Array(64))).toThrow(GbcsCryptoError);
  });
});

describe('payload encryption (§2.5)', () => {
  it('decrypts the ECS17b SINGLE response with the supplier KA private key', () => {
    const frame = vector('ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX');
    const hex = toHex(frame);
    // ciphered block: octet-string tag 09, length 0x2B, SC 31, IC 00000000, ciphertext, 12-byte tag
    const at = hex.indexOf('092B3100000000') / 2;
    expect(at).toBeGreaterThan(0);
    const block = frame.subarray(at + 2, at + 2 + 0x2b);
    const ciphertext = block.subarray(5, block.length - 12);
    const tag = block.subarray(block.length - 12);

    const f = macParts(frame);
    expect(f).toMatchObject({ cra: 2, counter: 1000n, originator: ESME, target: SUPPLIER });
    const key = deriveKey(ecdhSharedSecret(priv(SUPPLIER), pub(ESME)), { partyU: ESME, mode: 4, counter: 1000n, partyV: SUPPLIER });
    const plain = decryptPayload(key, gbcsIv(ESME), ciphertext, tag);
    expect(plain && toHex(plain)).toBe('02010204060000000A02020F00161E060000000A02020F001620');

    // and the response MAC (mode 2) holds with the same supplier key
    const macKey = deriveKey(ecdhSharedSecret(priv(SUPPLIER), pub(ESME)), { partyU: ESME, mode: 2, counter: 1000n, partyV: SUPPLIER });
    expect(gmacVerify(macKey, gbcsIv(ESME), f.aad, f.mac)).toBe(true);

    // re-encrypting reproduces the RTDS bytes (fixed IV, deterministic GCM)
    const again = encryptPayload(key, gbcsIv(ESME), plain!);
    expect(toHex(again.ciphertext)).toBe(toHex(ciphertext));
    expect(toHex(again.tag)).toBe(toHex(tag));
  });

  it('returns null, never throws, for a bad tag, tampered ciphertext, wrong AAD or odd tag length', () => {
    const key = fromHex('000102030405060708090A0B0C0D0E0F');
    const iv = gbcsIv(ESME, 7);
    const { ciphertext, tag } = encryptPayload(key, iv, fromHex('DEADBEEF'));
    expect(toHex(decryptPayload(key, iv, ciphertext, tag)!)).toBe('DEADBEEF');
    const badTag = tag.slice();
    badTag[0]! ^= 1;
    expect(decryptPayload(key, iv, ciphertext, badTag)).toBeNull();
    const badCt = ciphertext.slice();
    badCt[3]! ^= 1;
    expect(decryptPayload(key, iv, badCt, tag)).toBeNull();
    expect(decryptPayload(key, iv, ciphertext, tag, new Uint8Array([0x30]))).toBeNull();
    expect(decryptPayload(key, iv, ciphertext, tag.subarray(0, 11))).toBeNull();
    expect(decryptPayload(key, iv, ciphertext, new Uint8Array(0))).toBeNull();
    expect(decryptPayload(key, gbcsIv(ESME, 8), ciphertext, tag)).toBeNull();
    expect(() => decryptPayload(key.subarray(0, 8), iv, ciphertext, tag)).toThrow(GbcsCryptoError);
  });

  it('round-trips arbitrary plaintexts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 200 }), (key, pt) => {
        const iv = gbcsIv(GSME);
        const { ciphertext, tag } = encryptPayload(key, iv, pt);
        expect(tag.length).toBe(12);
        expect(toHex(decryptPayload(key, iv, ciphertext, tag)!)).toBe(toHex(pt));
      }),
      { numRuns: 100 },
    );
  });
});

describe('UTRN (§2.7)', () => {
  const pp = () => priv(SUPPLIER, 'pp-ka');
  const rtds = [
    { file: 'CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX', utrn: '73946144332040217315', device: ESME, counter: 0x3_0000_0000n, value: 10, valueClass: 'pounds' as const },
    { file: 'CS01b_2.2_SUCCESS_COMMAND_GBCS.HEX', utrn: '73950067887105178605', device: GSME, counter: 0x6_0000_0000n, value: 1250, valueClass: 'pennies' as const },
  ];

  for (const t of rtds) {
    it(`${t.utrn}: matches the ${t.file.slice(0, 5)} frame, parses, verifies and is reproduced`, () => {
      const frame = vector(t.file);
      const ascii = Buffer.from(frame).toString('latin1');
      expect(ascii).toContain(t.utrn);
      expect(macParts(frame)).toMatchObject({ counter: t.counter, originator: SUPPLIER, target: t.device });

      const p = parseUtrn(t.utrn);
      expect(p).toMatchObject({ counterBits: Number(t.counter >> 32n), value: t.value, valueClass: t.valueClass });
      const key = { privateKey: pp(), publicKey: pub(t.device) };
      expect(verifyUtrn({ utrn: t.utrn, key, supplier: SUPPLIER, device: t.device })).toBe(true);
      expect(verifyUtrn({ utrn: t.utrn, key, supplier: SUPPLIER, device: t.device, counter: t.counter })).toBe(true);
      expect(makeUtrn({ key, supplier: SUPPLIER, device: t.device, counter: t.counter, value: t.value, valueClass: t.valueClass })).toBe(
        t.utrn,
      );
    });
  }

  it('does not verify with the wrong key, device, counter or a changed digit', () => {
    const t = rtds[0]!;
    const key = { privateKey: pp(), publicKey: pub(t.device) };
    expect(verifyUtrn({ utrn: t.utrn, key: { privateKey: priv(SUPPLIER, 'ka'), publicKey: pub(t.device) }, supplier: SUPPLIER, device: t.device })).toBe(false);
    expect(verifyUtrn({ utrn: t.utrn, key: { privateKey: pp(), publicKey: pub(GSME) }, supplier: SUPPLIER, device: GSME })).toBe(false);
    expect(verifyUtrn({ utrn: t.utrn, key, supplier: SUPPLIER, device: t.device, counter: 0x4_0000_0000n })).toBe(false);
    // same 10 counter bits in the token, but the MAC binds the full counter
    expect(verifyUtrn({ utrn: t.utrn, key, supplier: SUPPLIER, device: t.device, counter: 0x403_0000_0000n })).toBe(false);
    expect(verifyUtrn({ utrn: '73946144332040217316', key, supplier: SUPPLIER, device: t.device })).toBe(false);
    expect(verifyUtrn({ utrn: 'not a utrn', key, supplier: SUPPLIER, device: t.device })).toBe(false);
    // a value change with a recomputed check digit still fails the MAC
    const body = (BigInt(t.utrn.slice(0, 19)) + (1n << 32n)).toString();
    expect(verifyUtrn({ utrn: body + utrnCheckDigit(body), key, supplier: SUPPLIER, device: t.device })).toBe(false);
  });

  it('the check digit catches every single-digit substitution and adjacent transposition', () => {
    for (const u of rtds.map((t) => t.utrn)) {
      for (let i = 0; i < 20; i++) {
        for (let d = 0; d <= 9; d++) {
          if (String(d) === u[i]) continue;
          const bad = u.slice(0, i) + d + u.slice(i + 1);
          expect(() => parseUtrn(bad)).toThrow(GbcsCryptoError);
        }
        if (i < 19 && u[i] !== u[i + 1]) {
          const swapped = u.slice(0, i) + u[i + 1] + u[i] + u.slice(i + 2);
          expect(() => parseUtrn(swapped)).toThrow(/check digit|range/);
        }
      }
    }
  });

  it('round-trips from either side of the pair, with Z or keys', () => {
    const dev = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const device = E('00DB1234567890FF');
    const cache = new KeyAgreementCache();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8191 }),
        fc.constantFrom('pennies' as const, 'pounds' as const),
        fc.integer({ min: 0, max: 1023 }),
        (value, valueClass, hi) => {
          const counter = BigInt(hi) << 32n;
          const utrn = makeUtrn({ key: { privateKey: pp(), publicKey: dev.publicKey, cache }, supplier: SUPPLIER, device, counter, value, valueClass });
          expect(utrn).toMatch(/^\d{20}$/);
          expect(parseUtrn(utrn)).toMatchObject({ value, valueClass, counterBits: hi });
          const z = ecdhSharedSecret(dev.privateKey, pub(SUPPLIER, 'pp-ka'));
          expect(verifyUtrn({ utrn, key: z, supplier: SUPPLIER, device })).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
    expect(cache.stats().computations).toBe(1);
  });

  it('rejects impossible inputs with GbcsCryptoError', () => {
    const key = new Uint8Array(32);
    const base = { key, supplier: SUPPLIER, device: ESME, counter: 1n << 32n, value: 1, valueClass: 'pounds' as const };
    expect(() => makeUtrn({ ...base, value: 8192 })).toThrow(/0\.\.8191/);
    expect(() => makeUtrn({ ...base, counter: (1n << 32n) + 1n })).toThrow(/low 32 bits/);
    expect(() => makeUtrn({ ...base, valueClass: 'euros' as never })).toThrow(/value class/);
    expect(() => makeUtrn({ ...base, key: new Uint8Array(31) })).toThrow(/32 bytes/);
    expect(() => parseUtrn('1234')).toThrow(/20 decimal digits/);
    // below the PPTD offset: valid check digit but not a token
    const low = '1000000000000000000';
    expect(() => parseUtrn(low + utrnCheckDigit(low))).toThrow(/range/);
  });
});

describe('KeyAgreementCache', () => {
  it('gives the uncached Z and computes each pair once', () => {
    let calls = 0;
    const cache = new KeyAgreementCache({
      compute: (a, b) => {
        calls++;
        return ecdhSharedSecret(a, b);
      },
    });
    const z1 = cache.sharedSecret(priv(ACB), pub(CHF));
    expect(toHex(z1)).toBe(toHex(ecdhSharedSecret(priv(ACB), pub(CHF))));
    const z2 = cache.sharedSecret(priv(ACB), pub(CHF));
    expect(z2).toBe(z1);
    expect(calls).toBe(1);

    // a separately loaded KeyObject for the same key is the same cache entry
    const again = Keystore.fromFiles([{ name: '00db1234567890a2-ka.pem', text: readFileSync(join(KEYSTORE_DIR, '00db1234567890a2-ka.pem'), 'utf8') }]);
    cache.sharedSecret(priv(ACB), again.publicKey(CHF, 'ka')!);
    expect(calls).toBe(1);

    cache.sharedSecret(priv(ACB), pub(ESME));
    expect(calls).toBe(2);
    expect(cache.stats()).toEqual({ hits: 2, computations: 2, entries: 2 });

    const k = cache.deriveKey(priv(ACB), pub(CHF), { partyU: ACB, mode: 1, counter: 1300n, partyV: CHF });
    expect(toHex(k)).toBe('4955E3F19C229CC691838862FFBA1B33');
    expect(calls).toBe(2);
  });

  it('evicts the oldest pair beyond maxEntries', () => {
    let calls = 0;
    const cache = new KeyAgreementCache({ maxEntries: 1, compute: (a, b) => (calls++, ecdhSharedSecret(a, b)) });
    cache.sharedSecret(priv(ACB), pub(CHF));
    cache.sharedSecret(priv(ACB), pub(ESME));
    cache.sharedSecret(priv(ACB), pub(CHF));
    expect(calls).toBe(3);
    expect(cache.stats().entries).toBe(1);
  });

  it('is per instance', () => {
    const a = new KeyAgreementCache();
    const b = new KeyAgreementCache();
    a.sharedSecret(priv(ACB), pub(CHF));
    expect(b.stats().entries).toBe(0);
  });
});

describe('Keystore', () => {
  it('loads the whole RTDS keystore with only the 30000007-ka warning', () => {
    expect(ks.euis().length).toBe(200 + 8 + 3);
    expect(ks.warnings).toEqual([
      {
        code: 'eui-mismatch',
        file: '90b3d51f30000007-ka.pem',
        eui: '90B3D51F30000007',
        usage: 'ka',
        message: '90b3d51f30000007-ka.pem: certificate is for 90B3D51F30030000 (x500UniqueIdentifier), indexed as 90B3D51F30000007 by its name',
      },
    ]);
    // indexed by file name: the 30000007 KA slot holds supplier2's certificate and key
    expect(ks.certificateInfo(E('90B3D51F30000007'), 'ka')).toMatchObject({ eui: '90B3D51F30030000', role: 2 });
    expect(pub(E('90B3D51F30000007')).equals(pub(E('90B3D51F30030000')))).toBe(true);
  });

  it('loadKeystoreDir reports a missing directory as GbcsCryptoError', () => {
    expect(() => loadKeystoreDir(join(KEYSTORE_DIR, 'no-such-dir'))).toThrow(/keystore directory .*no-such-dir/);
  });

  it('acb() and the roles of smki.md §2', () => {
    expect(ks.acb()).toBe('90B3D51F30000002');
    const roles: Record<string, number | undefined> = {
      '90B3D51F30000001': 1,
      '90B3D51F30000002': 4,
      '90B3D51F30000004': 5,
      '90B3D51F30000007': 6,
      '90B3D51F30010000': 2,
      '90B3D51F30010008': 8,
      '90B3D51F30020000': 3,
      '90B3D51F30030000': 2,
      '00DB123456789001': undefined,
      '00DB1234567890C8': undefined,
      '123456789ABCDEF0': undefined,
      FFFFFFFFFFFFFFFE: undefined,
      '0000000000000000': undefined,
    };
    for (const [eui, role] of Object.entries(roles)) expect([eui, ks.role(E(eui))]).toEqual([eui, role]);
  });

  it('private keys of smki.md §3, certificates and bare keys', () => {
    const withPrivate = ks
      .euis()
      .flatMap((e) => (['ds', 'ka', 'pp-ka'] as const).filter((u) => ks.privateKey(e, u)).map((u) => `${e}-${u}`));
    expect(withPrivate.length).toBe(18);
    expect(withPrivate).toContain('90B3D51F30010000-pp-ka');
    expect(withPrivate).toContain('ABABABABABABABAB-ka');
    expect(ks.privateKey(ESME, 'ds')).toBeUndefined();
    expect(ks.certificate(ESME, 'ds')?.issuer).toBe('CN=E357');
    expect(ks.certificateInfo(ESME, 'ka')).toEqual({ eui: ESME, euiSource: 'hwModuleName', keyUsage: ['keyAgreement'] });
    expect(ks.certificateInfo(SUPPLIER, 'ds')).toEqual({
      eui: SUPPLIER,
      euiSource: 'x500UniqueIdentifier',
      ou: '02',
      role: 2,
      keyUsage: ['digitalSignature'],
    });
    // SPKI-only and key-only entries
    const ffe = E('FFFFFFFFFFFFFFFE');
    expect(ks.certificate(ffe, 'ka')).toBeUndefined();
    expect(ks.publicKey(ffe, 'ka')?.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    // key-only: the public half is derived from the private key
    const ex = E('123456789ABCDEF0');
    expect(ks.publicKey(ex, 'ka')?.type).toBe('public');
    expect(ks.certificate(ex, 'ka')).toBeUndefined();
  });

  it('the SME.C.NC example keys agree with each other', () => {
    const a = ecdhSharedSecret(priv(E('ABABABABABABABAB')), pub(E('123456789ABCDEF0')));
    const b = ecdhSharedSecret(priv(E('123456789ABCDEF0')), pub(E('ABABABABABABABAB')));
    expect(toHex(a)).toBe(toHex(b));
  });

  const pair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pemOf = (k: KeyObject, type: 'pkcs8' | 'sec1' | 'spki') => k.export({ format: 'pem', type } as never) as string;

  it('accepts SEC1 EC PRIVATE KEY (with an EC PARAMETERS block) and case-insensitive names', () => {
    const p = pair();
    const text = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n' + pemOf(p.privateKey, 'sec1');
    const k = Keystore.fromFiles([
      { name: 'some/dir/AABBCCDDEEFF0011-ka.key', text },
      { name: 'aabbccddeeff0011-ka.pem', text: pemOf(p.publicKey, 'spki') },
    ]);
    expect(k.warnings).toEqual([]);
    expect(k.privateKey(E('AABBCCDDEEFF0011'), 'ka')?.type).toBe('private');
    expect(k.publicKey(E('AABBCCDDEEFF0011'), 'ka')!.equals(p.publicKey)).toBe(true);
  });

  it('names the file for malformed PEM, wrong curve and wrong block types; skips unknown names', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const bad: Array<[string, string, RegExp]> = [
      ['0000000000000001-ds.pem', 'garbage', /0000000000000001-ds\.pem: no PEM block/],
      ['0000000000000001-ds.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', /0000000000000001-ds\.pem: not a readable X\.509/],
      ['0000000000000001-ds.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /0000000000000001-ds\.key: unreadable private key/],
      ['0000000000000001-ka.key', pemOf(p384.privateKey, 'pkcs8'), /0000000000000001-ka\.key: private key: not a P-256 key \(a private EC key on secp384r1\)/],
      ['0000000000000001-ka.pem', pemOf(p384.publicKey, 'spki'), /0000000000000001-ka\.pem: public key: not a P-256 key/],
      ['0000000000000001-ka.pem', pemOf(pair().privateKey, 'pkcs8'), /expected a CERTIFICATE or PUBLIC KEY block, found PRIVATE KEY/],
      ['0000000000000001-ka.key', pemOf(pair().publicKey, 'spki'), /expected a PRIVATE KEY or EC PRIVATE KEY block, found PUBLIC KEY/],
    ];
    for (const [name, text, re] of bad) {
      expect(() => Keystore.fromFiles([{ name, text }])).toThrow(GbcsCryptoError);
      expect(() => Keystore.fromFiles([{ name, text }])).toThrow(re);
    }
    const lenient = Keystore.fromFiles(
      [
        { name: 'README.md', text: 'hello' },
        { name: '0000000000000001-ds.pem', text: 'garbage' },
      ],
      { skipInvalid: true },
    );
    expect(lenient.warnings.map((w) => [w.code, w.file])).toEqual([
      ['invalid-file', '0000000000000001-ds.pem'],
      ['unknown-file', 'README.md'],
    ]);
    expect(lenient.euis()).toEqual([]);
  });

  it('warns when a private key does not belong to its public key; add() takes programmatic entries', () => {
    const a = pair();
    const b = pair();
    const k = new Keystore();
    k.add('00-DB-12-34-56-78-90-FF', 'ka', { publicKey: a.publicKey, privateKey: b.privateKey });
    expect(k.warnings.map((w) => w.code)).toEqual(['key-mismatch']);
    k.add(E('90B3D51F30099999'), 'ds', { privateKey: a.privateKey, role: 4 });
    expect(k.role(E('90B3D51F30099999'))).toBe(4);
    expect(k.acb()).toBe('90B3D51F30099999');
    expect(k.publicKey(E('90B3D51F30099999'), 'ds')!.equals(a.publicKey)).toBe(true);
    // a real certificate through add(): role comes from its OU
    const cert = readFileSync(join(KEYSTORE_DIR, '90b3d51f30020000-ds.pem'), 'utf8');
    k.add(E('90B3D51F30020000'), 'ds', { certificate: cert, privateKey: createPrivateKey(readFileSync(join(KEYSTORE_DIR, '90b3d51f30020000-ds.key'))) });
    expect(k.role(E('90B3D51F30020000'))).toBe(3);
    expect(k.warnings.length).toBe(1);
    expect(() => k.add('xyz', 'ka', { publicKey: a.publicKey })).toThrow(GbcsCryptoError);
    expect(() => k.add(E('90B3D51F30020000'), 'ds', { certificate: cert, publicKey: a.publicKey })).toThrow(/does not match/);
    expect(() => k.add(E('90B3D51F30020000'), 'ka', { privateKey: a.publicKey })).toThrow(/privateKey is a public EC key/);
  });
});

describe('GMAC over parts (the per-message MAC path)', () => {
  it('equals GMAC over the concatenation, for any split of the AAD', async () => {
    const { gmac, gmacParts } = await import('../protocols/crypto/gmac.js');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 }), (k, iv, parts) => {
        expect(toHex(gmacParts(k, iv, parts))).toBe(toHex(gmac(k, iv, concatBytes(...parts))));
      }),
      { numRuns: 300 },
    );
  });
});
