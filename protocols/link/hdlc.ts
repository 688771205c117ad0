/*
 * HDLC-lite framing for byte-stream links (serial ports, ptys): `7E | stuff(payload ‖ FCS) | 7E` with the
 * RFC 1662 octet stuffing (`7D, b ^ 0x20`) and the 16-bit FCS of RFC 1662 (CRC-16/X.25), sent little-endian.
 * The flag can never occur inside a frame, so after any line noise the decoder is back in step at the next
 * flag without a timer; every frame is sent with a leading flag too, so noise before it ends up in a short
 * bad "frame" of its own instead of spoiling the good one.
 */

export const FLAG = 0x7e;
export const ESCAPE = 0x7d;
const XOR = 0x20;
/** CRC-16/X.25 of data followed by its own (little-endian, complemented) FCS is always this. */
const GOOD_RESIDUE = 0xf0b8;
/** Enough for a GBCS frame plus its envelope; GBT segmentation keeps real messages well under it. */
export const DEFAULT_MAX_PAYLOAD = 16 * 1024;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    // 0x8408 is 0x1021 bit-reversed: X.25 is the reflected CCITT polynomial, so the table runs LSB first.
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

function crcUpdate(crc: number, data: Uint8Array, from = 0, to = data.length): number {
  for (let i = from; i < to; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ data[i]!) & 0xff]!;
  return crc;
}

/** CRC-16/X.25 (poly 0x1021 reflected, init 0xFFFF, xorout 0xFFFF): "123456789" gives 0x906E. */
export function crc16x25(data: Uint8Array): number {
  return (crcUpdate(0xffff, data) ^ 0xffff) & 0xffff;
}

function needsEscape(b: number): boolean {
  return b === FLAG || b === ESCAPE;
}

/** One frame on the wire, both flags included. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const fcs = crc16x25(payload);
  const body = new Uint8Array(payload.length + 2);
  body.set(payload);
  body[payload.length] = fcs & 0xff;
  body[payload.length + 1] = fcs >>> 8;
  let n = 2;
  for (const b of body) n += needsEscape(b) ? 2 : 1;
  const out = new Uint8Array(n);
  let o = 0;
  out[o++] = FLAG;
  for (const b of body) {
    if (needsEscape(b)) {
      out[o++] = ESCAPE;
      out[o++] = b ^ XOR;
    } else out[o++] = b;
  }
  out[o] = FLAG;
  return out;
}

export interface HdlcStats {
  /** Good frames handed out. */
  frames: number;
  /** FCS did not match: noise, a bit flip, or bytes lost inside the frame. */
  badCrc: number;
  /** An escape followed by a flag (an aborted frame) or by a byte no sender escapes. */
  badEscape: number;
  /** More than `maxPayload` bytes before the next flag; discarded without being buffered. */
  oversize: number;
  /** One or two bytes between flags: too short to hold an FCS. */
  runt: number;
}

export function droppedFrames(s: HdlcStats): number {
  return s.badCrc + s.badEscape + s.oversize + s.runt;
}

export interface HdlcDecoderOptions {
  maxPayload?: number;
}

/**
 * Streaming decoder: feed it whatever the port delivered (any split, any noise) and get the complete good
 * frames' payloads. Bad frames are counted in `stats` by reason and dropped whole; decoding picks up again
 * at the next flag.
 */
export class HdlcDecoder {
  readonly stats: HdlcStats = { frames: 0, badCrc: 0, badEscape: 0, oversize: 0, runt: 0 };
  private readonly buf: Uint8Array;
  private len = 0;
  private escaped = false;
  /** Set once the frame in progress is known bad: the rest of it is skipped up to the next flag. */
  private discarding: keyof HdlcStats | null = null;

  constructor(opts: HdlcDecoderOptions = {}) {
    const max = opts.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxPayload must be a positive whole number, got ${max}`);
    this.buf = new Uint8Array(max + 2);
  }

  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === FLAG) {
        this.endFrame(out);
        continue;
      }
      if (this.discarding) continue;
      let v = b;
      if (this.escaped) {
        this.escaped = false;
        v = b ^ XOR;
        // Accept escaped control characters as well: peers that also stuff XON/XOFF (ACCM) stay readable.
        if (!(v === FLAG || v === ESCAPE || v < 0x20)) {
          this.discarding = 'badEscape';
          continue;
        }
      } else if (b === ESCAPE) {
        this.escaped = true;
        continue;
      }
      if (this.len === this.buf.length) {
        this.discarding = 'oversize';
        continue;
      }
      this.buf[this.len++] = v;
    }
    return out;
  }

  /** Forget a partial frame (e.g. after the port was reopened: its tail will never come). */
  reset(): void {
    this.len = 0;
    this.escaped = false;
    this.discarding = null;
  }

  private endFrame(out: Uint8Array[]): void {
    const { len, escaped, discarding } = this;
    this.reset();
    if (discarding) this.stats[discarding]++;
    else if (escaped) this.stats.badEscape++;
    else if (len === 0) return; // back-to-back flags: idle fill, not a frame
    else if (len < 3) this.stats.runt++;
    else if (crcUpdate(0xffff, this.buf, 0, len) !== GOOD_RESIDUE) this.stats.badCrc++;
    else {
      this.stats.frames++;
      out.push(this.buf.slice(0, len - 2));
    }
  }
}
