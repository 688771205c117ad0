import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HanTraceRecord } from '../hub/han-trace.js';
import { GbcsEncodeError } from '../protocols/errors.js';
import { LINKTYPE_IEEE802_15_4_NOFCS, PcapngEncodeError, pcapngHeader, pcapngPacket } from '../protocols/link/pcapng.js';
import {
  CLUSTER_TUNNELING,
  MAX_FRAME_WITHOUT_FCS,
  PROFILE_SMART_ENERGY,
  ZigbeeEncodeError,
  panIdFor,
  shortAddressFor,
  tunnelFrames,
  tunnelZclFrame,
} from '../protocols/link/zigbee.js';
import { CaptureError, HanCapture, type SeqTable, hanTracePackets } from '../tools/capture.js';
import { loadVectors } from './vectors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const work = mkdtempSync(join(tmpdir(), 'smets-capture-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------------
// pcapng structure, read back by hand (no tshark)

interface Block {
  type: number;
  body: Uint8Array;
}

/** Splits a little-endian pcapng byte string into blocks, checking both length fields and 32-bit alignment. */
function blocks(file: Uint8Array): Block[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Block[] = [];
  let p = 0;
  while (p < file.length) {
    const type = v.getUint32(p, true);
    const total = v.getUint32(p + 4, true);
    expect(total % 4, `block at ${p}: total length ${total} not a multiple of 4`).toBe(0);
    expect(total).toBeGreaterThanOrEqual(12);
    expect(p + total).toBeLessThanOrEqual(file.length);
    expect(v.getUint32(p + total - 4, true), `block at ${p}: trailing length`).toBe(total);
    out.push({ type, body: file.subarray(p + 8, p + total - 4) });
    p += total;
  }
  expect(p).toBe(file.length);
  return out;
}

/** Options area starting at `from` in a block body: code → value, ending at opt_endofopt. */
function options(body: Uint8Array, from: number): Map<number, Uint8Array> {
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out = new Map<number, Uint8Array>();
  let p = from;
  while (p < body.length) {
    const code = v.getUint16(p, true);
    const len = v.getUint16(p + 2, true);
    if (code === 0) {
      expect(len).toBe(0);
      expect(p + 4).toBe(body.length);
      return out;
    }
    out.set(code, body.subarray(p + 4, p + 4 + len));
    const padded = (len + 3) & ~3;
    expect([...body.subarray(p + 4 + len, p + 4 + padded)].every((b) => b === 0), 'option padding is zero').toBe(true);
    p += 4 + padded;
  }
  expect(p, 'no options at all means no opt_endofopt either').toBe(from);
  return out;
}

describe('pcapng encoder', () => {
  it('writes a little-endian SHB then an IDB for 802.15.4 without FCS, microsecond timestamps', () => {
    const [shb, idb, ...rest] = blocks(pcapngHeader({ application: 'smets-sim', interfaceName: 'han' }));
    expect(rest).toHaveLength(0);
    expect(shb!.type).toBe(0x0a0d0d0a);
    const s = new DataView(shb!.body.buffer, shb!.body.byteOffset);
    expect(s.getUint32(0, true)).toBe(0x1a2b3c4d);
    expect([s.getUint16(4, true), s.getUint16(6, true)]).toEqual([1, 0]);
    expect(s.getBigInt64(8, true)).toBe(-1n);
    expect(new TextDecoder().decode(options(shb!.body, 16).get(4))).toBe('smets-sim');

    expect(idb!.type).toBe(1);
    const i = new DataView(idb!.body.buffer, idb!.body.byteOffset);
    expect(i.getUint16(0, true)).toBe(LINKTYPE_IEEE802_15_4_NOFCS);
    expect(LINKTYPE_IEEE802_15_4_NOFCS).toBe(230);
    expect(i.getUint32(4, true)).toBe(0);
    const opts = options(idb!.body, 8);
    expect([...opts.get(9)!]).toEqual([6]);
    expect(new TextDecoder().decode(opts.get(2))).toBe('han');
  });

  it('pads packet data and comments to 32 bits for every length', () => {
    for (let n = 0; n <= 9; n++) {
      for (const comment of [undefined, '', 'x', 'ab', 'abc', 'abcd', 'premises £ “P1”']) {
        const data = Uint8Array.from({ length: n }, (_, k) => 0xa0 + k);
        const epb = pcapngPacket({ atMs: 1, data, ...(comment !== undefined ? { comment } : {}) });
        const [b] = blocks(epb);
        expect(b!.type).toBe(6);
        const v = new DataView(b!.body.buffer, b!.body.byteOffset);
        expect(v.getUint32(12, true)).toBe(n);
        expect(v.getUint32(16, true)).toBe(n);
        expect(hex(b!.body.subarray(20, 20 + n))).toBe(hex(data));
        const padded = (n + 3) & ~3;
        expect([...b!.body.subarray(20 + n, 20 + padded)].every((x) => x === 0)).toBe(true);
        const opts = options(b!.body, 20 + padded);
        if (comment) expect(new TextDecoder().decode(opts.get(1))).toBe(comment);
        else expect(opts.size).toBe(0);
        const commentBytes = comment ? new TextEncoder().encode(comment).length : 0;
        const optionBytes = commentBytes ? 4 + ((commentBytes + 3) & ~3) + 4 : 0;
        expect(epb.length).toBe(12 + 20 + padded + optionBytes);
      }
    }
  });

  it('splits the microsecond timestamp into high and low words', () => {
    const atMs = 1_700_000_000_123.456;
    const [b] = blocks(pcapngPacket({ atMs, data: new Uint8Array(1) }));
    const v = new DataView(b!.body.buffer, b!.body.byteOffset);
    const us = (BigInt(v.getUint32(4, true)) << 32n) | BigInt(v.getUint32(8, true));
    expect(us).toBe(1_700_000_000_123_456n);
  });

  it('rejects what pcapng cannot hold with a typed error', () => {
    expect(() => pcapngPacket({ atMs: -1, data: new Uint8Array(1) })).toThrow(PcapngEncodeError);
    expect(() => pcapngPacket({ atMs: Number.NaN, data: new Uint8Array(1) })).toThrow(PcapngEncodeError);
    expect(() => pcapngPacket({ atMs: 0, data: new Uint8Array(1), comment: 'x'.repeat(0x10000) })).toThrow(PcapngEncodeError);
    expect(() => pcapngHeader({ linkType: 0x10000 })).toThrow(PcapngEncodeError);
  });
});

// ---------------------------------------------------------------------------------------------------------
// ZigBee framing, checked byte by byte

const HUB = '00DB123456789001';
const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890B0';

describe('ZigBee tunnel frames', () => {
  const payload = Uint8Array.from({ length: 40 }, (_, i) => i);
  const base = {
    panId: 0x1234,
    frameSeq: 7,
    messageSeq: 9,
    fromShort: 0x0000,
    toShort: 0x2b1a,
    fromEui: HUB,
    toEui: ESME,
    toServer: false,
    tunnelId: 0x0102,
    payload,
  };

  it('lays out MAC, NWK, APS and ZCL TransferData headers', () => {
    const [f, ...more] = tunnelFrames(base);
    expect(more).toHaveLength(0);
    const h = hex(f!);
    // MAC: FCF 0x8861 (data, ack request, PAN compression, short/short), seq, PAN, dst, src
    expect(h.slice(0, 18)).toBe('6188' + '07' + '3412' + '1a2b' + '0000');
    // NWK: FCF 0x1848 (data, version 2, route discovery, both IEEE), dst, src, radius 30, seq, dst64, src64 (LE)
    expect(h.slice(18, 66)).toBe('4818' + '1a2b' + '0000' + '1e' + '07' + 'a09078563412db00' + '019078563412db00');
    // APS: data unicast, dst ep 1, cluster 0x0704, profile 0x0109, src ep 1, counter
    expect(h.slice(66, 82)).toBe('00' + '01' + '0407' + '0901' + '01' + '09');
    // ZCL: cluster-specific, server→client, no default response; TSN; TransferData 0x01; tunnel id LE; PUT
    expect(h.slice(82, 94)).toBe('19' + '09' + '01' + '0201' + '03');
    expect(h.slice(94)).toBe(hex(payload));
    expect(CLUSTER_TUNNELING).toBe(0x0704);
    expect(PROFILE_SMART_ENERGY).toBe(0x0109);
  });

  it('uses command 0x02 and the client→server direction towards the hub', () => {
    const z = tunnelZclFrame({ ...base, toServer: true });
    expect(hex(z.subarray(0, 6))).toBe('110902020103');
  });

  it('writes GET-RESPONSE with its remaining count, or no GB-HRGP byte at all', () => {
    expect(hex(tunnelZclFrame({ ...base, hrgp: { command: 'GET-RESPONSE', remaining: 2 } }).subarray(5, 7))).toBe('0202');
    expect(hex(tunnelZclFrame({ ...base, hrgp: { command: 'none' } }).subarray(5, 6))).toBe('00');
  });

  it('fragments at APS level to fit the 802.15.4 PHY, and the fragments rebuild the ZCL frame', () => {
    const big = { ...base, payload: Uint8Array.from({ length: 1000 }, (_, i) => i * 7), maxFrameLength: MAX_FRAME_WITHOUT_FCS };
    const frames = tunnelFrames(big);
    expect(frames.length).toBeGreaterThan(1);
    const asdu: number[] = [];
    frames.forEach((f, i) => {
      expect(f.length).toBeLessThanOrEqual(125);
      expect(f[2]).toBe((7 + i) & 0xff); // MAC sequence number advances per frame
      expect(f[16]).toBe((7 + i) & 0xff); // NWK sequence number too
      expect(f[33]).toBe(0x80); // APS extended header
      expect(f[40]).toBe(9); // APS counter is the message's
      expect(f[41]).toBe(i === 0 ? 1 : 2);
      expect(f[42]).toBe(i === 0 ? frames.length : i);
      asdu.push(...f.subarray(43));
    });
    expect(hex(Uint8Array.from(asdu))).toBe(hex(tunnelZclFrame(big)));
    expect(tunnelFrames({ ...base, maxFrameLength: MAX_FRAME_WITHOUT_FCS })).toHaveLength(1);
  });

  it('rejects bad fields with typed errors', () => {
    expect(() => tunnelFrames({ ...base, panId: 0x10000 })).toThrow(ZigbeeEncodeError);
    expect(() => tunnelFrames({ ...base, tunnelId: -1 })).toThrow(ZigbeeEncodeError);
    expect(() => tunnelFrames({ ...base, maxFrameLength: 40 })).toThrow(ZigbeeEncodeError);
    expect(() => tunnelFrames({ ...base, payload: new Uint8Array(300 * 82), maxFrameLength: 125 })).toThrow(ZigbeeEncodeError);
    expect(() => tunnelFrames({ ...base, fromEui: 'not-an-eui' })).toThrow(GbcsEncodeError);
  });

  it('derives stable short addresses and PAN IDs from EUIs', () => {
    expect(shortAddressFor(HUB, HUB)).toBe(0);
    expect(shortAddressFor('00-db-12-34-56-78-90-01', HUB)).toBe(0);
    expect(shortAddressFor(ESME, HUB)).toBe(shortAddressFor(ESME, GSME));
    for (let i = 0; i < 2000; i++) {
      const eui = (0x00db000000000000n + BigInt(i) * 0x9e3779b97n).toString(16).padStart(16, '0').slice(-16);
      const s = shortAddressFor(eui, HUB);
      expect(s > 0 && s < 0xfff8, `${eui} → ${s}`).toBe(true);
      expect(panIdFor(eui)).toBeLessThanOrEqual(0x3fff);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// The capture file, dissected by tshark

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Wireshark's own preferences could change dissection; an empty profile makes the run reproducible. */
const wiresharkConfig = mkdtempSync(join(tmpdir(), 'smets-wireshark-'));
afterAll(() => rmSync(wiresharkConfig, { recursive: true, force: true }));

function tshark(args: string[]): string {
  try {
    return execFileSync('tshark', args, {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WIRESHARK_CONFIG_DIR: wiresharkConfig },
    });
  } catch (e) {
    // Deliberately a failure, not a skip: CI installs tshark (Debian/Ubuntu package "tshark").
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('tshark is not installed; install it with: DEBIAN_FRONTEND=noninteractive apt-get install -y tshark');
    }
    throw e;
  }
}

/** First value of a field anywhere in a tshark JSON layer tree. */
function field(node: Json | undefined, name: string): Json | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const n of node) {
      const hit = field(n, name);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  if (name in node) return node[name];
  for (const v of Object.values(node)) {
    const hit = field(v, name);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function str(node: Json | undefined, name: string): string {
  const v = field(node, name);
  if (typeof v !== 'string') throw new Error(`tshark output has no string field ${name}: ${JSON.stringify(v)}`);
  return v;
}

/** The bytes tshark attributes to a protocol or field (`tshark -x` adds `<name>_raw: [hex, offset, length, …]`). */
function rawHex(node: Json | undefined, name: string): string {
  const v = field(node, `${name}_raw`);
  if (!Array.isArray(v) || typeof v[0] !== 'string') throw new Error(`tshark output has no ${name}_raw`);
  return v[0];
}

function packets(file: string, extra: string[] = []): Array<{ [k: string]: Json }> {
  const out = JSON.parse(tshark(['-r', file, '-T', 'json', '-x', ...extra])) as Json;
  if (!Array.isArray(out)) throw new Error('tshark -T json did not print an array');
  return out.map((p) => {
    const layers = field(p, 'layers');
    if (layers === null || typeof layers !== 'object' || Array.isArray(layers) || layers === undefined) throw new Error('packet without layers');
    return layers;
  });
}

/** pcapng microseconds as tshark prints frame.time_epoch (nanosecond digits). */
function epoch(atMs: number): string {
  const us = BigInt(Math.round(atMs * 1000));
  return `${us / 1_000_000n}.${(us % 1_000_000n).toString().padStart(6, '0')}000`;
}

function vector(fragment: string): Uint8Array {
  const v = loadVectors().find((x) => x.name.includes(fragment));
  if (!v) throw new Error(`no RTDS vector named like ${fragment}`);
  return v.bytes;
}

const T0 = Date.UTC(2024, 2, 1, 9, 30, 0);
const records: HanTraceRecord[] = [
  // CHF → ESME: a 1271-byte tariff command, far beyond one 802.15.4 frame.
  { atMs: T0 + 0.25, premises: 'P000042', band: '2.4GHz', channel: 11, from: HUB, to: ESME, bytes: vector('ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_COMMAND'), delivered: true, hubEui: HUB },
  { atMs: T0 + 812.5, premises: 'P000042', band: '2.4GHz', channel: 11, from: ESME, to: HUB, bytes: vector('ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_RESPONSE'), delivered: true, hubEui: HUB },
  { atMs: T0 + 2000, premises: 'P000043', band: 'subGHz', channel: '28/5', from: HUB, to: GSME, bytes: vector('GCS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_COMMAND'), delivered: false, hubEui: HUB },
  { atMs: T0 + 3000.001, premises: 'P000043', band: 'subGHz', channel: '28/5', from: GSME, to: HUB, bytes: vector('GCS01b_1.2.1_8F66_FUTURE_DATED_BLOCK_SUCCESS_ALERT_PUBLISH_PRICE_MATRIX'), delivered: true, hubEui: HUB },
];

function writeCapture(name: string, fragment: boolean): string {
  const path = join(work, name);
  const names = new Map<string, string>([
    [ESME, 'ESME'],
    [GSME, 'GSME'],
  ]);
  const cap = new HanCapture(path, { fragment, describe: (eui) => names.get(eui) });
  for (const r of records) cap.record(r);
  cap.close();
  return path;
}

describe('HanCapture dissected by tshark', () => {
  const path = writeCapture('han.pcapng', false);
  // Run tshark once, from inside the first test that needs it, so a missing tshark fails each such test.
  let cached: Array<{ [k: string]: Json }> | undefined;
  const dissected = (): Array<{ [k: string]: Json }> => (cached ??= packets(path));

  it('writes one pcapng block per record after the header', { timeout: 60_000 }, () => {
    const file = new Uint8Array(readFileSync(path));
    expect(blocks(file).map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 6, 6, 6, 6]);
    expect(dissected()).toHaveLength(records.length);
  });

  it('dissects every packet down to ZCL Tunneling TransferData and the GBCS message', () => {
    records.forEach((r, i) => {
      const p = dissected()[i]!;
      const toHub = r.to === HUB;
      // Wireshark carries on into the GBCS payload (DLMS, GBZ, ASN.1); that part is not ours to check.
      expect(str(p, 'frame.protocols')).toMatch(/^wpan:zbee_nwk:zbee_aps:zbee_zcl:zbee_zcl_se\.tun:gbcs_tunnel:gbcs_message(:|$)/);
      expect(str(p, 'frame.encap_type')).toBe('127'); // Wireshark's WTAP_ENCAP for LINKTYPE 230
      expect(str(p, 'wpan.src16')).toBe(`0x${shortAddressFor(r.from, HUB).toString(16).padStart(4, '0')}`);
      expect(str(p, 'wpan.dst16')).toBe(`0x${shortAddressFor(r.to, HUB).toString(16).padStart(4, '0')}`);
      expect(str(p, 'zbee_nwk.src64').replaceAll(':', '').toUpperCase()).toBe(r.from);
      expect(str(p, 'zbee_nwk.dst64').replaceAll(':', '').toUpperCase()).toBe(r.to);
      expect(str(p, 'zbee_nwk.proto_version')).toBe('2');
      expect(str(p, 'zbee_nwk.security')).toBe('0');
      expect(str(p, 'zbee_aps.cluster')).toBe('0x0704');
      expect(str(p, 'zbee_aps.profile')).toBe('0x0109');
      expect(str(p, 'zbee_zcl.type')).toBe('0x01');
      expect(str(p, 'zbee_zcl.dir')).toBe(toHub ? '0' : '1');
      // TransferData: 0x02 received by the server (device → CHF), 0x01 sent by the server (CHF → device).
      if (toHub) expect(str(p, 'zbee_zcl_se.tun.cmd.srv_rx.id')).toBe('0x02');
      else expect(str(p, 'zbee_zcl_se.tun.cmd.srv_tx.id')).toBe('0x01');
      const device = toHub ? r.from : r.to;
      expect(str(p, 'zbee_zcl_se.tun.tunnel_id')).toBe(`0x${shortAddressFor(device, HUB).toString(16).padStart(4, '0')}`);
      expect(str(p, 'gbcs_tunnel.command')).toBe('0x03');
      expect(rawHex(p, 'gbcs_message')).toBe(hex(r.bytes));
    });
  });

  it('carries the exact tunnel payload (PUT + GBCS) even with Wireshark’s GBCS dissector off', { timeout: 60_000 }, () => {
    const out = tshark(['-r', path, '--disable-heuristic', 'gbcs_zbee_zcl_se.tun', '-T', 'fields', '-e', 'frame.protocols', '-e', 'data.data']);
    const rows = out.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.map((r) => r[0])).toEqual(records.map(() => 'wpan:zbee_nwk:zbee_aps:zbee_zcl:zbee_zcl_se.tun:data'));
    expect(rows.map((r) => r[1])).toEqual(records.map((r) => '03' + hex(r.bytes)));
  });

  it('keeps the record time and names the premises, band, channel and fate in the packet comment', () => {
    records.forEach((r, i) => {
      const p = dissected()[i]!;
      expect(str(p, 'frame.time_epoch')).toBe(epoch(r.atMs));
      const comment = str(p, 'frame.comment');
      expect(comment).toContain(`premises ${r.premises} `);
      expect(comment).toContain(`band ${r.band} ch ${r.channel} `);
      expect(comment).toContain(r.delivered ? ' delivered ' : ' lost ');
      expect(comment).toContain(`GBCS ${r.bytes.length} bytes`);
    });
    expect(str(dissected()[0], 'frame.comment')).toContain('CHF 00-DB-12-34-56-78-90-01 -> ESME 00-DB-12-34-56-78-90-A0');
  });

  it('numbers each sender’s frames deterministically', () => {
    const seqs = dissected().map((p) => [str(p, 'wpan.seq_no'), str(p, 'zbee_nwk.seqno'), str(p, 'zbee_aps.counter'), str(p, 'zbee_zcl.cmd.tsn')]);
    // Every sender starts at 0 in its premises; the hub of P000043 is counted apart from the hub of P000042.
    expect(seqs).toEqual(records.map(() => ['0', '0', '0', '0']));
    const again = writeCapture('han-again.pcapng', false);
    expect(hex(readFileSync(again))).toBe(hex(readFileSync(path)));
    const table: SeqTable = new Map();
    hanTracePackets(records[0]!, table);
    const second = hanTracePackets(records[0]!, table);
    expect([second[0]!.data[2], second[0]!.data[16], second[0]!.data[40], second[0]!.data[42]]).toEqual([1, 1, 1, 1]);
  });
});

describe('HanCapture with APS fragmentation', () => {
  it('keeps every frame within the PHY limit and tshark reassembles the GBCS messages', { timeout: 60_000 }, () => {
    const path = writeCapture('han-fragmented.pcapng', true);
    const dissected = packets(path);
    const frames = blocks(new Uint8Array(readFileSync(path))).slice(2);
    for (const b of frames) expect(new DataView(b.body.buffer, b.body.byteOffset).getUint32(12, true)).toBeLessThanOrEqual(125);
    expect(dissected.length).toBeGreaterThan(records.length);
    const complete = dissected.filter((p) => field(p, 'gbcs_message') !== undefined);
    expect(complete).toHaveLength(records.length);
    complete.forEach((p, i) => {
      expect(str(p, 'zbee_aps.cluster')).toBe('0x0704');
      expect(rawHex(p, 'gbcs_message')).toBe(hex(records[i]!.bytes));
      expect(str(p, 'frame.comment')).toMatch(new RegExp(`^premises ${records[i]!.premises} .* fragment (\\d+)/\\1$`));
      expect(str(p, 'frame.time_epoch')).toBe(epoch(records[i]!.atMs));
    });
  });
});

describe('HanCapture errors', () => {
  it('fails with a typed error on an unwritable path or a record after close()', () => {
    expect(() => new HanCapture(join(work, 'missing-dir', 'x.pcapng'))).toThrow(CaptureError);
    const cap = new HanCapture(join(work, 'closed.pcapng'));
    cap.close();
    cap.close();
    expect(() => cap.record(records[0]!)).toThrow(CaptureError);
  });
});
