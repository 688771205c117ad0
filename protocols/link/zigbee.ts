/*
 * One GBCS message as it crosses the SMETS2 HAN: IEEE 802.15.4 MAC data frame → ZigBee PRO NWK → APS →
 * ZCL Tunneling (cluster 0x0704, Smart Energy profile 0x0109) TransferData → GB-HRGP tunnel command → GBCS.
 * Bytes only, for captures: what Wireshark must see to dissect every layer down to the GBCS message.
 *
 * Deliberate departures from a real SMETS2 HAN, all so that a capture opens without keys:
 * - no NWK or APS security (real HANs use both; Wireshark cannot decrypt without the keys);
 * - by default one GBCS message is one 802.15.4 frame even beyond the 127-byte PHY limit (aMaxPHYPacketSize).
 *   Wireshark 4.0 dissects such frames fine (LINKTYPE 230 has no length check), and one packet per message
 *   keeps a capture readable. `maxFrameLength` switches to real APS fragmentation (extended header, block
 *   numbers), which Wireshark reassembles; the APS acknowledgements that real fragmented transfers need are
 *   not generated.
 * - no MAC acknowledgements, route discovery, GB-HRGP GET polls or tunnel set-up (RequestTunnel): only the
 *   frames that carry GBCS.
 */
import { type Eui64, euiToBytes, parseEui64 } from '../eui.js';

/** Tunneling cluster (ZCL SE). */
export const CLUSTER_TUNNELING = 0x0704;
/** ZigBee Smart Energy application profile. */
export const PROFILE_SMART_ENERGY = 0x0109;
/** TransferData as sent by the Tunneling server (the CHF) to a client. */
export const TUN_TRANSFER_DATA_FROM_SERVER = 0x01;
/** TransferData as sent by a Tunneling client (a device) to the server. */
export const TUN_TRANSFER_DATA_TO_SERVER = 0x02;
/** aMaxPHYPacketSize of 802.15.4, including the 2-byte FCS that LINKTYPE 230 leaves out. */
export const PHY_MAX_PACKET = 127;
const FCS_LENGTH = 2;
/** The largest frame the 802.15.4 PHY can send, as `maxFrameLength` (LINKTYPE 230 frames carry no FCS). */
export const MAX_FRAME_WITHOUT_FCS = PHY_MAX_PACKET - FCS_LENGTH;

/** GB-HRGP command bytes, as Wireshark's gbcs_tunnel dissector names them. */
const HRGP_GET_RESPONSE = 0x02;
const HRGP_PUT = 0x03;

/** ZigBee PAN IDs are 14-bit (0x0000-0x3FFF); 0xFFFF is the broadcast PAN. */
const PAN_ID_MASK = 0x3fff;
/** Short addresses 0xFFF8-0xFFFF are reserved or broadcast; 0x0000 is the coordinator (the hub). */
const SHORT_RESERVED_FROM = 0xfff8;
const COORDINATOR = 0x0000;

/** Hops a real stack allows by default (2 × nwkMaxDepth for a ZigBee PRO network). */
const DEFAULT_RADIUS = 30;
const ENDPOINT = 1;

/* 802.15.4 frame control: data frame, ack request, PAN ID compression, short destination and source. */
const MAC_FCF_DATA = 0x0001;
const MAC_FCF_ACK_REQUEST = 0x0020;
const MAC_FCF_PANID_COMPRESSION = 0x0040;
const MAC_FCF_DST_SHORT = 0x0800;
const MAC_FCF_SRC_SHORT = 0x8000;
const MAC_FCF = MAC_FCF_DATA | MAC_FCF_ACK_REQUEST | MAC_FCF_PANID_COMPRESSION | MAC_FCF_DST_SHORT | MAC_FCF_SRC_SHORT;
const MAC_HEADER_LENGTH = 9;

/* NWK frame control: data, protocol version 2 (ZigBee PRO), route discovery enabled, both IEEE addresses. */
const NWK_FCF_VERSION_PRO = 2 << 2;
const NWK_FCF_DISCOVER_ROUTE = 1 << 6;
const NWK_FCF_DST_IEEE = 1 << 11;
const NWK_FCF_SRC_IEEE = 1 << 12;
const NWK_FCF = NWK_FCF_VERSION_PRO | NWK_FCF_DISCOVER_ROUTE | NWK_FCF_DST_IEEE | NWK_FCF_SRC_IEEE;
const NWK_HEADER_LENGTH = 24;

/* APS frame control: data frame, unicast, unsecured; bit 7 announces the extended (fragmentation) header. */
const APS_FCF_DATA = 0x00;
const APS_FCF_EXTENDED = 0x80;
const APS_EXT_FIRST_FRAGMENT = 0x01;
const APS_EXT_NEXT_FRAGMENT = 0x02;
const APS_HEADER_LENGTH = 8;
const APS_EXT_LENGTH = 2;
/** The block number is one byte, and in the first fragment it holds the block count. */
const MAX_BLOCKS = 255;

/* ZCL frame control: cluster-specific command; direction bit set when server → client. */
const ZCL_FC_CLUSTER_SPECIFIC = 0x01;
const ZCL_FC_SERVER_TO_CLIENT = 0x08;
/* The capture never contains Default Responses, so the frames do not ask for them. */
const ZCL_FC_DISABLE_DEFAULT_RESPONSE = 0x10;

export class ZigbeeEncodeError extends Error {
  override readonly name = 'ZigbeeEncodeError';
  constructor(readonly field: string, readonly reason: string) {
    super(`zigbee ${field}: ${reason}`);
  }
}

/**
 * GB-HRGP command in front of the GBCS message inside TransferData. PUT carries a message either way;
 * GET-RESPONSE is the hub's answer to a device's GET poll and says how many messages are still queued;
 * `none` tunnels the bare GBCS message (Wireshark then recognises only General Ciphering/Signing frames).
 */
export type HrgpCommand = { command: 'PUT' } | { command: 'GET-RESPONSE'; remaining: number } | { command: 'none' };

export interface TunnelTransfer {
  panId: number;
  /** MAC data sequence number and NWK sequence number of the first frame; each further fragment adds one. */
  frameSeq: number;
  /** APS counter and ZCL transaction sequence number of the message (all its fragments share them). */
  messageSeq: number;
  fromShort: number;
  toShort: number;
  /** EUI-64s as 16 hex digits (dashes or colons allowed); written into the NWK header. */
  fromEui: string;
  toEui: string;
  /** True when the receiver is the Tunneling server (the CHF): client→server TransferData, command 0x02. */
  toServer: boolean;
  tunnelId: number;
  /** The GBCS message. */
  payload: Uint8Array;
  hrgp?: HrgpCommand;
  radius?: number;
  /**
   * Largest 802.15.4 frame to emit, excluding the FCS that LINKTYPE 230 omits (so 125 for the real PHY).
   * Unset: one frame, whatever its length.
   */
  maxFrameLength?: number;
}

function checkUint(value: number, bits: 8 | 16, field: string): number {
  const max = bits === 8 ? 0xff : 0xffff;
  if (!Number.isInteger(value) || value < 0 || value > max) throw new ZigbeeEncodeError(field, `not a ${bits}-bit value: ${value}`);
  return value;
}

/** Sequence numbers wrap at 256 on the air; callers may pass a running count. */
function checkSeq(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0) throw new ZigbeeEncodeError(field, `not a sequence number: ${value}`);
  return value & 0xff;
}

function euiLittleEndian(text: string, field: string): Uint8Array {
  // The air interface sends an IEEE address least significant byte first; EUI text is most significant first.
  return euiToBytes(parseEui64(text, field)).reverse();
}

/** FNV-1a over the EUI's bytes: a stable hash with no dependency, good enough to spread addresses. */
function fnv1a(eui: Eui64): number {
  let h = 0x811c9dc5;
  for (const b of euiToBytes(eui)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Short (16-bit NWK) address of a device: the hub is the coordinator, 0x0000; anyone else gets a value derived
 * from its EUI alone, so it is the same in every capture. Two devices of one premises collide with odds of
 * about 1 in 65,000; the NWK header also carries both EUI-64s, so a capture still tells them apart.
 */
export function shortAddressFor(eui: string, hubEui: string): number {
  const e = parseEui64(eui, 'eui');
  if (e === parseEui64(hubEui, 'hubEui')) return COORDINATOR;
  const h = fnv1a(e);
  const short = (h ^ (h >>> 16)) & 0xffff;
  // Flipping the top bit moves 0x0000 and 0xFFF8-0xFFFF into ordinary addresses.
  return short === COORDINATOR || short >= SHORT_RESERVED_FROM ? short ^ 0x8000 : short;
}

/** PAN ID of a premises' HAN, derived from its hub's EUI so every capture of that premises agrees. */
export function panIdFor(hubEui: string): number {
  const h = fnv1a(parseEui64(hubEui, 'hubEui'));
  return (h ^ (h >>> 14)) & PAN_ID_MASK;
}

function hrgpHeader(hrgp: HrgpCommand): number[] {
  switch (hrgp.command) {
    case 'PUT':
      return [HRGP_PUT];
    case 'GET-RESPONSE':
      return [HRGP_GET_RESPONSE, checkUint(hrgp.remaining, 8, 'hrgp.remaining')];
    case 'none':
      return [];
  }
}

/** The APS payload: ZCL header, TransferData's tunnel id (little-endian), GB-HRGP command, GBCS message. */
export function tunnelZclFrame(t: Pick<TunnelTransfer, 'messageSeq' | 'toServer' | 'tunnelId' | 'payload' | 'hrgp'>): Uint8Array {
  const fc = ZCL_FC_CLUSTER_SPECIFIC | ZCL_FC_DISABLE_DEFAULT_RESPONSE | (t.toServer ? 0 : ZCL_FC_SERVER_TO_CLIENT);
  const command = t.toServer ? TUN_TRANSFER_DATA_TO_SERVER : TUN_TRANSFER_DATA_FROM_SERVER;
  const tunnelId = checkUint(t.tunnelId, 16, 'tunnelId');
  const head = [fc, checkSeq(t.messageSeq, 'messageSeq'), command, tunnelId & 0xff, tunnelId >>> 8, ...hrgpHeader(t.hrgp ?? { command: 'PUT' })];
  const out = new Uint8Array(head.length + t.payload.length);
  out.set(head, 0);
  out.set(t.payload, head.length);
  return out;
}

interface Addressing {
  panId: number;
  fromShort: number;
  toShort: number;
  fromEui: Uint8Array;
  toEui: Uint8Array;
  radius: number;
}

function macNwkHeader(a: Addressing, seq: number): Uint8Array {
  const out = new Uint8Array(MAC_HEADER_LENGTH + NWK_HEADER_LENGTH);
  const v = new DataView(out.buffer);
  v.setUint16(0, MAC_FCF, true);
  v.setUint8(2, seq & 0xff);
  v.setUint16(3, a.panId, true);
  v.setUint16(5, a.toShort, true);
  v.setUint16(7, a.fromShort, true);
  const n = MAC_HEADER_LENGTH;
  v.setUint16(n, NWK_FCF, true);
  v.setUint16(n + 2, a.toShort, true);
  v.setUint16(n + 4, a.fromShort, true);
  v.setUint8(n + 6, a.radius);
  v.setUint8(n + 7, seq & 0xff);
  out.set(a.toEui, n + 8);
  out.set(a.fromEui, n + 16);
  return out;
}

/** Fragmentation fields of the APS extended header; absent for an unfragmented message. */
type Fragment = { first: true; blocks: number } | { first: false; block: number } | undefined;

function apsHeader(counter: number, fragment: Fragment): Uint8Array {
  const h = [fragment ? APS_FCF_DATA | APS_FCF_EXTENDED : APS_FCF_DATA, ENDPOINT];
  h.push(CLUSTER_TUNNELING & 0xff, CLUSTER_TUNNELING >>> 8, PROFILE_SMART_ENERGY & 0xff, PROFILE_SMART_ENERGY >>> 8);
  h.push(ENDPOINT, counter & 0xff);
  if (fragment?.first) h.push(APS_EXT_FIRST_FRAGMENT, fragment.blocks);
  else if (fragment) h.push(APS_EXT_NEXT_FRAGMENT, fragment.block);
  return Uint8Array.from(h);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * The 802.15.4 frames (without FCS) that carry one GBCS message: one frame, or with `maxFrameLength` as many
 * APS fragments as needed. Frame i has MAC and NWK sequence number `frameSeq + i` (mod 256).
 */
export function tunnelFrames(t: TunnelTransfer): Uint8Array[] {
  const a: Addressing = {
    panId: checkUint(t.panId, 16, 'panId'),
    fromShort: checkUint(t.fromShort, 16, 'fromShort'),
    toShort: checkUint(t.toShort, 16, 'toShort'),
    fromEui: euiLittleEndian(t.fromEui, 'fromEui'),
    toEui: euiLittleEndian(t.toEui, 'toEui'),
    radius: checkUint(t.radius ?? DEFAULT_RADIUS, 8, 'radius'),
  };
  const frameSeq = checkSeq(t.frameSeq, 'frameSeq');
  const messageSeq = checkSeq(t.messageSeq, 'messageSeq');
  const asdu = tunnelZclFrame(t);
  const headers = MAC_HEADER_LENGTH + NWK_HEADER_LENGTH + APS_HEADER_LENGTH;
  if (t.maxFrameLength === undefined || headers + asdu.length <= t.maxFrameLength) {
    return [concat([macNwkHeader(a, frameSeq), apsHeader(messageSeq, undefined), asdu])];
  }
  const block = t.maxFrameLength - headers - APS_EXT_LENGTH;
  if (!Number.isInteger(t.maxFrameLength) || block < 1) {
    throw new ZigbeeEncodeError('maxFrameLength', `${t.maxFrameLength} leaves no room for data after ${headers + APS_EXT_LENGTH} header bytes`);
  }
  const blocks = Math.ceil(asdu.length / block);
  if (blocks > MAX_BLOCKS) throw new ZigbeeEncodeError('payload', `${asdu.length} bytes need ${blocks} APS blocks, more than ${MAX_BLOCKS}`);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < blocks; i++) {
    const fragment: Fragment = i === 0 ? { first: true, blocks } : { first: false, block: i };
    frames.push(concat([macNwkHeader(a, frameSeq + i), apsHeader(messageSeq, fragment), asdu.subarray(i * block, (i + 1) * block)]));
  }
  return frames;
}
