import { type Hex, fromHex, toHex } from '../../bytes.js';
import { GbcsDecodeError, GbcsEncodeError } from '../../errors.js';
import { KEY_USAGE_BITS, type CertificateSummary, type KeyUsageBit } from '../../asn1/certificate.js';
import {
  type DerNode,
  type DerNodeType,
  DerProblem,
  UNIVERSAL,
  decodeDer,
  derTimeProblem,
  describeValue as describe,
  encodeDer,
  primitiveContent,
  primitiveFromContent,
  toBigInt,
} from '../../asn1/der.js';

/*
 * Schema combinators: each codec maps one DER node to a typed value and back.
 *
 * Why schema-driven rather than "generic tree + attached names": the typed value is the only thing a caller
 * (device model, user JSON) has to build, and encode needs nothing else. Exactness comes from matching
 * strictly: a codec accepts a node only if its own encode gives that node back (right universal type, every
 * child consumed, OPTIONAL fields present exactly when they were on the wire, explicit DEFAULT values kept),
 * so decode-then-encode reproduces the bytes. A payload that does not fit is not forced: the caller keeps it
 * as an untyped tree, which round-trips just as exactly.
 */

/** Why a node did not fit; internal to the typed layer, never escapes as an exception. */
export class SchemaMismatch {
  readonly path: (string | number)[] = [];
  constructor(readonly reason: string) {}
  get where(): string {
    let s = '$';
    for (const p of this.path) s += typeof p === 'number' ? `[${p}]` : `.${p}`;
    return s;
  }
}

export interface Codec<T> {
  /** Short description for mismatch messages. */
  readonly what: string;
  /** Universal tag of the node this codec produces, so IMPLICIT context tags can be read as that type. */
  readonly utag?: number;
  /**
   * Whether the node carries this codec's tag. OPTIONAL and CHOICE decide by it, as ASN.1 does, so a node
   * with the right tag but bad content is a mismatch rather than a silently skipped field.
   */
  accepts(n: DerNode): boolean;
  decode(n: DerNode): T;
  encode(v: unknown, path: string): DerNode;
}

function mismatch(reason: string): never {
  throw new SchemaMismatch(reason);
}

type NodeOf<K, N = DerNode> = N extends { type: infer T } ? (K extends T ? N : never) : never;

function expectType<K extends DerNodeType>(n: DerNode, type: K, what: string): NodeOf<K> {
  if (n.type !== type) mismatch(`expected ${what}, got ${n.type}`);
  return n as NodeOf<K>;
}

// ---------------------------------------------------------------------------------------------------------
// Primitives

/** A codec for one universal type: its tag decides `accepts`, and `read` gets the node once that is checked. */
function universal<K extends keyof typeof UNIVERSAL & DerNodeType, T>(
  type: K,
  what: string,
  read: (n: NodeOf<K>) => T,
  write: (v: unknown, path: string) => DerNode,
): Codec<T> {
  return {
    what,
    utag: UNIVERSAL[type],
    accepts: (n) => n.type === type,
    decode: (n) => read(expectType(n, type, what)),
    encode: write,
  };
}

/** INTEGER or ENUMERATED as a JS number; values outside the safe range do not match. */
function safeInteger(type: 'integer' | 'enumerated', what: string): Codec<number> {
  return universal(
    type,
    what,
    (n) => {
      if (n.value > BigInt(Number.MAX_SAFE_INTEGER) || n.value < BigInt(Number.MIN_SAFE_INTEGER)) mismatch(`${what} ${n.value} is too large`);
      return Number(n.value);
    },
    (v, path) => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new GbcsEncodeError(path, `expected an integer, got ${describe(v)}`);
      return { type, value: BigInt(v) };
    },
  );
}

/** INTEGER as a JS number (codes, roles, modes). */
export const int: Codec<number> = safeInteger('integer', 'INTEGER');

/** INTEGER kept as bigint: sequence numbers and originator counters (64-bit in GBCS). */
export const bigInt: Codec<bigint> = universal(
  'integer',
  'INTEGER',
  (n) => n.value,
  (v, path) => ({ type: 'integer', value: toBigInt(v, path) }),
);

export const enumerated: Codec<number> = safeInteger('enumerated', 'ENUMERATED');

function hexField(v: unknown, path: string): Hex {
  if (typeof v !== 'string') throw new GbcsEncodeError(path, `expected a hex string, got ${describe(v)}`);
  return toHex(fromHex(v, path));
}

/** OCTET STRING as upper-case hex (entity ids, hashes, key ids, firmware versions). */
export const octets: Codec<Hex> = universal(
  'octetString',
  'OCTET STRING',
  (n) => n.hex,
  (v, path) => ({ type: 'octetString', hex: hexField(v, path) }),
);

/** NULL as JSON null. */
export const nul: Codec<null> = universal(
  'null',
  'NULL',
  () => null,
  (v, path) => {
    if (v !== null) throw new GbcsEncodeError(path, `expected null, got ${describe(v)}`);
    return { type: 'null' };
  },
);

/** GeneralizedTime as its wire text, `YYYYMMDDhhmmssZ`. */
export const generalizedTime: Codec<string> = universal(
  'generalizedTime',
  'GeneralizedTime',
  (n) => n.value,
  (v, path) => {
    if (typeof v !== 'string') throw new GbcsEncodeError(path, `expected a GeneralizedTime string, got ${describe(v)}`);
    const p = derTimeProblem('generalizedTime', v);
    if (p) throw new GbcsEncodeError(path, p);
    return { type: 'generalizedTime', value: v };
  },
);

/**
 * KeyUsage BIT STRING as bit names. DER writes named bit lists without trailing zero bits, so the names fix
 * the bytes; a wire value with trailing zeros or bits beyond decipherOnly does not match.
 */
export const keyUsage: Codec<KeyUsageBit[]> = universal(
  'bitString',
  'KeyUsage BIT STRING',
  (b) => {
    if (b.hex.length > 4) mismatch('KeyUsage longer than its 9 named bits');
    const out: KeyUsageBit[] = [];
    const total = (b.hex.length / 2) * 8 - b.unusedBits;
    for (let i = 0; i < total; i++) {
      const byte = parseInt(b.hex.substr((i >> 3) * 2, 2), 16);
      if (!(byte & (0x80 >> (i & 7)))) continue;
      if (i >= KEY_USAGE_BITS.length) mismatch(`KeyUsage bit ${i} has no name`);
      out.push(KEY_USAGE_BITS[i]!);
    }
    const again = keyUsageNode(out);
    if (again.hex !== b.hex || again.unusedBits !== b.unusedBits) mismatch('KeyUsage is not in minimal named-bit form');
    return out;
  },
  (v, path) => {
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list)) throw new GbcsEncodeError(path, `expected key usage names, got ${describe(v)}`);
    const seen = new Set<KeyUsageBit>();
    list.forEach((x, i) => {
      if (typeof x !== 'string' || !(KEY_USAGE_BITS as readonly string[]).includes(x)) {
        throw new GbcsEncodeError(`${path}[${i}]`, `expected one of ${KEY_USAGE_BITS.join(', ')}, got ${describe(x)}`);
      }
      seen.add(x as KeyUsageBit);
    });
    return keyUsageNode(KEY_USAGE_BITS.filter((k) => seen.has(k)));
  },
);

function keyUsageNode(bits: readonly KeyUsageBit[]): { type: 'bitString'; unusedBits: number; hex: Hex } {
  let highest = -1;
  let value = 0;
  for (const name of bits) {
    const i = KEY_USAGE_BITS.indexOf(name);
    value |= 1 << (15 - i);
    if (i > highest) highest = i;
  }
  if (highest < 0) return { type: 'bitString', unusedBits: 0, hex: '' };
  const nBytes = highest < 8 ? 1 : 2;
  const unusedBits = nBytes * 8 - 1 - highest;
  const bytes = nBytes === 1 ? Uint8Array.of(value >> 8) : Uint8Array.of(value >> 8, value & 0xff);
  return { type: 'bitString', unusedBits, hex: toHex(bytes) };
}

/** An X.509 certificate: the exact DER plus (decode only) a summary. */
export interface Certificate {
  der: Hex;
  summary?: CertificateSummary;
}

export const certificate: Codec<Certificate> = {
  what: 'Certificate',
  utag: UNIVERSAL.sequence,
  accepts: (n) => n.type === 'certificate' || n.type === 'sequence',
  decode(n) {
    if (n.type === 'certificate') return n.summary ? { der: n.der, summary: n.summary } : { der: n.der };
    // A SEQUENCE the recogniser did not take for a certificate still travels as one, bytes unchanged.
    if (n.type === 'sequence') return { der: toHex(encodeDer(n)) };
    return mismatch(`expected a Certificate, got ${n.type}`);
  },
  encode(v, path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new GbcsEncodeError(path, `expected {der: hex}, got ${describe(v)}`);
    }
    return { type: 'certificate', der: hexField((v as Record<string, unknown>).der, `${path}.der`) };
  },
};

/** Any single DER element carried whole as hex (e.g. the PKCS#10 request of CS02c). */
export const derElement: Codec<Hex> = {
  what: 'DER element',
  accepts: () => true,
  decode(n) {
    return toHex(encodeDer(n));
  },
  encode(v, path) {
    if (typeof v !== 'string') throw new GbcsEncodeError(path, `expected a hex string, got ${describe(v)}`);
    const bytes = fromHex(v, path);
    try {
      return decodeDer(bytes, 0, { certificates: true });
    } catch (e) {
      if (e instanceof GbcsDecodeError) throw new GbcsEncodeError(path, `not one DER element: offset ${e.offset}: ${e.reason}`);
      throw e;
    }
  },
};

/** A SEQUENCE kept whole as hex (e.g. a PKCS#10 CertificationRequest), bytes unchanged. */
export function sequenceElement(what: string): Codec<Hex> {
  return {
    what,
    utag: UNIVERSAL.sequence,
    accepts: (n) => n.type === 'sequence',
    decode(n) {
      if (n.type !== 'sequence') mismatch(`expected ${what} (a SEQUENCE), got ${n.type}`);
      return derElement.decode(n);
    },
    encode(v, path) {
      const node = derElement.encode(v, path);
      if (node.type !== 'sequence') throw new GbcsEncodeError(path, `${what} must be a DER SEQUENCE`);
      return node;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Structure

interface Optional<T> {
  readonly optional: true;
  readonly codec: Codec<T>;
}

export function opt<T>(codec: Codec<T>): Optional<T> {
  return { optional: true, codec };
}

type FieldSpec = Codec<unknown> | Optional<unknown>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type Required_<F> = { [K in keyof F as F[K] extends Optional<unknown> ? never : K]: F[K] extends Codec<infer T> ? T : never };
type Optional_<F> = { [K in keyof F as F[K] extends Optional<unknown> ? K : never]?: F[K] extends Optional<infer T> ? T : never };
export type SeqValue<F> = Simplify<Required_<F> & Optional_<F>>;
export type Infer<C> = C extends Codec<infer T> ? T : never;

function isOptional(f: FieldSpec): f is Optional<unknown> {
  return (f as Optional<unknown>).optional === true;
}

function asObject(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new GbcsEncodeError(path, `expected an object, got ${describe(v)}`);
  return v as Record<string, unknown>;
}

/** Decodes a child node, naming it in the path of a mismatch raised below it. */
function decodeChild<T>(codec: Codec<T>, n: DerNode, key: string | number): T {
  try {
    return codec.decode(n);
  } catch (e) {
    if (e instanceof SchemaMismatch) e.path.unshift(key);
    throw e;
  }
}

function childrenOf(n: DerNode, what: string): DerNode[] {
  if (n.type === 'sequence') return n.children;
  return mismatch(`expected ${what} (a SEQUENCE), got ${n.type}`);
}

/**
 * SEQUENCE of named fields in wire order. An OPTIONAL field is present when the next child decodes with its
 * codec; afterwards every child must have been consumed.
 */
export function seq<F extends Record<string, FieldSpec>>(what: string, fields: F): Codec<SeqValue<F>> {
  const keys = Object.keys(fields);
  return {
    what,
    utag: UNIVERSAL.sequence,
    accepts: (n) => n.type === 'sequence',
    decode(n) {
      const ch = childrenOf(n, what);
      const out: Record<string, unknown> = {};
      let i = 0;
      for (const k of keys) {
        const f = fields[k]!;
        if (isOptional(f)) {
          if (i >= ch.length || !f.codec.accepts(ch[i]!)) continue;
          out[k] = decodeChild(f.codec, ch[i]!, k);
          i++;
          continue;
        }
        if (i >= ch.length) {
          const m = new SchemaMismatch(`missing ${f.what}`);
          m.path.unshift(k);
          throw m;
        }
        out[k] = decodeChild(f, ch[i]!, k);
        i++;
      }
      if (i < ch.length) mismatch(`${ch.length - i} unexpected trailing element(s) in ${what}`);
      return out as SeqValue<F>;
    },
    encode(v, path) {
      const o = asObject(v, path);
      for (const k of Object.keys(o)) {
        if (!(k in fields) && o[k] !== undefined) throw new GbcsEncodeError(`${path}.${k}`, `unknown field for ${what}`);
      }
      const children: DerNode[] = [];
      for (const k of keys) {
        const f = fields[k]!;
        const x = o[k];
        if (isOptional(f)) {
          if (x !== undefined) children.push(f.codec.encode(x, `${path}.${k}`));
        } else {
          if (x === undefined) throw new GbcsEncodeError(`${path}.${k}`, `missing required field (${f.what})`);
          children.push(f.encode(x, `${path}.${k}`));
        }
      }
      return { type: 'sequence', children };
    },
  };
}

/** SEQUENCE OF. */
export function seqOf<T>(item: Codec<T>, what = `SEQUENCE OF ${item.what}`): Codec<T[]> {
  return {
    what,
    utag: UNIVERSAL.sequence,
    accepts: (n) => n.type === 'sequence',
    decode(n) {
      const ch = childrenOf(n, what);
      const out: T[] = new Array(ch.length);
      for (let i = 0; i < ch.length; i++) out[i] = decodeChild(item, ch[i]!, i);
      return out;
    },
    encode(v, path) {
      if (!Array.isArray(v)) throw new GbcsEncodeError(path, `expected an array, got ${describe(v)}`);
      return { type: 'sequence', children: v.map((x, i) => item.encode(x, `${path}[${i}]`)) };
    },
  };
}

/**
 * `[n] IMPLICIT T`: a context tag replacing the universal tag of T. Primitive content is re-read with T's
 * universal rules (so a non-DER content does not match); constructed content is T's children.
 */
export function implicit<T>(tag: number, inner: Codec<T>): Codec<T> {
  const utag = inner.utag;
  if (utag === undefined) throw new Error(`implicit [${tag}] needs a codec with a universal tag`);
  const constructed = utag === UNIVERSAL.sequence || utag === UNIVERSAL.set;
  const what = `[${tag}] ${inner.what}`;
  return {
    what,
    accepts: (n) => n.type === 'tagged' && n.cls === 'context' && n.tag === tag,
    decode(n) {
      if (n.type !== 'tagged' || n.cls !== 'context' || n.tag !== tag) mismatch(`expected ${what}, got ${n.type === 'tagged' ? `[${n.tag}]` : n.type}`);
      if (n.constructed !== constructed) mismatch(`${what} has the wrong constructed bit`);
      if (n.constructed) {
        return inner.decode({ type: 'sequence', children: n.children });
      }
      const node = primitiveFromContent(utag, fromHex(n.hex));
      if (node instanceof DerProblem) mismatch(`${what}: ${node.reason}`);
      return inner.decode(node);
    },
    encode(v, path) {
      const node = inner.encode(v, path);
      if (node.type === 'sequence' || node.type === 'set') {
        return { type: 'tagged', cls: 'context', tag, constructed: true, children: node.children };
      }
      return { type: 'tagged', cls: 'context', tag, constructed: false, hex: toHex(primitiveContent(node, path)) };
    },
  };
}

type ChoiceValue<A extends Record<string, Codec<unknown>>> = {
  [K in keyof A]: { [P in K]: Infer<A[K]> };
}[keyof A];

/**
 * CHOICE between alternatives, as an object with exactly one key naming the alternative. The first
 * alternative whose tag fits is the one decoded.
 */
export function choice<A extends Record<string, Codec<unknown>>>(what: string, alts: A): Codec<ChoiceValue<A>> {
  const keys = Object.keys(alts);
  return {
    what,
    accepts: (n) => keys.some((k) => alts[k]!.accepts(n)),
    decode(n) {
      for (const k of keys) {
        if (alts[k]!.accepts(n)) return { [k]: decodeChild(alts[k]!, n, k) } as ChoiceValue<A>;
      }
      return mismatch(`${n.type} is none of the alternatives of ${what} (${keys.join(', ')})`);
    },
    encode(v, path) {
      const o = asObject(v, path);
      const present = Object.keys(o).filter((k) => o[k] !== undefined);
      if (present.length !== 1 || !keys.includes(present[0]!)) {
        throw new GbcsEncodeError(path, `expected exactly one of ${keys.join(', ')}, got ${present.length ? present.join(', ') : 'none'}`);
      }
      const k = present[0]!;
      return alts[k]!.encode(o[k], `${path}.${k}`);
    },
  };
}
