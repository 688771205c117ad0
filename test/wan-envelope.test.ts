import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Encoder } from 'cbor-x';
import { EnvelopeError, decodeEnvelope, encodeEnvelope, euiBytes, euiText, type Envelope } from '../protocols/control/envelope.js';

const raw = new Encoder({ useRecords: false, tagUint8Array: false, variableMapSize: true });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const plain = (e: unknown) => JSON.parse(JSON.stringify(e, (_k, v) => (v && typeof v === 'object' && v.type === 'Buffer' ? v.data : v instanceof Uint8Array ? [...v] : v)));

function reason(bytes: Uint8Array): EnvelopeError['reason'] {
  try {
    decodeEnvelope(bytes);
  } catch (e) {
    if (e instanceof EnvelopeError) return e.reason;
    throw e;
  }
  throw new Error('decoded');
}

describe('envelope', () => {
  it('round-trips each type', () => {
    const all: Envelope[] = [
      { t: 'gbcs', id: 1, b: new Uint8Array([0xdf, 0x09, 0x00]) },
      { t: 'ack', id: 2 ** 53 - 1 },
      { t: 'han', from: euiBytes('00DB1234567890A0'), to: euiBytes('00db1234567890a2'), b: new Uint8Array([1]) },
      { t: 'err', msg: 'bad' },
      { t: 'err', id: 7, msg: 'bad' },
      { t: 'ctl', op: 'advance', id: 3, by: '5m' },
      { t: 'ctl', op: 'inject', premises: 'p', channel: { page: 28, index: 3 }, level: -60 },
    ];
    for (const e of all) expect(plain(decodeEnvelope(encodeEnvelope(e)))).toEqual(plain(e));
    expect(euiText(euiBytes('00db1234567890a2'))).toBe('00DB1234567890A2');
  });

  it('is plain CBOR (no cbor-x records or typed-array tags)', () => {
    expect(hex(encodeEnvelope({ t: 'gbcs', id: 1, b: new Uint8Array([1, 2, 3]) }))).toBe('a3' + '6174' + '6467626373' + '626964' + '01' + '6162' + '43010203');
    expect(hex(encodeEnvelope({ t: 'ack', id: 300 }))).toBe('a2617463616' + '36b' + '626964' + '19012c');
  });

  it('names what is wrong', () => {
    const cases: Array<[unknown, EnvelopeError['reason'], RegExp]> = [
      [[1, 2], 'not-a-map', /not a CBOR map \(got an array\)/],
      ['hi', 'not-a-map', /got text/],
      [{ id: 1 }, 'missing-field', /missing field t/],
      [{ t: 5 }, 'bad-field', /field t: expected text/],
      [{ t: 'nope' }, 'unknown-type', /unknown envelope type "nope"/],
      [{ t: 'gbcs', id: 1 }, 'missing-field', /gbcs: missing field b/],
      [{ t: 'gbcs', id: -1, b: new Uint8Array(1) }, 'bad-field', /field id: expected an unsigned integer/],
      [{ t: 'gbcs', id: 1.5, b: new Uint8Array(1) }, 'bad-field', /field id/],
      [{ t: 'gbcs', id: 1, b: 'text' }, 'bad-field', /field b: expected a byte string/],
      [{ t: 'ack', id: 1, extra: true }, 'extra-field', /unexpected field "extra"/],
      [{ t: 'han', from: new Uint8Array(7), to: new Uint8Array(8), b: new Uint8Array(0) }, 'bad-field', /field from: expected an 8-byte/],
      [{ t: 'ctl', id: 4 }, 'missing-field', /ctl: missing field op/],
      [{ t: 'err', msg: 3 }, 'bad-field', /field msg: expected text/],
    ];
    for (const [v, r, re] of cases) {
      const b = raw.encode(v);
      expect(reason(b)).toBe(r);
      expect(() => decodeEnvelope(b)).toThrow(re);
    }
    expect(reason(new Uint8Array([]))).toBe('not-cbor');
    expect(reason(new Uint8Array([0xa1]))).toBe('not-cbor');
    expect(reason(Buffer.concat([encodeEnvelope({ t: 'ack', id: 1 }), Buffer.from([0])]))).toBe('not-cbor');
    // The id is kept when it could be read, so the err reply can name the message.
    try {
      decodeEnvelope(raw.encode({ t: 'gbcs', id: 9, b: 3 }));
    } catch (e) {
      expect((e as EnvelopeError).id).toBe(9);
    }
    expect(() => encodeEnvelope({ t: 'ack', id: -1 })).toThrow(EnvelopeError);
  });

  it('random bytes decode or throw EnvelopeError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeEnvelope(b);
        } catch (e) {
          if (!(e instanceof EnvelopeError)) throw e;
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('random CBOR values decode or throw EnvelopeError; valid envelopes round-trip', () => {
    const anyValue = fc.anything({ withBigInt: true, withTypedArray: true, withMap: true, withSet: true, withDate: true, withNullPrototype: false });
    fc.assert(
      fc.property(fc.oneof(anyValue, fc.record({ t: fc.constantFrom('gbcs', 'ack', 'han', 'err', 'ctl'), id: fc.oneof(fc.nat(), fc.double()), b: fc.uint8Array(), op: fc.string() }, { requiredKeys: ['t'] })), (v) => {
        let bytes: Uint8Array;
        try {
          bytes = raw.encode(v);
        } catch {
          return;
        }
        try {
          decodeEnvelope(bytes);
        } catch (e) {
          if (!(e instanceof EnvelopeError)) throw e;
        }
      }),
      { numRuns: 5_000 },
    );
    const env = fc.oneof(
      fc.record({ t: fc.constant('gbcs' as const), id: fc.maxSafeNat(), b: fc.uint8Array() }),
      fc.record({ t: fc.constant('ack' as const), id: fc.maxSafeNat() }),
      fc.record({ t: fc.constant('han' as const), from: fc.uint8Array({ minLength: 8, maxLength: 8 }), to: fc.uint8Array({ minLength: 8, maxLength: 8 }), b: fc.uint8Array() }),
      fc.record({ t: fc.constant('err' as const), id: fc.maxSafeNat(), msg: fc.string() }, { requiredKeys: ['t', 'msg'] }),
    );
    fc.assert(
      fc.property(env, (e) => {
        expect(plain(decodeEnvelope(encodeEnvelope(e as Envelope)))).toEqual(plain(e));
      }),
      { numRuns: 2_000 },
    );
  });
});
