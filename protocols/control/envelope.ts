import { Encoder } from 'cbor-x';

/*
 * The envelope: every message between the simulator and the outside world (WebSocket, serial) is one CBOR
 * map with a text `t` saying what it is. Pure functions; the transports and `hub/wan.ts` build on them.
 * See docs/envelope.md for the wire format with examples.
 *
 *   {t:"gbcs", id, b}        a GBCS frame: towards the estate a command, from it a response or an alert
 *   {t:"ack",  id}           the receiver has taken message `id` (from the estate's side: cumulative)
 *   {t:"han",  from, to, b}  a HAN message between two EUIs (bridging devices to an external hub)
 *   {t:"err",  id?, msg}     the other side sent something wrong; nothing is dropped silently
 *   {t:"ctl",  op, id?, ...} control: list, inject, advance, snapshot (and the replies to them)
 */

/** A message id: a whole number in 0 .. 2^53-1 (what a JavaScript number holds exactly). */
export type MessageId = number;

export interface GbcsEnvelope {
  t: 'gbcs';
  id: MessageId;
  b: Uint8Array;
}
export interface AckEnvelope {
  t: 'ack';
  id: MessageId;
}
export interface HanEnvelope {
  t: 'han';
  /** 8-byte EUI-64s, most significant byte first. */
  from: Uint8Array;
  to: Uint8Array;
  b: Uint8Array;
}
export interface ErrEnvelope {
  t: 'err';
  id?: MessageId;
  msg: string;
}
/**
 * Control. Requests and replies share the shape: `op` names the operation, `id` (optional) pairs a reply
 * with its request, and any other fields are the operation's arguments or results (CBOR values).
 */
export interface CtlEnvelope {
  t: 'ctl';
  op: string;
  id?: MessageId;
  [field: string]: unknown;
}

export type Envelope = GbcsEnvelope | AckEnvelope | HanEnvelope | ErrEnvelope | CtlEnvelope;
export type EnvelopeType = Envelope['t'];

/** Why some bytes are not an envelope; `id` is set when the message's id could still be read. */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
  constructor(
    readonly reason: 'not-cbor' | 'not-a-map' | 'unknown-type' | 'missing-field' | 'bad-field' | 'extra-field',
    message: string,
    readonly id?: MessageId,
  ) {
    super(message);
  }
}

// Records (tag 105) and typed-array tags are cbor-x extensions; other implementations must read what we write.
const cbor = new Encoder({ useRecords: false, tagUint8Array: false, variableMapSize: true, mapsAsObjects: true });

const FIELDS: Record<Exclude<EnvelopeType, 'ctl'>, readonly string[]> = {
  gbcs: ['t', 'id', 'b'],
  ack: ['t', 'id'],
  han: ['t', 'from', 'to', 'b'],
  err: ['t', 'id', 'msg'],
};

function isId(v: unknown): v is MessageId {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The envelope as CBOR bytes. Throws EnvelopeError for an envelope that would not decode (bad id, EUI). */
export function encodeEnvelope(e: Envelope): Uint8Array {
  check(e as unknown as Record<string, unknown>);
  return cbor.encode(e);
}

/** One envelope from CBOR bytes; anything else is an EnvelopeError saying what is wrong. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let v: unknown;
  try {
    v = cbor.decode(bytes);
  } catch (e) {
    throw new EnvelopeError('not-cbor', `not CBOR: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v) || v instanceof Map || v instanceof Set || v instanceof Date) {
    throw new EnvelopeError('not-a-map', `not a CBOR map (got ${describe(v)})`);
  }
  return check(v as Record<string, unknown>);
}

// Fixed types reject unknown fields (a typo must not pass as an absent optional field); `ctl` is open.
function check(o: Record<string, unknown>): Envelope {
  const id = isId(o.id) ? o.id : undefined;
  const fail = (reason: EnvelopeError['reason'], msg: string): never => {
    throw new EnvelopeError(reason, msg, id);
  };
  const t = o.t;
  if (t === undefined) fail('missing-field', 'missing field t');
  if (typeof t !== 'string') fail('bad-field', `field t: expected text, got ${describe(t)}`);
  const need = (name: string, want: 'id' | 'bytes' | 'eui' | 'text') => {
    const v = o[name];
    if (v === undefined) fail('missing-field', `${t}: missing field ${name}`);
    const ok = want === 'id' ? isId(v) : want === 'text' ? typeof v === 'string' : v instanceof Uint8Array && (want === 'bytes' || v.length === 8);
    if (!ok) fail('bad-field', `${t}: field ${name}: expected ${WANT[want]}, got ${describe(v)}`);
  };
  switch (t) {
    case 'gbcs':
      need('id', 'id');
      need('b', 'bytes');
      break;
    case 'ack':
      need('id', 'id');
      break;
    case 'han':
      need('from', 'eui');
      need('to', 'eui');
      need('b', 'bytes');
      break;
    case 'err':
      if (o.id !== undefined) need('id', 'id');
      need('msg', 'text');
      break;
    case 'ctl':
      if (o.id !== undefined) need('id', 'id');
      need('op', 'text');
      return o as CtlEnvelope;
    default:
      fail('unknown-type', `unknown envelope type ${JSON.stringify(t)} (expected gbcs, ack, han, err or ctl)`);
  }
  const allowed = FIELDS[t as keyof typeof FIELDS];
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail('extra-field', `${t}: unexpected field ${JSON.stringify(k)} (allowed: ${allowed.join(', ')})`);
  return o as unknown as Envelope;
}

const WANT = { id: 'an unsigned integer below 2^53', bytes: 'a byte string', eui: 'an 8-byte byte string', text: 'text' };

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'bigint') return `integer ${v}`;
  if (typeof v === 'object') return v.constructor?.name && v.constructor.name !== 'Object' ? v.constructor.name : 'a map';
  if (typeof v === 'string') return `text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

/** An EUI-64 as its 8 bytes (for `han` envelopes); `eui` is 16 hex digits. */
export function euiBytes(eui: string): Uint8Array {
  if (!/^[0-9a-fA-F]{16}$/.test(eui)) throw new RangeError(`not an EUI-64: ${JSON.stringify(eui)}`);
  return Uint8Array.from(Buffer.from(eui, 'hex'));
}

/** 8 EUI bytes as 16 upper-case hex digits. */
export function euiText(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').toUpperCase();
}
