/*
 * A minimal DER reader and writer for the parts of SMKI certificates whose exact bytes matter: the TBS that a
 * signature covers, the raw issuer/subject names (the issuer of a certificate must be a byte copy of the CA
 * subject), the order, criticality and value octets of extensions, and the hand-built names and SAN. The
 * X.509 libraries re-encode what they parse, so comparisons of "the same encoding" need the original octets.
 */

export interface Tlv {
  tag: number;
  /** Offset of the tag octet. */
  offset: number;
  /** Offset of the first content octet. */
  start: number;
  /** Offset just past the content. */
  end: number;
}

export class DerError extends Error {
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(`DER offset ${offset}: ${reason}`);
  }
}

/** Reads one TLV at `pos`; definite, minimal lengths only, as DER requires. */
export function readTlv(buf: Uint8Array, pos: number, limit = buf.length): Tlv {
  if (pos + 2 > limit) throw new DerError(pos, 'truncated header');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(pos, 'multi-byte tags do not occur in X.509');
  let len = buf[pos + 1]!;
  let p = pos + 2;
  if (len === 0x80) throw new DerError(pos, 'indefinite length is not DER');
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 3 || p + n > limit) throw new DerError(pos, `unsupported length of ${n} octets`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
    if (len < 0x80 || (n > 1 && buf[pos + 2] === 0)) throw new DerError(pos, 'non-minimal length');
  }
  if (p + len > limit) throw new DerError(pos, `length ${len} runs past the end`);
  return { tag, offset: pos, start: p, end: p + len };
}

export function expectTlv(buf: Uint8Array, pos: number, tag: number, what: string, limit = buf.length): Tlv {
  const t = readTlv(buf, pos, limit);
  if (t.tag !== tag) throw new DerError(pos, `${what}: expected tag 0x${hex2(tag)}, found 0x${hex2(t.tag)}`);
  return t;
}

export function childrenOf(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let p = parent.start;
  while (p < parent.end) {
    const c = readTlv(buf, p, parent.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** The whole TLV (header and content). */
export function tlvBytes(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.offset, t.end);
}

export function content(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.start, t.end);
}

export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new DerError(0, 'empty OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let v = 0n;
  for (let i = 0; i < bytes.length; i++) {
    v = (v << 7n) | BigInt(bytes[i]! & 0x7f);
    if (!(bytes[i]! & 0x80)) {
      arcs.push(v);
      v = 0n;
    } else if (i === bytes.length - 1) throw new DerError(i, 'OBJECT IDENTIFIER ends inside an arc');
  }
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

// ---- writer ----

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const head = [tag, ...lengthOctets(n)];
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  let o = head.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const seq = (...parts: Uint8Array[]): Uint8Array => tlv(0x30, ...parts);
export const set = (...parts: Uint8Array[]): Uint8Array => tlv(0x31, ...parts);
export const octetString = (b: Uint8Array): Uint8Array => tlv(0x04, b);
export const utf8String = (s: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(s));
export const printableString = (s: string): Uint8Array => tlv(0x13, new TextEncoder().encode(s));
/** BIT STRING with no unused bits. */
export const bitString = (b: Uint8Array): Uint8Array => tlv(0x03, Uint8Array.of(0), b);

export function oid(dotted: string): Uint8Array {
  if (!/^[0-2](\.\d+)+$/.test(dotted)) throw new Error(`not an OID: ${dotted}`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const values = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  const out: number[] = [];
  for (const value of values) {
    const group: number[] = [Number(value & 0x7fn)];
    for (let v = value >> 7n; v > 0n; v >>= 7n) group.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...group);
  }
  return tlv(0x06, Uint8Array.from(out));
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
