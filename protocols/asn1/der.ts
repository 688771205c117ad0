import { type Hex, Reader, byteHex, fromHex, hexAt, toHex } from '../bytes.js';
import { GbcsDecodeError, GbcsEncodeError } from '../errors.js';
import { type CertificateSummary, looksLikeCertificate, summariseCertificate } from './certificate.js';

/*
 * Strict DER (X.690 §10) for GBCS ASN.1 payloads and SMKI objects.
 *
 * Strictness is what makes the round trip exact without keeping raw bytes: every encoding choice DER leaves
 * open to a BER encoder (integer padding, boolean value, bit-string padding, OID sub-identifier form,
 * primitive vs constructed strings, indefinite lengths) is rejected on decode, so the node tree fixes the
 * bytes. The one exception is the length form: real GBCS devices (all RTDS CS02b/CS02g/CS02a responses)
 * write lengths 128-255 as `82 00 nn`, so a definite long form longer than necessary is accepted and kept in
 * the node as `longLength` (unless `minimalLengths` is asked for). SET ordering is not checked: children keep
 * their wire order, which is enough for the bytes to come back the same.
 *
 * Two views of the same parse: `decodeDer` gives a node tree that fixes the bytes (GBCS payloads, building
 * and checking values), and `readTlv`/`childrenOf` give element offsets into the buffer for callers that need
 * the original octets of a part, such as the TBS a certificate signature covers or a name compared byte for
 * byte. Both read identifiers and lengths with the same rules.
 */

export type DerTagClass = 'universal' | 'application' | 'context' | 'private';

/**
 * `longLength`: number of length octets after the `0x8n` octet when the wire used more than the minimal
 * form (e.g. 2 for `82 00 CA`). Absent means minimal; the encoder writes what it says.
 */
export interface DerLengthForm {
  longLength?: number;
}

export interface DerBoolean extends DerLengthForm {
  type: 'boolean';
  value: boolean;
}
/** INTEGER and ENUMERATED: any size. In JSON the value may be a number, a decimal string or 0x-hex. */
export interface DerInteger extends DerLengthForm {
  type: 'integer';
  value: bigint;
}
export interface DerEnumerated extends DerLengthForm {
  type: 'enumerated';
  value: bigint;
}
export interface DerBitString extends DerLengthForm {
  type: 'bitString';
  unusedBits: number;
  hex: Hex;
}
export interface DerOctetString extends DerLengthForm {
  type: 'octetString';
  hex: Hex;
}
export interface DerNull extends DerLengthForm {
  type: 'null';
}
/** Dotted text, e.g. `1.2.840.10045.2.1`. */
export interface DerOid extends DerLengthForm {
  type: 'oid';
  value: string;
}
export interface DerString extends DerLengthForm {
  type: 'utf8String' | 'printableString' | 'ia5String';
  value: string;
}
/** Text exactly as on the wire: `YYMMDDhhmmssZ` / `YYYYMMDDhhmmss[.f]Z`. */
export interface DerTime extends DerLengthForm {
  type: 'utcTime' | 'generalizedTime';
  value: string;
}
export interface DerConstructed extends DerLengthForm {
  type: 'sequence' | 'set';
  children: DerNode[];
}
/**
 * Any other tag: context/application/private tags (IMPLICIT or EXPLICIT, the DER cannot tell) and universal
 * types this codec does not model. Constructed ones keep their children, primitive ones their content.
 */
export type DerTagged = DerLengthForm &
  (
    | { type: 'tagged'; cls: DerTagClass; tag: number; constructed: true; children: DerNode[] }
    | { type: 'tagged'; cls: DerTagClass; tag: number; constructed: false; hex: Hex }
  );
/**
 * An X.509 certificate kept whole (only with `certificates: true`): `der` is the complete element and is
 * what the encoder writes; `summary` is derived on decode for people and device logic, and ignored on encode.
 */
export interface DerCertificate {
  type: 'certificate';
  der: Hex;
  summary?: CertificateSummary;
}

export type DerNode =
  | DerBoolean
  | DerInteger
  | DerEnumerated
  | DerBitString
  | DerOctetString
  | DerNull
  | DerOid
  | DerString
  | DerTime
  | DerConstructed
  | DerTagged
  | DerCertificate;

export type DerNodeType = DerNode['type'];

export interface DerDecodeOptions {
  /** Collapse X.509 certificates into `certificate` nodes (GBCS payloads); off for SMKI, which wants the tree. */
  certificates?: boolean;
  /** Nesting limit; certificates nest about 9 deep, GBCS payloads about 6 more. */
  maxDepth?: number;
  /** Reject lengths not in minimal form (pure DER, e.g. for SMKI validation). */
  minimalLengths?: boolean;
}

/**
 * How the lengths outside certificates were written: `minimal` (DER), `twoOctet` (every length 128-65535 as
 * `82 hh ll`, as RTDS devices do), or `mixed` (neither rule covers them all).
 */
export type DerLengthStyle = 'minimal' | 'twoOctet' | 'mixed';

export const DER_MAX_DEPTH = 48;

/** Universal tag numbers this codec gives their own node type. */
export const UNIVERSAL = {
  boolean: 1,
  integer: 2,
  bitString: 3,
  octetString: 4,
  null: 5,
  oid: 6,
  enumerated: 10,
  utf8String: 12,
  sequence: 16,
  set: 17,
  printableString: 19,
  ia5String: 22,
  utcTime: 23,
  generalizedTime: 24,
} as const;

const MODELLED_UNIVERSAL = new Set<number>(Object.values(UNIVERSAL));
const CLASS_NAMES: readonly DerTagClass[] = ['universal', 'application', 'context', 'private'];
/** Tag numbers are kept to 4 base-128 octets so they stay small integers. */
const MAX_TAG = 0x0fffffff;
const MAX_LENGTH_OCTETS = 4;

const UNIVERSAL_NAMES: Record<number, string> = {
  1: 'BOOLEAN',
  2: 'INTEGER',
  3: 'BIT STRING',
  4: 'OCTET STRING',
  5: 'NULL',
  6: 'OBJECT IDENTIFIER',
  10: 'ENUMERATED',
  12: 'UTF8String',
  16: 'SEQUENCE',
  17: 'SET',
  19: 'PrintableString',
  22: 'IA5String',
  23: 'UTCTime',
  24: 'GeneralizedTime',
};

// ---------------------------------------------------------------------------------------------------------
// Content rules shared by the decoder, the encoder and IMPLICIT re-tagging in the schema layer.

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d*[1-9])?Z$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function latin1(b: Uint8Array, s: number, e: number): string {
  if (e - s > 64) return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!);
  return out;
}

/** Null when the text is a DER time of that kind, else the reason it is not. */
export function derTimeProblem(kind: 'utcTime' | 'generalizedTime', text: string): string | null {
  if (kind === 'generalizedTime' && text.length === 15 && text.charCodeAt(14) === 0x5a && plainTimeOk(text, 4)) return null;
  if (kind === 'utcTime' && text.length === 13 && text.charCodeAt(12) === 0x5a && plainTimeOk(text, 2)) return null;
  const m = (kind === 'utcTime' ? UTC_TIME : GENERALIZED_TIME).exec(text);
  if (!m) {
    return kind === 'utcTime'
      ? 'UTCTime must be YYMMDDhhmmssZ in DER'
      : 'GeneralizedTime must be YYYYMMDDhhmmss[.fff]Z in DER (no trailing zero in fractions)';
  }
  const mo = +m[2]!;
  const d = +m[3]!;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || +m[4]! > 23 || +m[5]! > 59 || +m[6]! > 60) {
    return `time field out of range in ${JSON.stringify(text)}`;
  }
  return null;
}

/** Fast path for the common `...hhmmssZ` form: all digits and fields in range. */
function plainTimeOk(t: string, yearDigits: number): boolean {
  for (let i = 0; i < yearDigits + 10; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  const two = (i: number) => (t.charCodeAt(i) - 0x30) * 10 + t.charCodeAt(i + 1) - 0x30;
  const y = yearDigits;
  const mo = two(y);
  const d = two(y + 2);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && two(y + 4) <= 23 && two(y + 6) <= 59 && two(y + 8) <= 60;
}

function bigFromContent(b: Uint8Array, s: number, e: number): bigint {
  if (e - s <= 6) {
    let v = b[s]! >= 0x80 ? b[s]! - 256 : b[s]!;
    for (let i = s + 1; i < e; i++) v = v * 256 + b[i]!;
    return BigInt(v);
  }
  const u = BigInt('0x' + hexAt(b, s, e - s));
  return b[s]! >= 0x80 ? u - (1n << BigInt(8 * (e - s))) : u;
}

/** Minimal two's-complement content octets of an INTEGER/ENUMERATED. */
export function integerContent(v: bigint): Uint8Array {
  if (v >= -128n && v <= 127n) return Uint8Array.of(Number(v) & 0xff);
  let hex: string;
  if (v >= 0n) {
    hex = v.toString(16);
    if (hex.length & 1) hex = '0' + hex;
    if (parseInt(hex[0]!, 16) >= 8) hex = '00' + hex;
  } else {
    let n = 1;
    while (v < -(1n << BigInt(8 * n - 1))) n++;
    hex = ((1n << BigInt(8 * n)) + v).toString(16).padStart(2 * n, '0');
  }
  return fromHex(hex);
}

const SAFE_SHIFT_LIMIT = 2 ** 45;

function oidText(b: Uint8Array, s: number, e: number, padded = false): string | DerProblem {
  let out = '';
  let i = s;
  while (i < e) {
    const start = i;
    if (b[i] === 0x80 && !padded) return new DerProblem(i - s, 'sub-identifier with a leading 0x80 octet (not minimal)');
    let v = 0;
    let big: bigint | undefined;
    for (;;) {
      if (i >= e) return new DerProblem(start - s, 'last sub-identifier is unterminated');
      const x = b[i++]!;
      if (big !== undefined) big = (big << 7n) | BigInt(x & 0x7f);
      else if (v >= SAFE_SHIFT_LIMIT) big = (BigInt(v) << 7n) | BigInt(x & 0x7f);
      else v = v * 128 + (x & 0x7f);
      if (x < 0x80) break;
    }
    if (start === s) {
      if (big !== undefined) out = '2.' + (big - 80n);
      else out = v < 40 ? '0.' + v : v < 80 ? '1.' + (v - 40) : '2.' + (v - 80);
    } else out += '.' + (big !== undefined ? big : v);
  }
  return out;
}

const OID_TEXT = /^[0-2](?:\.(?:0|[1-9]\d*))+$/;

export function oidContent(text: string, path: string): Uint8Array {
  if (!OID_TEXT.test(text)) throw new GbcsEncodeError(path, `not a dotted OID: ${JSON.stringify(text)}`);
  const arcs = text.split('.').map((a) => BigInt(a));
  if (arcs[0]! < 2n && arcs[1]! >= 40n) throw new GbcsEncodeError(path, `second arc must be below 40 under arc ${arcs[0]}`);
  const subs = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  const out: number[] = [];
  for (const s of subs) {
    const group: number[] = [Number(s & 0x7fn)];
    let x = s >> 7n;
    while (x > 0n) {
      group.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    for (let k = group.length - 1; k >= 0; k--) out.push(group[k]!);
  }
  return Uint8Array.from(out);
}

/** Why content octets are not DER; `at` is relative to the content start. */
export class DerProblem {
  constructor(
    readonly at: number,
    readonly reason: string,
  ) {}
}

/**
 * Decodes the content octets of a primitive universal type. Returns the node or a reason it is not DER.
 * Used for wire elements and for IMPLICIT-tagged primitives re-read as their underlying type.
 */
export function primitiveFromContent(utag: number, c: Uint8Array): DerNode | DerProblem {
  return primitiveAt(utag, c, 0, c.length);
}

/** As primitiveFromContent over buf[s, e), without making a sub-array per element (the hot path). */
function primitiveAt(utag: number, buf: Uint8Array, s: number, e: number): DerNode | DerProblem {
  const n = e - s;
  switch (utag) {
    case UNIVERSAL.boolean:
      if (n !== 1) return new DerProblem(0, `BOOLEAN must have 1 content octet, has ${n}`);
      if (buf[s] !== 0 && buf[s] !== 0xff) return new DerProblem(0, `BOOLEAN TRUE must be 0xFF in DER, got 0x${byteHex(buf[s]!)}`);
      return { type: 'boolean', value: buf[s] === 0xff };
    case UNIVERSAL.integer:
    case UNIVERSAL.enumerated: {
      if (n === 0) return new DerProblem(0, 'empty INTEGER');
      const b0 = buf[s]!;
      if (n > 1 && ((b0 === 0 && buf[s + 1]! < 0x80) || (b0 === 0xff && buf[s + 1]! >= 0x80))) {
        return new DerProblem(0, 'INTEGER is not minimally encoded (redundant leading octet)');
      }
      return { type: utag === UNIVERSAL.integer ? 'integer' : 'enumerated', value: bigFromContent(buf, s, e) };
    }
    case UNIVERSAL.bitString: {
      if (n === 0) return new DerProblem(0, 'BIT STRING without its unused-bits octet');
      const unused = buf[s]!;
      if (unused > 7) return new DerProblem(0, `BIT STRING unused-bits count ${unused} > 7`);
      if (n === 1 && unused !== 0) return new DerProblem(0, 'empty BIT STRING must have 0 unused bits');
      if (unused && buf[e - 1]! & ((1 << unused) - 1)) {
        return new DerProblem(n - 1, 'BIT STRING padding bits must be zero in DER');
      }
      return { type: 'bitString', unusedBits: unused, hex: hexAt(buf, s + 1, n - 1) };
    }
    case UNIVERSAL.octetString:
      return { type: 'octetString', hex: hexAt(buf, s, n) };
    case UNIVERSAL.null:
      if (n) return new DerProblem(0, `NULL must be empty, has ${n} octet(s)`);
      return { type: 'null' };
    case UNIVERSAL.oid: {
      if (n === 0) return new DerProblem(0, 'empty OBJECT IDENTIFIER');
      const t = oidText(buf, s, e);
      return typeof t === 'string' ? { type: 'oid', value: t } : t;
    }
    case UNIVERSAL.utf8String:
      try {
        return { type: 'utf8String', value: utf8Decoder.decode(buf.subarray(s, e)) };
      } catch {
        return new DerProblem(0, 'UTF8String is not valid UTF-8');
      }
    case UNIVERSAL.printableString: {
      const t = latin1(buf, s, e);
      if (!PRINTABLE.test(t)) return new DerProblem(0, 'PrintableString has a character outside its set');
      return { type: 'printableString', value: t };
    }
    case UNIVERSAL.ia5String: {
      for (let i = s; i < e; i++) if (buf[i]! > 0x7f) return new DerProblem(i - s, 'IA5String octet above 0x7F');
      return { type: 'ia5String', value: latin1(buf, s, e) };
    }
    case UNIVERSAL.utcTime:
    case UNIVERSAL.generalizedTime: {
      const kind = utag === UNIVERSAL.utcTime ? 'utcTime' : 'generalizedTime';
      const t = latin1(buf, s, e);
      const p = derTimeProblem(kind, t);
      return p ? new DerProblem(0, p) : { type: kind, value: t };
    }
    default:
      return new DerProblem(0, `universal tag ${utag} is not a modelled primitive`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Identifier and length octets

/**
 * Where one element sits in the buffer it was read from. `id` is the first identifier octet (class,
 * constructed bit and, below 31, the tag number: 0x30 SEQUENCE, 0xA3 [3]); `tag` is the tag number.
 */
export interface DerTlv {
  id: number;
  tag: number;
  /** Offset of the identifier octet. */
  offset: number;
  /** Offset of the first content octet. */
  start: number;
  /** Offset just past the content. */
  end: number;
  /** Length octets after a long-form `0x8n` octet; 0 for the short form. */
  lengthOctets: number;
}

type HeaderFail = (at: number, what: 'tag' | 'length', reason: string) => never;

/** Reads the identifier and length at buf[pos] into `h`; the element must end by `end`. */
function readHeader(buf: Uint8Array, pos: number, end: number, minimalLengths: boolean, h: DerTlv, fail: HeaderFail): void {
  let p = pos;
  if (p >= end) fail(p, 'tag', 'unexpected end of data');
  const id = buf[p++]!;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    if (p >= end) fail(p, 'tag', 'unexpected end of data in a high tag number');
    if (buf[p] === 0x80) fail(p, 'tag', 'high tag number with a leading 0x80 octet (not minimal)');
    tag = 0;
    for (let n = 0; ; n++) {
      if (p >= end) fail(p, 'tag', 'unexpected end of data in a high tag number');
      if (n === 4) fail(p, 'tag', 'tag number longer than 4 octets');
      const x = buf[p++]!;
      tag = tag * 128 + (x & 0x7f);
      if (x < 0x80) break;
    }
    if (tag < 0x1f) fail(pos, 'tag', `tag number ${tag} must use the single-octet form in DER`);
  }
  if (p >= end) fail(p, 'length', 'unexpected end of data');
  const l0 = buf[p++]!;
  let len = l0;
  let n = 0;
  if (l0 >= 0x80) {
    if (l0 === 0x80) fail(p - 1, 'length', 'indefinite length is not allowed in DER');
    n = l0 & 0x7f;
    if (n > MAX_LENGTH_OCTETS) fail(p - 1, 'length', `length of ${n} octets is not supported`);
    if (p + n > end) fail(p, 'length', `needs ${n} length octets, only ${end - p} left`);
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + buf[p++]!;
    if (minimalLengths && n !== minimalLengthOctets(len)) fail(p - n - 1, 'length', `length ${len} is not in the minimal DER form`);
  }
  if (len > end - p) fail(p, 'length', `length ${len} runs past the end (${end - p} bytes left)`);
  h.id = id;
  h.tag = tag;
  h.offset = pos;
  h.start = p;
  h.end = p + len;
  h.lengthOctets = n;
}

export interface DerTlvOptions {
  /** Reject lengths not in minimal form, as DerDecodeOptions.minimalLengths. */
  minimalLengths?: boolean;
  /** Reject tag numbers above 30: X.509 has none, so one there means the structure is not what it claims. */
  lowTagNumbers?: boolean;
}

const tlvFail: HeaderFail = (at, what, reason) => {
  throw new GbcsDecodeError(at, `DER ${what}`, reason);
};

/**
 * The element at buf[pos], which must end by `limit`: its offsets only, the content is not read. Throws
 * GbcsDecodeError for identifier or length octets DER does not allow.
 */
export function readTlv(buf: Uint8Array, pos = 0, limit = buf.length, opts: DerTlvOptions = {}): DerTlv {
  const h: DerTlv = { id: 0, tag: 0, offset: 0, start: 0, end: 0, lengthOctets: 0 };
  if (opts.lowTagNumbers && pos < limit && (buf[pos]! & 0x1f) === 0x1f) tlvFail(pos, 'tag', 'high tag number where only tags below 31 occur');
  readHeader(buf, pos, limit, opts.minimalLengths === true, h, tlvFail);
  return h;
}

/** The elements filling the content of `parent`, in order. */
export function childrenOf(buf: Uint8Array, parent: DerTlv, opts: DerTlvOptions = {}): DerTlv[] {
  const out: DerTlv[] = [];
  for (let p = parent.start; p < parent.end; ) {
    const c = readTlv(buf, p, parent.end, opts);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** The content octets of an element (a view, not a copy). */
export function tlvContent(buf: Uint8Array, t: DerTlv): Uint8Array {
  return buf.subarray(t.start, t.end);
}

/** The whole element, identifier and length included (a view, not a copy). */
export function tlvBytes(buf: Uint8Array, t: DerTlv): Uint8Array {
  return buf.subarray(t.offset, t.end);
}

/**
 * Dotted text of OBJECT IDENTIFIER content octets. Throws GbcsDecodeError if they are not DER, except that
 * `paddedSubidentifiers` lets sub-identifiers with leading 0x80 octets through (X.690 forbids them).
 */
export function decodeOid(content: Uint8Array, opts: { paddedSubidentifiers?: boolean } = {}): string {
  const t =
    content.length === 0
      ? new DerProblem(0, 'empty OBJECT IDENTIFIER')
      : oidText(content, 0, content.length, opts.paddedSubidentifiers === true);
  if (t instanceof DerProblem) throw new GbcsDecodeError(t.at, 'DER OBJECT IDENTIFIER', t.reason);
  return t;
}

// ---------------------------------------------------------------------------------------------------------
// Decoder

class DerParser {
  private readonly path: number[] = [];
  /** Scratch for the element being read; its fields are copied out before any child is read. */
  private readonly h: DerTlv = { id: 0, tag: 0, offset: 0, start: 0, end: 0, lengthOctets: 0 };
  private readonly failHeader: HeaderFail = (at, what, reason) => this.fail(at, what, reason);
  /** Length style seen so far outside collapsed certificates. */
  minimal = true;
  twoOctet = true;
  constructor(
    private readonly r: Reader,
    private readonly certificates: boolean,
    private readonly maxDepth: number,
    private readonly minimalLengths: boolean,
  ) {}

  private fail(at: number, what: string, reason: string): never {
    const where = this.path.length ? `[${this.path.join('][')}]` : '';
    throw new GbcsDecodeError(this.r.base + at, `DER ${what}${where}`, reason);
  }

  /** One element starting at r.pos that must end by `end`. */
  element(end: number, depth: number): DerNode {
    const h = this.h;
    readHeader(this.r.buf, this.r.pos, end, this.minimalLengths, h, this.failHeader);
    const { id, tag, offset: start, start: p, end: cEnd, lengthOctets: n } = h;
    let longLength = 0;
    const minimalBefore = this.minimal;
    const twoOctetBefore = this.twoOctet;
    if (n) {
      const m = minimalLengthOctets(cEnd - p);
      if (n !== m) {
        longLength = n;
        this.minimal = false;
        if (n !== 2 || m !== 1) this.twoOctet = false;
      } else if (m === 1) this.twoOctet = false;
    }
    const node = this.content(start, p, cEnd, id >> 6, (id & 0x20) !== 0, tag, depth);
    if (node.type === 'certificate') {
      // A certificate travels as its own bytes, so its length forms say nothing about the payload's.
      this.minimal = minimalBefore;
      this.twoOctet = twoOctetBefore;
    } else if (longLength) node.longLength = longLength;
    return node;
  }

  private content(start: number, p: number, cEnd: number, cls: number, constructed: boolean, tag: number, depth: number): DerNode {
    const buf = this.r.buf;

    if (cls === 0) {
      if (tag === 0) this.fail(start, 'tag', 'universal tag 0 (end-of-contents) is not allowed in DER');
      if (tag === UNIVERSAL.sequence || tag === UNIVERSAL.set) {
        if (!constructed) this.fail(start, UNIVERSAL_NAMES[tag]!, 'must use the constructed form');
        this.r.pos = p;
        const children = this.children(cEnd, depth);
        if (this.certificates && tag === UNIVERSAL.sequence && looksLikeCertificate(children)) {
          return {
            type: 'certificate',
            der: toHex(buf.subarray(start, cEnd)),
            summary: summariseCertificate(children, (b) => decodeDer(b, 0)),
          };
        }
        return { type: tag === UNIVERSAL.sequence ? 'sequence' : 'set', children };
      }
      if (MODELLED_UNIVERSAL.has(tag)) {
        const name = UNIVERSAL_NAMES[tag]!;
        if (constructed) this.fail(start, name, 'constructed form is not allowed in DER');
        const node = primitiveAt(tag, buf, p, cEnd);
        if (node instanceof DerProblem) this.fail(p + node.at, name, node.reason);
        this.r.pos = cEnd;
        return node;
      }
    }
    if (constructed) {
      this.r.pos = p;
      return { type: 'tagged', cls: CLASS_NAMES[cls]!, tag, constructed: true, children: this.children(cEnd, depth) };
    }
    this.r.pos = cEnd;
    return { type: 'tagged', cls: CLASS_NAMES[cls]!, tag, constructed: false, hex: hexAt(buf, p, cEnd - p) };
  }

  private children(end: number, depth: number): DerNode[] {
    if (depth >= this.maxDepth) this.fail(this.r.pos, 'nesting', `deeper than ${this.maxDepth} levels`);
    const out: DerNode[] = [];
    this.path.push(0);
    while (this.r.pos < end) {
      this.path[this.path.length - 1] = out.length;
      out.push(this.element(end, depth + 1));
    }
    this.path.pop();
    return out;
  }
}

function minimalLengthOctets(len: number): number {
  return len < 0x80 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : len < 0x1000000 ? 3 : 4;
}

/** decodeDer plus the length style of the element (outside collapsed certificates). */
export function decodeDerWithStyle(
  bytes: Uint8Array,
  base = 0,
  opts: DerDecodeOptions = {},
): { node: DerNode; lengthStyle: DerLengthStyle } {
  const r = new Reader(bytes, base);
  const p = new DerParser(r, opts.certificates === true, opts.maxDepth ?? DER_MAX_DEPTH, opts.minimalLengths === true);
  if (bytes.length === 0) throw new GbcsDecodeError(base, 'DER', 'empty input');
  const node = p.element(bytes.length, 0);
  if (r.pos !== bytes.length) {
    throw new GbcsDecodeError(base + r.pos, 'DER', `${bytes.length - r.pos} unexpected trailing byte(s) after the element`);
  }
  return { node, lengthStyle: p.minimal ? 'minimal' : p.twoOctet ? 'twoOctet' : 'mixed' };
}

/**
 * Decodes exactly one DER element filling `bytes`. `base` is the absolute offset of bytes[0] in the
 * enclosing frame, used in errors. Throws only GbcsDecodeError.
 */
export function decodeDer(bytes: Uint8Array, base = 0, opts: DerDecodeOptions = {}): DerNode {
  return decodeDerWithStyle(bytes, base, opts).node;
}

// ---------------------------------------------------------------------------------------------------------
// Encoder: writes back to front, so each element's length is known when its header is written and nothing
// is measured twice or copied per nesting level.

class BackWriter {
  buf = new Uint8Array(256);
  start = 256;

  private room(n: number): void {
    if (n <= this.start) return;
    const used = this.buf.length - this.start;
    let size = this.buf.length * 2;
    while (size - used < n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(this.start), size - used);
    this.buf = next;
    this.start = size - used;
  }

  get length(): number {
    return this.buf.length - this.start;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.start -= b.length;
    this.buf.set(b, this.start);
  }

  byte(v: number): void {
    this.room(1);
    this.buf[--this.start] = v;
  }

  /** `octets` = long-form length octet count to use (0 = minimal form). */
  header(cls: number, constructed: boolean, tag: number, len: number, octets = 0): void {
    if (len < 0x80 && !octets) this.byte(len);
    else {
      const n = Math.max(octets, minimalLengthOctets(len));
      let x = len;
      for (let k = 0; k < n; k++) {
        this.byte(x % 256);
        x = Math.floor(x / 256);
      }
      this.byte(0x80 | n);
    }
    const id = (cls << 6) | (constructed ? 0x20 : 0);
    if (tag < 0x1f) this.byte(id | tag);
    else {
      this.byte(tag & 0x7f);
      for (let x = Math.floor(tag / 128); x > 0; x = Math.floor(x / 128)) this.byte(0x80 | (x & 0x7f));
      this.byte(id | 0x1f);
    }
  }

  toBytes(): Uint8Array {
    return this.buf.slice(this.start);
  }
}

type PathPart = string | number;

function pathText(base: string, parts: PathPart[]): string {
  let s = base;
  for (const p of parts) s += typeof p === 'number' ? `[${p}]` : `.${p}`;
  return s;
}

const NODE_TYPES: readonly DerNodeType[] = [
  'boolean',
  'integer',
  'enumerated',
  'bitString',
  'octetString',
  'null',
  'oid',
  'utf8String',
  'printableString',
  'ia5String',
  'utcTime',
  'generalizedTime',
  'sequence',
  'set',
  'tagged',
  'certificate',
];

/** INTEGER values from code or JSON: bigint, safe integer number, decimal or 0x-hex string (optional '-'). */
export function toBigInt(v: unknown, path: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?(?:\d+|0[xX][0-9a-fA-F]+)$/.test(v)) {
    const neg = v.startsWith('-');
    const x = BigInt(neg ? v.slice(1) : v);
    return neg ? -x : x;
  }
  throw new GbcsEncodeError(path, `expected an integer (bigint, safe number or decimal/0x string), got ${describeValue(v)}`);
}

/** A value from code or user JSON, shortened, for encode error messages. */
export function describeValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? typeof v : s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return typeof v;
  }
}

class DerEncoder {
  readonly w = new BackWriter();
  private readonly path: PathPart[] = [];
  constructor(
    private readonly base: string,
    private readonly twoOctet: boolean,
  ) {}

  /** Long-form octet count for this node: its own `longLength`, else the payload style. */
  private lengthOctets(o: Record<string, unknown>, len: number): number {
    const n = o.longLength;
    if (n === undefined) return this.twoOctet && len >= 0x80 && len < 0x10000 ? 2 : 0;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_LENGTH_OCTETS) {
      this.fail(`expected 1..${MAX_LENGTH_OCTETS} length octets, got ${describeValue(n)}`, 'longLength');
    }
    if (n < minimalLengthOctets(len)) this.fail(`length ${len} does not fit in ${n} octet(s)`, 'longLength');
    return n;
  }

  private head(o: Record<string, unknown>, cls: number, constructed: boolean, tag: number, len: number): void {
    this.w.header(cls, constructed, tag, len, this.lengthOctets(o, len));
  }

  fail(reason: string, extra?: PathPart): never {
    const parts = extra === undefined ? this.path : [...this.path, extra];
    throw new GbcsEncodeError(pathText(this.base, parts), reason);
  }

  private field(o: Record<string, unknown>, key: string): unknown {
    return o[key];
  }

  private hex(v: unknown, key: string): Uint8Array {
    if (typeof v !== 'string') this.fail(`expected a hex string, got ${describeValue(v)}`, key);
    try {
      return fromHex(v, key);
    } catch (e) {
      if (e instanceof GbcsEncodeError) this.fail(e.reason, key);
      throw e;
    }
  }

  private text(v: unknown, key: string): string {
    if (typeof v !== 'string') this.fail(`expected a string, got ${describeValue(v)}`, key);
    return v;
  }

  private children(v: unknown, depth: number): void {
    if (!Array.isArray(v)) this.fail(`expected an array of nodes, got ${describeValue(v)}`, 'children');
    this.path.push('children');
    for (let i = v.length - 1; i >= 0; i--) {
      this.path.push(i);
      this.node(v[i], depth + 1);
      this.path.pop();
    }
    this.path.pop();
  }

  private primitive(o: Record<string, unknown>, utag: number, content: Uint8Array): void {
    this.w.bytes(content);
    this.head(o, 0, false, utag, content.length);
  }

  node(n: unknown, depth: number): void {
    if (depth > DER_MAX_DEPTH) this.fail(`nested deeper than ${DER_MAX_DEPTH} levels`);
    if (typeof n !== 'object' || n === null || Array.isArray(n)) this.fail(`expected a DER node object, got ${describeValue(n)}`);
    const o = n as Record<string, unknown>;
    if (typeof o.type !== 'string' || !(NODE_TYPES as readonly string[]).includes(o.type)) {
      this.fail(`unknown node type ${describeValue(o.type)} (expected one of ${NODE_TYPES.join(', ')})`, 'type');
    }
    const type = o.type as DerNodeType;
    const mark = this.w.length;
    switch (type) {
      case 'boolean': {
        const v = this.field(o, 'value');
        if (typeof v !== 'boolean') this.fail(`expected true or false, got ${describeValue(v)}`, 'value');
        this.primitive(o, UNIVERSAL.boolean, Uint8Array.of(v ? 0xff : 0));
        return;
      }
      case 'integer':
      case 'enumerated': {
        let v: bigint;
        try {
          v = toBigInt(this.field(o, 'value'), 'value');
        } catch (e) {
          if (e instanceof GbcsEncodeError) this.fail(e.reason, 'value');
          throw e;
        }
        this.primitive(o, type === 'integer' ? UNIVERSAL.integer : UNIVERSAL.enumerated, integerContent(v));
        return;
      }
      case 'bitString': {
        const unused = this.field(o, 'unusedBits');
        if (typeof unused !== 'number' || !Number.isInteger(unused) || unused < 0 || unused > 7) {
          this.fail(`expected an integer 0..7, got ${describeValue(unused)}`, 'unusedBits');
        }
        const bits = this.hex(this.field(o, 'hex'), 'hex');
        if (bits.length === 0 && unused !== 0) this.fail('an empty BIT STRING must have 0 unused bits', 'unusedBits');
        if (unused && bits[bits.length - 1]! & ((1 << unused) - 1)) this.fail('padding bits must be zero in DER', 'hex');
        this.w.bytes(bits);
        this.w.byte(unused);
        this.head(o, 0, false, UNIVERSAL.bitString, bits.length + 1);
        return;
      }
      case 'octetString':
        this.primitive(o, UNIVERSAL.octetString, this.hex(this.field(o, 'hex'), 'hex'));
        return;
      case 'null':
        this.head(o, 0, false, UNIVERSAL.null, 0);
        return;
      case 'oid': {
        const t = this.text(this.field(o, 'value'), 'value');
        let c: Uint8Array;
        try {
          c = oidContent(t, 'value');
        } catch (e) {
          if (e instanceof GbcsEncodeError) this.fail(e.reason, 'value');
          throw e;
        }
        this.primitive(o, UNIVERSAL.oid, c);
        return;
      }
      case 'utf8String': {
        const t = this.text(this.field(o, 'value'), 'value');
        if (LONE_SURROGATE.test(t)) this.fail('string has an unpaired surrogate, not representable in UTF-8', 'value');
        this.primitive(o, UNIVERSAL.utf8String, new Uint8Array(Buffer.from(t, 'utf8')));
        return;
      }
      case 'printableString':
      case 'ia5String': {
        const t = this.text(this.field(o, 'value'), 'value');
        if (type === 'printableString' ? !PRINTABLE.test(t) : /[^\x00-\x7f]/.test(t)) {
          this.fail(`character outside the ${type === 'printableString' ? 'PrintableString' : 'IA5String'} set`, 'value');
        }
        this.primitive(o, UNIVERSAL[type], new Uint8Array(Buffer.from(t, 'latin1')));
        return;
      }
      case 'utcTime':
      case 'generalizedTime': {
        const t = this.text(this.field(o, 'value'), 'value');
        const p = derTimeProblem(type, t);
        if (p) this.fail(p, 'value');
        this.primitive(o, UNIVERSAL[type], new Uint8Array(Buffer.from(t, 'latin1')));
        return;
      }
      case 'sequence':
      case 'set':
        this.children(this.field(o, 'children'), depth);
        this.head(o, 0, true, UNIVERSAL[type], this.w.length - mark);
        return;
      case 'tagged': {
        const cls = this.field(o, 'cls');
        const ci = CLASS_NAMES.indexOf(cls as DerTagClass);
        if (ci < 0) this.fail(`expected one of ${CLASS_NAMES.join(', ')}, got ${describeValue(cls)}`, 'cls');
        const tag = this.field(o, 'tag');
        if (typeof tag !== 'number' || !Number.isInteger(tag) || tag < 0 || tag > MAX_TAG) {
          this.fail(`expected a tag number 0..${MAX_TAG}, got ${describeValue(tag)}`, 'tag');
        }
        if (ci === 0 && (tag === 0 || MODELLED_UNIVERSAL.has(tag))) {
          this.fail(`universal tag ${tag} must be written as its own node type, not 'tagged'`, 'tag');
        }
        const constructed = this.field(o, 'constructed');
        if (typeof constructed !== 'boolean') this.fail(`expected true or false, got ${describeValue(constructed)}`, 'constructed');
        if (constructed) this.children(this.field(o, 'children'), depth);
        else this.w.bytes(this.hex(this.field(o, 'hex'), 'hex'));
        this.head(o, ci, constructed, tag, this.w.length - mark);
        return;
      }
      case 'certificate': {
        const der = this.hex(this.field(o, 'der'), 'der');
        // The raw bytes are written as given, so make sure they are one well-formed DER SEQUENCE first.
        let inner: DerNode;
        try {
          inner = decodeDer(der, 0);
        } catch (e) {
          if (e instanceof GbcsDecodeError) this.fail(`not a DER element: offset ${e.offset}: ${e.field}: ${e.reason}`, 'der');
          throw e;
        }
        if (inner.type !== 'sequence') this.fail('a certificate must be a DER SEQUENCE', 'der');
        this.w.bytes(der);
        return;
      }
    }
  }
}

export interface DerEncodeOptions {
  /** Lengths of nodes without `longLength`: minimal (DER, default) or `82 hh ll` for 128-65535. */
  lengthStyle?: 'minimal' | 'twoOctet';
}

/** Encodes a node tree (possibly from user JSON) as DER. Throws only GbcsEncodeError naming the bad field. */
export function encodeDer(node: DerNode | unknown, path = 'der', opts: DerEncodeOptions = {}): Uint8Array {
  const e = new DerEncoder(path, opts.lengthStyle === 'twoOctet');
  e.node(node, 0);
  return e.w.toBytes();
}

/** Content octets of a primitive universal node, for IMPLICIT re-tagging. */
export function primitiveContent(node: DerNode, path: string): Uint8Array {
  const full = encodeDer(node, path);
  // Skip the identifier (single octet: all modelled universal tags are < 31) and the length octets.
  const l0 = full[1]!;
  return full.subarray(l0 < 0x80 ? 2 : 2 + (l0 & 0x7f));
}

// ---------------------------------------------------------------------------------------------------------
// Node builders (for device models, the schema layer and SMKI names)

export const der = {
  boolean: (value: boolean): DerBoolean => ({ type: 'boolean', value }),
  integer: (value: bigint | number): DerInteger => ({ type: 'integer', value: BigInt(value) }),
  enumerated: (value: bigint | number): DerEnumerated => ({ type: 'enumerated', value: BigInt(value) }),
  bitString: (hex: Hex, unusedBits = 0): DerBitString => ({ type: 'bitString', unusedBits, hex }),
  octetString: (hex: Hex): DerOctetString => ({ type: 'octetString', hex }),
  null: (): DerNull => ({ type: 'null' }),
  oid: (value: string): DerOid => ({ type: 'oid', value }),
  utf8String: (value: string): DerString => ({ type: 'utf8String', value }),
  printableString: (value: string): DerString => ({ type: 'printableString', value }),
  generalizedTime: (value: string): DerTime => ({ type: 'generalizedTime', value }),
  utcTime: (value: string): DerTime => ({ type: 'utcTime', value }),
  sequence: (...children: DerNode[]): DerConstructed => ({ type: 'sequence', children }),
  set: (...children: DerNode[]): DerConstructed => ({ type: 'set', children }),
  context: (tag: number, content: DerNode[] | Hex): DerTagged =>
    Array.isArray(content)
      ? { type: 'tagged', cls: 'context', tag, constructed: true, children: content }
      : { type: 'tagged', cls: 'context', tag, constructed: false, hex: content },
  certificate: (derHex: Hex): DerCertificate => ({ type: 'certificate', der: derHex }),
};
