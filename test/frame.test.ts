import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesEqual, fromHex, toHex } from '../protocols/bytes.js';
import { GbcsDecodeError } from '../protocols/errors.js';
import { decodeFrame, decodeFrameWithLayout, encodeFrame, type GbcsFrame } from '../protocols/gbcs/frame.js';
import { countUntyped } from '../protocols/gbcs/payload.js';
import { checkFrame } from '../protocols/gbcs/inspect.js';
import { loadVectors } from './vectors.js';

const vectors = loadVectors();

function byName(suffix: string) {
  const v = vectors.find((x) => x.path.endsWith(suffix));
  if (!v) throw new Error(`vector ${suffix} missing`);
  return v;
}

describe('GBCS frames over the shared RTDS corpus', () => {
  it('has the whole shared corpus', () => {
    expect(vectors.length).toBe(960);
  });

  it('decodes and re-encodes every vector byte-identical', () => {
    const failures: string[] = [];
    for (const v of vectors) {
      const r = checkFrame(v.bytes);
      if (r.status === 'fail') failures.push(`${v.folder}/${v.name}: ${r.reason}`);
    }
    expect(failures).toEqual([]);
  });

  it('types every payload (untyped count is reported and zero)', () => {
    let untyped = 0;
    const where: string[] = [];
    for (const v of vectors) {
      const f = decodeFrame(v.bytes);
      if (f.kind === 'gbt') continue;
      const n = countUntyped(f.payload);
      if (n) where.push(`${v.name}: ${n}`);
      untyped += n;
    }
    console.log(`untyped payload parts in the shared corpus: ${untyped}`);
    expect(where).toEqual([]);
  });

  it('classifies frames by protection as the corpus folders say', () => {
    const counts: Record<string, number> = {};
    for (const v of vectors) {
      const f = decodeFrame(v.bytes);
      const key = `${v.kind}:${f.kind}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    // Pre-commands are always bare General-Signing APDUs without a signature field.
    expect(counts['PRECOMMAND:ciphered']).toBeUndefined();
    for (const v of vectors.filter((x) => x.kind === 'PRECOMMAND')) {
      const f = decodeFrame(v.bytes) as Extract<GbcsFrame, { kind: 'signing' }>;
      expect(f.signature.kind).toBe('absent');
    }
  });

  it('each pre-command is the command General-Signing APDU up to the end of its payload', () => {
    let pairs = 0;
    for (const pre of vectors.filter((x) => x.kind === 'PRECOMMAND')) {
      const cmd = vectors.find((x) => x.path === pre.path.replace('_PRECOMMAND', '_COMMAND'));
      if (!cmd) continue;
      const { layout } = decodeFrameWithLayout(cmd.bytes);
      expect(toHex(cmd.bytes.subarray(layout.gsStart, layout.payloadEnd))).toBe(toHex(pre.bytes));
      pairs++;
    }
    expect(pairs).toBeGreaterThan(100);
  });

  it('reads the DBCH01 command field by field (gbcs-framing §1.7)', () => {
    const f = decodeFrame(byName('6.31_DBCH01/DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX').bytes);
    expect(f.kind).toBe('ciphered');
    if (f.kind !== 'ciphered') return;
    expect(f.securityControl).toBe(0x11);
    expect(f.invocationCounter).toBe(0);
    expect(f.header).toMatchObject({
      cra: 'command',
      counter: 1300n,
      originator: '90B3D51F30000002',
      target: '00DB1234567890A2',
      dateTime: null,
      otherInfo: { form: 'supplementary', messageCode: 0x010a, remotePartyId: '90B3D51F30010000', remotePartyCounter: 1000n },
    });
    expect(f.signature).toEqual({ kind: 'none' });
    expect(f.mac).toBe('F19E0D45191B5CDB821113B8');
    expect(f.payload.family).toBe('dlms');
  });

  it('reads a signed critical response and its date-time (ECS01a)', () => {
    const f = decodeFrame(byName('1.1.1_ECS01a/ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_RESPONSE_GBCS.HEX').bytes);
    expect(f.kind).toBe('signing');
    if (f.kind !== 'signing') return;
    expect(f.header.cra).toBe('response');
    expect(f.header.otherInfo.messageCode).toBe(0x0019);
    expect(f.header.dateTime?.year).toBe(2015);
    expect(f.signature.kind).toBe('ecdsa');
  });

  it('reads every other-information form present in the corpus', () => {
    const forms = new Set<string>();
    for (const v of vectors) {
      const f = decodeFrame(v.bytes);
      if (f.kind !== 'gbt') forms.add(f.header.otherInfo.form);
    }
    expect([...forms].sort()).toEqual(
      ['code', 'code+eui', 'supplementary', 'supplementary+certificate', 'supplementary+originator-counter'].filter((x) =>
        forms.has(x),
      ),
    );
    expect(forms.has('code')).toBe(true);
    expect(forms.has('supplementary')).toBe(true);
  });
});

describe('bad input gives GbcsDecodeError with offset and field', () => {
  const cmd = byName('6.31_DBCH01/DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX').bytes;

  function decodeError(bytes: Uint8Array): GbcsDecodeError {
    try {
      decodeFrame(bytes);
    } catch (e) {
      if (e instanceof GbcsDecodeError) return e;
      throw e;
    }
    throw new Error('decoded without error');
  }

  it('truncated frame', () => {
    const e = decodeError(cmd.subarray(0, 40));
    expect(e.offset).toBeLessThanOrEqual(40);
    expect(e.message).toMatch(/offset \d+: /);
  });

  it('wrong first tag', () => {
    const b = cmd.slice();
    b[0] = 0xde;
    const e = decodeError(b);
    expect(e.offset).toBe(0);
    expect(e.field).toBe('frame.tag');
  });

  it('bad CRA flag', () => {
    const b = cmd.slice();
    b[15] = 0x07;
    const e = decodeError(b);
    expect(e.offset).toBe(15);
    expect(e.field).toBe('header.cra');
  });

  it('unknown message code', () => {
    const b = cmd.slice();
    b[44] = 0x7f;
    b[45] = 0xee;
    const e = decodeError(b);
    expect(e.offset).toBe(44);
    expect(e.message).toContain('unknown message code 0x7FEE');
  });

  it('content length past the end', () => {
    const b = cmd.slice();
    b[62] = 0x7f;
    const e = decodeError(b);
    expect(e.field).toBe('contentLength');
  });

  it('empty input', () => {
    expect(decodeError(new Uint8Array(0)).offset).toBe(0);
  });
});

describe('robustness (fast-check)', () => {
  const samples = vectors.filter((_, i) => i % 7 === 0);

  function onlyDecodeErrors(bytes: Uint8Array): void {
    try {
      const f = decodeFrame(bytes);
      // Whatever decodes must encode back to the same bytes.
      expect(bytesEqual(encodeFrame(f), bytes)).toBe(true);
    } catch (e) {
      if (!(e instanceof GbcsDecodeError)) throw e;
    }
  }

  it('random bytes never throw anything but GbcsDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (b) => onlyDecodeErrors(b)),
      { numRuns: 3000 },
    );
  });

  it('random bytes behind a valid-looking header never throw anything else', () => {
    const head = fromHex('DD000000000000');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (tail) => {
        const b = new Uint8Array(head.length + tail.length);
        b.set(head);
        b.set(tail, head.length);
        onlyDecodeErrors(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated vectors (byte changes, truncation, insertion) never throw anything else', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert')), {
          minLength: 1,
          maxLength: 4,
        }),
        (v, edits) => {
          let b = v.bytes.slice();
          for (const [pos, val, op] of edits) {
            const p = b.length ? pos % b.length : 0;
            if (op === 'set' && b.length) b[p] = val;
            else if (op === 'cut') b = b.slice(0, p);
            else {
              const n = new Uint8Array(b.length + 1);
              n.set(b.subarray(0, p));
              n[p] = val;
              n.set(b.subarray(p), p + 1);
              b = n;
            }
          }
          onlyDecodeErrors(b);
        },
      ),
      { numRuns: 4000 },
    );
  });
});
