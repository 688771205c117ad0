/*
 * pcapng encoder (draft-ietf-opsawg-pcapng), bytes only: the caller owns the file.
 *
 * A capture is one Section Header Block and one Interface Description Block (`pcapngHeader`), then one
 * Enhanced Packet Block per frame (`pcapngPacket`). Everything is little-endian; readers detect that from the
 * byte-order magic, so the output is the same on every host. Timestamps are microseconds since the Unix epoch
 * (if_tsresol = 6, written explicitly although it is the default): the simulator's clock is in milliseconds,
 * so nanoseconds would only add zeros, and microseconds keep a 64-bit timestamp exact well past year 2100.
 */

/** IEEE 802.15.4 MAC frames without the 2-byte FCS: what a ZigBee sniffer hands to Wireshark. */
export const LINKTYPE_IEEE802_15_4_NOFCS = 230;

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;

/** if_tsresol value: 10^-6 s. */
const TSRESOL_MICROSECONDS = 6;

/** Option values and block bodies are limited by the 16-bit option length and 32-bit block length fields. */
const MAX_OPTION_VALUE = 0xffff;

export class PcapngEncodeError extends Error {
  override readonly name = 'PcapngEncodeError';
  constructor(readonly field: string, readonly reason: string) {
    super(`pcapng ${field}: ${reason}`);
  }
}

export interface PcapngHeaderOptions {
  /** shb_userappl: the program that wrote the file. */
  application?: string;
  /** if_name, as Wireshark shows it in the capture file properties. */
  interfaceName?: string;
  /** if_description. */
  interfaceDescription?: string;
  /** Link type of the single interface; defaults to 230 (802.15.4 without FCS). */
  linkType?: number;
  /** Snap length; 0 means unlimited, which is right for a generated capture that never truncates. */
  snapLen?: number;
}

export interface PcapngPacketRecord {
  /** Milliseconds since the Unix epoch; fractions are kept to the microsecond. */
  atMs: number;
  data: Uint8Array;
  /** opt_comment, UTF-8 (Wireshark shows it as the packet comment, field `frame.comment`). */
  comment?: string;
  /** Interface the packet arrived on; the header defines only interface 0. */
  interfaceId?: number;
}

interface Option {
  code: number;
  value: Uint8Array;
}

const utf8 = new TextEncoder();

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function textOption(code: number, text: string | undefined, field: string): Option[] {
  if (text === undefined || text === '') return [];
  const value = utf8.encode(text);
  if (value.length > MAX_OPTION_VALUE) throw new PcapngEncodeError(field, `${value.length} bytes exceeds ${MAX_OPTION_VALUE}`);
  return [{ code, value }];
}

/** Options area: each option padded to 32 bits, then opt_endofopt; nothing at all when there are no options. */
function optionsLength(options: readonly Option[]): number {
  if (options.length === 0) return 0;
  return options.reduce((n, o) => n + 4 + pad4(o.value.length), 4);
}

/**
 * Writes one block: type, total length, body (written by `fill` at offset 8), options, total length again.
 * `bodyLength` must already be a multiple of 4.
 */
function block(type: number, bodyLength: number, options: readonly Option[], fill: (v: DataView, out: Uint8Array) => void): Uint8Array {
  const total = 12 + bodyLength + optionsLength(options);
  if (total > 0xffffffff) throw new PcapngEncodeError('block', `total length ${total} does not fit 32 bits`);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  fill(v, out);
  let p = 8 + bodyLength;
  if (options.length > 0) {
    for (const o of options) {
      v.setUint16(p, o.code, true);
      v.setUint16(p + 2, o.value.length, true);
      out.set(o.value, p + 4);
      p += 4 + pad4(o.value.length);
    }
    v.setUint16(p, OPT_ENDOFOPT, true);
    v.setUint16(p + 2, 0, true);
    p += 4;
  }
  v.setUint32(p, total, true);
  return out;
}

function sectionHeaderBlock(application: string | undefined): Uint8Array {
  return block(BLOCK_SHB, 16, textOption(SHB_USERAPPL, application, 'application'), (v) => {
    v.setUint32(8, BYTE_ORDER_MAGIC, true);
    v.setUint16(12, 1, true); // major version
    v.setUint16(14, 0, true); // minor version
    // Section length unknown (-1): the file is written incrementally and never rewritten.
    v.setBigInt64(16, -1n, true);
  });
}

function interfaceDescriptionBlock(opts: PcapngHeaderOptions): Uint8Array {
  const linkType = opts.linkType ?? LINKTYPE_IEEE802_15_4_NOFCS;
  const snapLen = opts.snapLen ?? 0;
  if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) throw new PcapngEncodeError('linkType', `not a 16-bit value: ${linkType}`);
  if (!Number.isInteger(snapLen) || snapLen < 0 || snapLen > 0xffffffff) throw new PcapngEncodeError('snapLen', `not a 32-bit value: ${snapLen}`);
  const options: Option[] = [
    ...textOption(IF_NAME, opts.interfaceName, 'interfaceName'),
    ...textOption(IF_DESCRIPTION, opts.interfaceDescription, 'interfaceDescription'),
    { code: IF_TSRESOL, value: Uint8Array.of(TSRESOL_MICROSECONDS) },
  ];
  return block(BLOCK_IDB, 8, options, (v) => {
    v.setUint16(8, linkType, true);
    v.setUint16(10, 0, true); // reserved
    v.setUint32(12, snapLen, true);
  });
}

/** Start of a capture file: Section Header Block, then the Interface Description Block of interface 0. */
export function pcapngHeader(opts: PcapngHeaderOptions = {}): Uint8Array {
  const shb = sectionHeaderBlock(opts.application);
  const idb = interfaceDescriptionBlock(opts);
  const out = new Uint8Array(shb.length + idb.length);
  out.set(shb, 0);
  out.set(idb, shb.length);
  return out;
}

/** Microseconds since the epoch as a 64-bit count; rejects times a pcapng timestamp cannot hold. */
export function timestampMicros(atMs: number): bigint {
  if (!Number.isFinite(atMs) || atMs < 0) throw new PcapngEncodeError('atMs', `not a time at or after the epoch: ${atMs}`);
  return BigInt(Math.round(atMs * 1000));
}

/** One Enhanced Packet Block. Captured and original lengths are equal: generated frames are never truncated. */
export function pcapngPacket(rec: PcapngPacketRecord): Uint8Array {
  const ts = timestampMicros(rec.atMs);
  const interfaceId = rec.interfaceId ?? 0;
  if (!Number.isInteger(interfaceId) || interfaceId < 0 || interfaceId > 0xffffffff) {
    throw new PcapngEncodeError('interfaceId', `not a 32-bit value: ${interfaceId}`);
  }
  const len = rec.data.length;
  return block(BLOCK_EPB, 20 + pad4(len), textOption(OPT_COMMENT, rec.comment, 'comment'), (v, out) => {
    v.setUint32(8, interfaceId, true);
    v.setUint32(12, Number(ts >> 32n), true);
    v.setUint32(16, Number(ts & 0xffffffffn), true);
    v.setUint32(20, len, true);
    v.setUint32(24, len, true);
    out.set(rec.data, 28);
  });
}
