/*
 * HAN capture: every GBCS message that crosses a simulated premises' HAN, as a pcapng file Wireshark opens
 * and dissects down to the ZCL Tunneling TransferData and the GBCS message inside it (see
 * protocols/link/zigbee.ts for what the frames contain and where they differ from a real HAN).
 *
 * The file is written as the estate runs, one block per record with a synchronous write, so a capture
 * interrupted by a crash is still readable up to the last record.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { HanTraceRecord } from '../hub/han-trace.js';
import { type Eui64, formatEui64, parseEui64 } from '../protocols/eui.js';
import { type PcapngPacketRecord, pcapngHeader, pcapngPacket } from '../protocols/link/pcapng.js';
import { MAX_FRAME_WITHOUT_FCS, panIdFor, shortAddressFor, tunnelFrames } from '../protocols/link/zigbee.js';

export type { HanTraceRecord } from '../hub/han-trace.js';

export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(readonly path: string, readonly reason: string) {
    super(`capture ${path}: ${reason}`);
  }
}

export interface HanCaptureOptions {
  /**
   * Split messages into APS fragments that fit the 127-byte 802.15.4 PHY, as a real HAN must (Wireshark
   * reassembles them). Off by default: one packet per GBCS message is easier to read.
   */
  fragment?: boolean;
  /** Names a device in packet comments (e.g. "ESME"); EUIs are always shown as well. */
  describe?: (eui: Eui64, premises: string) => string | undefined;
}

/** Next sequence numbers of one sender in one premises: real stacks count per device, not per peer. */
interface SenderSeq {
  frame: number;
  message: number;
}

/** Sequence state of a capture: kept outside the pure encoder so a caller can reproduce a capture exactly. */
export type SeqTable = Map<string, SenderSeq>;

function label(eui: Eui64, r: HanTraceRecord, hub: Eui64, describe: HanCaptureOptions['describe']): string {
  const name = eui === hub ? 'CHF' : describe?.(eui, r.premises);
  return name ? `${name} ${formatEui64(eui)}` : formatEui64(eui);
}

/**
 * The pcapng packet records for one trace record: one, or one per APS fragment. Advances the sender's
 * sequence numbers in `seqs`; otherwise pure.
 */
export function hanTracePackets(r: HanTraceRecord, seqs: SeqTable, opts: HanCaptureOptions = {}): PcapngPacketRecord[] {
  const hub = parseEui64(r.hubEui, 'hubEui');
  const from = parseEui64(r.from, 'from');
  const to = parseEui64(r.to, 'to');
  const key = `${r.premises}/${from}`;
  const seq = seqs.get(key) ?? { frame: 0, message: 0 };
  // The CHF is the Tunneling server of the SMETS2 HAN; each device has its own tunnel to it. The CHF
  // allocates tunnel ids; the device's short address is a stable stand-in, as unique as short addresses are.
  const device = from === hub ? to : from;
  const frames = tunnelFrames({
    panId: panIdFor(hub),
    frameSeq: seq.frame,
    messageSeq: seq.message,
    fromShort: shortAddressFor(from, hub),
    toShort: shortAddressFor(to, hub),
    fromEui: from,
    toEui: to,
    toServer: to === hub,
    tunnelId: shortAddressFor(device, hub),
    payload: r.bytes,
    ...(opts.fragment ? { maxFrameLength: MAX_FRAME_WITHOUT_FCS } : {}),
  });
  seqs.set(key, { frame: (seq.frame + frames.length) & 0xff, message: (seq.message + 1) & 0xff });
  const base =
    `premises ${r.premises} band ${r.band} ch ${r.channel} ` +
    `${label(from, r, hub, opts.describe)} -> ${label(to, r, hub, opts.describe)} ` +
    `${r.delivered ? 'delivered' : 'lost'} GBCS ${r.bytes.length} bytes`;
  return frames.map((data, i) => ({
    atMs: r.atMs,
    data,
    comment: frames.length > 1 ? `${base} fragment ${i + 1}/${frames.length}` : base,
  }));
}

/** A pcapng file of HAN traffic, appended to as records arrive. */
export class HanCapture {
  private fd: number | undefined;
  private readonly seqs: SeqTable = new Map();
  private count = 0;

  constructor(
    readonly path: string,
    private readonly opts: HanCaptureOptions = {},
  ) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new CaptureError(path, `cannot open: ${(e as Error).message}`);
    }
    try {
      this.write(
        pcapngHeader({
          application: 'smets-sim',
          interfaceName: 'smets-sim-han',
          interfaceDescription: 'Simulated SMETS2 HAN (2.4 GHz and Sub GHz), unsecured ZigBee SE Tunneling carrying GBCS',
        }),
      );
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Packets written so far (fragments count separately). */
  get packets(): number {
    return this.count;
  }

  /** Appends the record's frames; synchronous, so a record is on disk when this returns. */
  record(r: HanTraceRecord): void {
    for (const p of hanTracePackets(r, this.seqs, this.opts)) {
      this.write(pcapngPacket(p));
      this.count++;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }

  private write(bytes: Uint8Array): void {
    if (this.fd === undefined) throw new CaptureError(this.path, 'written after close()');
    let off = 0;
    try {
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    } catch (e) {
      throw new CaptureError(this.path, `write failed: ${(e as Error).message}`);
    }
  }
}
