import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PAYLOAD, ESCAPE, FLAG, HdlcDecoder, crc16x25, droppedFrames, encodeFrame } from '../protocols/link/hdlc.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Reference count of what a decoder must account for: every non-empty run of bytes between flags. */
function segments(stream: Uint8Array): number {
  let n = 0;
  let inSeg = false;
  for (const b of stream) {
    if (b === FLAG) {
      if (inSeg) n++;
      inSeg = false;
    } else inSeg = true;
  }
  return n;
}

/** Cut `bytes` at the given (sorted, deduplicated, clamped) positions. */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

/*
 * CRC-16 lets a random bad candidate through with probability 2^-16, and noise that lands a flag inside a
 * frame makes candidates that are not simple bit errors. Properties that feed noise therefore run on a
 * fixed seed: reproducible, and each run checks thousands of bad candidates.
 */
const NOISY = { seed: 0x5eed2026, numRuns: 400 };

const payload = fc.uint8Array({ minLength: 1, maxLength: 120 });
// Biased towards the bytes that need stuffing, so escapes are exercised in nearly every case.
const stuffy = fc.array(fc.oneof(fc.constantFrom(FLAG, ESCAPE, 0x5e, 0x5d), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 120 }).map((a) => Uint8Array.from(a));

describe('CRC-16/X.25', () => {
  it('has the standard check value', () => {
    expect(crc16x25(new TextEncoder().encode('123456789'))).toBe(0x906e);
  });
  it('of nothing is 0x0000 (init and xorout cancel)', () => {
    expect(crc16x25(new Uint8Array())).toBe(0x0000);
  });
});

describe('HDLC-lite encode', () => {
  it('puts a flag at each end, stuffs 7E and 7D, and sends the FCS little-endian', () => {
    const p = Uint8Array.from([0x01, FLAG, 0x02, ESCAPE, 0x03]);
    const fcs = crc16x25(p);
    const f = encodeFrame(p);
    expect(hex(f.subarray(0, 8))).toBe('7e017d5e027d5d03');
    // The FCS bytes may themselves need stuffing; undo that before comparing.
    const tail: number[] = [];
    for (let i = 8; i < f.length - 1; i++) tail.push(f[i] === ESCAPE ? f[++i]! ^ 0x20 : f[i]!);
    expect(tail).toEqual([fcs & 0xff, fcs >>> 8]);
    expect(f.at(-1)).toBe(FLAG);
  });

  it('never has a flag inside the frame', () => {
    fc.assert(
      fc.property(stuffy, (p) => {
        const f = encodeFrame(p);
        expect(f[0]).toBe(FLAG);
        expect(f.at(-1)).toBe(FLAG);
        expect(f.subarray(1, -1).includes(FLAG)).toBe(false);
      }),
    );
  });
});

describe('HDLC-lite decode', () => {
  it('round-trips any payload', () => {
    fc.assert(
      fc.property(stuffy, (p) => {
        const d = new HdlcDecoder();
        const got = d.push(encodeFrame(p));
        expect(got.map(hex)).toEqual([hex(p)]);
        expect(d.stats).toEqual({ frames: 1, badCrc: 0, badEscape: 0, oversize: 0, runt: 0 });
      }),
    );
  });

  it('delivers every frame, in order, however the stream is chunked', () => {
    fc.assert(
      fc.property(fc.array(stuffy, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (ps, cuts) => {
        const d = new HdlcDecoder();
        const got = chunked(concat(ps.map(encodeFrame)), cuts).flatMap((c) => d.push(c));
        expect(got.map(hex)).toEqual(ps.map(hex));
        expect(droppedFrames(d.stats)).toBe(0);
      }),
    );
  });

  it('byte at a time equals all at once', () => {
    fc.assert(
      fc.property(fc.array(payload, { minLength: 1, maxLength: 5 }), (ps) => {
        const stream = concat(ps.map(encodeFrame));
        const a = new HdlcDecoder();
        const b = new HdlcDecoder();
        const whole = a.push(stream);
        const single = [...stream].flatMap((x) => b.push(Uint8Array.of(x)));
        expect(single.map(hex)).toEqual(whole.map(hex));
        expect(b.stats).toEqual(a.stats);
      }),
    );
  });

  it('ignores idle flags between frames', () => {
    const d = new HdlcDecoder();
    const got = d.push(concat([Uint8Array.of(FLAG, FLAG, FLAG), encodeFrame(Uint8Array.of(1)), Uint8Array.of(FLAG, FLAG), encodeFrame(Uint8Array.of(2))]));
    expect(got.map(hex)).toEqual(['01', '02']);
    expect(droppedFrames(d.stats)).toBe(0);
  });

  it('resynchronises after garbage between frames: all frames arrive, nothing else does, every piece of junk is counted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 30 }), stuffy), { minLength: 1, maxLength: 10 }),
        fc.uint8Array({ maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (items, trailer, cuts) => {
          const stream = concat([...items.flatMap(([junk, p]) => [junk, encodeFrame(p)]), trailer, Uint8Array.of(FLAG)]);
          const d = new HdlcDecoder();
          const got = chunked(stream, cuts).flatMap((c) => d.push(c));
          expect(got.map(hex)).toEqual(items.map(([, p]) => hex(p)));
          expect(d.stats.frames + droppedFrames(d.stats)).toBe(segments(stream));
        },
      ),
      NOISY,
    );
  });

  it('never delivers a frame hit by flipped bits, always delivers the untouched ones, and counts what it drops', () => {
    fc.assert(
      fc.property(
        fc.array(stuffy, { minLength: 1, maxLength: 10 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (ps, flips, cuts) => {
          const frames = ps.map(encodeFrame);
          const stream = concat(frames);
          const owner: number[] = frames.flatMap((f, i) => Array<number>(f.length).fill(i));
          const hit = new Set<number>();
          // Distinct bits only: flipping one bit twice would put it back.
          const distinct = new Map(flips.map(([pos, bit]) => [`${pos % stream.length}:${bit}`, [pos % stream.length, bit] as const]));
          for (const [at, bit] of distinct.values()) {
            stream[at]! ^= 1 << bit;
            hit.add(owner[at]!);
          }
          const d = new HdlcDecoder();
          // A trailing flag settles whatever is still open when both flags of the last frame were hit.
          const got = [...chunked(stream, cuts), Uint8Array.of(FLAG)].flatMap((c) => d.push(c));
          const intact = ps.filter((_, i) => !hit.has(i)).map(hex);
          expect(got.map(hex)).toEqual(intact);
          expect(d.stats.frames).toBe(got.length);
          expect(d.stats.frames + droppedFrames(d.stats)).toBe(segments(concat([stream, Uint8Array.of(FLAG)])));
          expect(droppedFrames(d.stats)).toBeGreaterThan(0);
        },
      ),
      NOISY,
    );
  });

  it('rejects every single-bit and every double-bit error in a frame', () => {
    const p = Uint8Array.from({ length: 24 }, (_, i) => (i * 37 + 11) & 0xff);
    const f = encodeFrame(p);
    const bits = (f.length - 2) * 8;
    const flipped = (positions: number[]) => {
      const g = f.slice();
      for (const x of positions) g[1 + (x >> 3)]! ^= 1 << (x & 7);
      return g;
    };
    let tried = 0;
    for (let a = 0; a < bits; a++) {
      expect(new HdlcDecoder().push(flipped([a]))).toEqual([]);
      for (let b = a + 1; b < bits; b++) {
        expect(new HdlcDecoder().push(flipped([a, b]))).toEqual([]);
        tried++;
      }
    }
    expect(tried).toBe((bits * (bits - 1)) / 2);
  });

  it('counts a bad FCS, a runt, an aborted frame and a bad escape, and carries on', () => {
    const d = new HdlcDecoder();
    const good = encodeFrame(Uint8Array.of(9, 9, 9));
    const badCrc = good.slice();
    badCrc[2]! ^= 0x01;
    const got = d.push(concat([badCrc, Uint8Array.of(FLAG, 0x01, 0x02, FLAG), Uint8Array.of(FLAG, 0x01, 0x02, 0x03, ESCAPE, FLAG), Uint8Array.of(FLAG, 0x01, ESCAPE, 0x41, 0x02, 0x03, FLAG), good]));
    expect(got.map(hex)).toEqual(['090909']);
    expect(d.stats).toEqual({ frames: 1, badCrc: 1, badEscape: 2, oversize: 0, runt: 1 });
  });

  it('accepts escaped control characters from peers that stuff XON/XOFF', () => {
    const p = Uint8Array.of(0x11, 0x13, 0x40);
    const fcs = crc16x25(p);
    const wire = Uint8Array.of(FLAG, ESCAPE, 0x31, ESCAPE, 0x33, 0x40, fcs & 0xff, fcs >>> 8, FLAG);
    expect(fcs & 0xff).not.toBe(FLAG);
    expect(new HdlcDecoder().push(wire).map(hex)).toEqual(['111340']);
  });

  it('drops an oversize frame without buffering it and delivers the next', () => {
    const d = new HdlcDecoder({ maxPayload: 64 });
    const atLimit = new Uint8Array(64).fill(0x42);
    const over = new Uint8Array(65).fill(0x43);
    const got = [d.push(encodeFrame(over)), d.push(new Uint8Array(10_000).fill(0x44)), d.push(Uint8Array.of(FLAG)), d.push(encodeFrame(atLimit))].flat();
    expect(got.map(hex)).toEqual([hex(atLimit)]);
    expect(d.stats.oversize).toBe(2);
    expect(DEFAULT_MAX_PAYLOAD).toBeGreaterThanOrEqual(8192);
    expect(() => new HdlcDecoder({ maxPayload: 0 })).toThrow(RangeError);
  });

  it('reset() forgets a partial frame', () => {
    const d = new HdlcDecoder();
    const f = encodeFrame(Uint8Array.of(1, 2, 3, 4));
    d.push(f.subarray(0, 4));
    d.reset();
    expect(d.push(f.subarray(4)).length).toBe(0);
    expect(d.push(f).map(hex)).toEqual(['01020304']);
  });
});
