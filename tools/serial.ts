import { EventEmitter } from 'node:events';
import { SerialPort, SerialPortMock } from 'serialport';
import type { Clock } from '../firmware-sim/clock.js';
import { ManualClock, parseDuration } from '../firmware-sim/clock.js';
import type { Emitted } from '../firmware-sim/device.js';
import type { Premises } from '../hub/premises.js';
import type { Wan, WanSession } from '../hub/wan.js';
import { decodeEnvelope, encodeEnvelope, euiBytes, euiText, type CtlEnvelope, type Envelope } from '../protocols/control/envelope.js';
import type { Eui64 } from '../protocols/eui.js';
import { HdlcDecoder, encodeFrame, type HdlcStats } from '../protocols/link/hdlc.js';

/*
 * The serial transport: envelopes in HDLC-lite frames over a serial port (a real UART, a USB CDC stick, or a
 * pty). `SerialLink` owns the port: it frames, paces writes to the line speed, notices the port going away
 * and reopens it when it comes back. `serveWan` puts an estate's WAN session on a link; `bridgeDevices` puts
 * one premises' devices on it for an external hub. Neither knows about ports, so unit tests run them over
 * MockBinding and the integration tests over socat pty pairs.
 */

/** What the link needs of a port; `serialport`'s SerialPort and SerialPortMock both are one. */
export interface PortLike {
  readonly isOpen: boolean;
  open(cb: (err: Error | null) => void): void;
  write(data: Buffer, cb: (err: Error | null | undefined) => void): boolean;
  close(cb?: (err?: Error | null) => void): void;
  on(event: 'data', fn: (b: Buffer) => void): unknown;
  on(event: 'close', fn: (err?: Error | null) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
}

export type PortFactory = (path: string, baudRate: number) => PortLike;

export const systemPorts: PortFactory = (path, baudRate) => new SerialPort({ path, baudRate, autoOpen: false });
export const mockPorts: PortFactory = (path, baudRate) => new SerialPortMock({ path, baudRate, autoOpen: false });
/** MockBinding (createPort, reset), reached through `serialport`: its own package's types do not resolve under nodenext. */
export const MockBinding = SerialPortMock.binding;

export class SerialError extends Error {
  override readonly name = 'SerialError';
  constructor(
    readonly reason: 'no-such-port' | 'permission' | 'busy' | 'not-a-port' | 'other',
    message: string,
  ) {
    super(message);
  }
}

/** One line a user can act on, from what the bindings say (their messages carry no errno). */
export function describeOpenError(path: string, err: Error): SerialError {
  const m = err.message;
  if (/No such file|ENOENT|does not exist|No such device/i.test(m)) return new SerialError('no-such-port', `no such port ${path}`);
  if (/Permission denied|EACCES|EPERM/i.test(m)) return new SerialError('permission', `permission denied opening ${path} (is the user in the dialout group?)`);
  if (/lock|Resource temporarily unavailable|EBUSY|busy/i.test(m)) return new SerialError('busy', `${path} is in use by another program`);
  if (/Inappropriate ioctl|ENOTTY|Is a directory/i.test(m)) return new SerialError('not-a-port', `${path} is not a serial port`);
  return new SerialError('other', `cannot open ${path}: ${m.replace(/^Error: /, '')}`);
}

export interface SerialLinkOptions {
  path: string;
  /** Line speed (default 115200). Writes are paced to baud/10 bytes per second unless `pace` is false. */
  baudRate?: number;
  pace?: boolean;
  /** Default: the real bindings. Tests pass `mockPorts`. */
  ports?: PortFactory;
  /** Largest payload accepted from the port (see HdlcDecoder). */
  maxPayload?: number;
  /** Reopen polling: first delay, doubling up to the cap (defaults 100 ms and 5 s). */
  reopenMinMs?: number;
  reopenMaxMs?: number;
  /**
   * Frames sent while the port is down are kept for the next open (up to `maxQueue`, oldest dropped first)
   * instead of discarded. Leave it off when the layer above redelivers on its own (the WAN session does).
   */
  keepWhileDown?: boolean;
  maxQueue?: number;
}

export interface SerialLinkStats extends HdlcStats {
  bytesIn: number;
  bytesOut: number;
  framesOut: number;
  /** Frames discarded because the port was down (or the queue full). */
  framesDiscarded: number;
  opens: number;
  losses: number;
}

type LinkEvents = {
  up: [];
  down: [reason: string];
  frame: [payload: Uint8Array];
  log: [line: string];
};

const PACE_LEAD_MS = 5;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A serial port carrying HDLC-lite frames, reopened whenever it comes back after going away. */
export class SerialLink extends EventEmitter<LinkEvents> {
  readonly path: string;
  readonly baudRate: number;
  private readonly ports: PortFactory;
  private readonly decoder: HdlcDecoder;
  private readonly bytesPerSec: number;
  private readonly chunkBytes: number;
  private readonly reopenMinMs: number;
  private readonly reopenMaxMs: number;
  private readonly keepWhileDown: boolean;
  private readonly maxQueue: number;
  private port: PortLike | null = null;
  private state: 'new' | 'up' | 'down' | 'closed' = 'new';
  private queue: Uint8Array[] = [];
  private current: { buf: Uint8Array; off: number } | null = null;
  /** Bumped whenever the port is lost or closed, so a pump waiting on the old port gives up. */
  private generation = 0;
  /** The generation whose pump is running (-1: none); a pump stuck on a dead port must not block the next. */
  private pumpingGen = -1;
  private wireFreeAt = 0;
  private reopenTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private lastOpenError = '';
  private counters = { bytesIn: 0, bytesOut: 0, framesOut: 0, framesDiscarded: 0, opens: 0, losses: 0 };

  constructor(opts: SerialLinkOptions) {
    super();
    this.path = opts.path;
    this.baudRate = opts.baudRate ?? 115200;
    if (!(Number.isInteger(this.baudRate) && this.baudRate > 0)) throw new RangeError(`baud rate must be a positive whole number, got ${opts.baudRate}`);
    this.ports = opts.ports ?? systemPorts;
    this.decoder = new HdlcDecoder(opts.maxPayload === undefined ? {} : { maxPayload: opts.maxPayload });
    // 8N1: ten bits on the line per byte.
    this.bytesPerSec = opts.pace === false ? 0 : this.baudRate / 10;
    // One lead's worth of line time per write: fine-grained enough for the pacing, coarse enough for the timers.
    this.chunkBytes = Math.max(16, Math.floor((this.bytesPerSec * PACE_LEAD_MS) / 1000));
    this.reopenMinMs = opts.reopenMinMs ?? 100;
    this.reopenMaxMs = opts.reopenMaxMs ?? 5000;
    this.backoffMs = this.reopenMinMs;
    this.keepWhileDown = opts.keepWhileDown ?? false;
    this.maxQueue = opts.maxQueue ?? 4096;
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  get stats(): SerialLinkStats {
    return { ...this.decoder.stats, ...this.counters };
  }

  /** Opens the port; a port that cannot be opened now is a SerialError (one line, for the user). */
  async open(): Promise<void> {
    if (this.state !== 'new') throw new Error(`link ${this.path} was opened already`);
    try {
      await this.openPort();
    } catch (e) {
      this.state = 'closed';
      throw describeOpenError(this.path, e as Error);
    }
  }

  /** Queue one payload (one envelope) for the port. False when it was discarded because the port is down. */
  send(payload: Uint8Array): boolean {
    if (this.state === 'closed') return false;
    if (this.state !== 'up' && !this.keepWhileDown) {
      this.counters.framesDiscarded++;
      return false;
    }
    if (this.queue.length >= this.maxQueue) {
      this.queue.shift();
      this.counters.framesDiscarded++;
    }
    this.queue.push(encodeFrame(payload));
    if (this.state === 'up') void this.pump();
    return true;
  }

  /** Forget frames not yet started on the wire (the layer above is about to resend what matters). */
  clearQueue(): void {
    this.queue = [];
  }

  /** Frames waiting, plus the one being written. */
  get pending(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  /** Resolves once everything queued is on the wire (or the link went down). */
  async flush(): Promise<void> {
    while (this.state === 'up' && this.pending > 0) await sleep(1);
  }

  async close(): Promise<void> {
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.reopenTimer = null;
    this.state = 'closed';
    this.generation++;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    port?.removeAllListeners();
    port?.on('error', () => {});
  }

  private openPort(): Promise<void> {
    const port = this.ports(this.path, this.baudRate);
    return new Promise<void>((resolve, reject) => {
      port.on('error', (err) => {
        this.emit('log', `${this.path}: ${err.message}`);
        if (this.port === port && !port.isOpen) this.lost(port, err.message);
      });
      port.on('close', (err) => {
        if (this.port === port) this.lost(port, err?.message ?? 'port closed');
      });
      // Flowing mode: a pty or USB port that goes away is only noticed by a pending read.
      port.on('data', (b) => {
        if (this.port !== port) return;
        this.counters.bytesIn += b.length;
        for (const f of this.decoder.push(b)) this.emit('frame', f);
      });
      port.open((err) => {
        if (err) {
          port.removeAllListeners();
          port.on('error', () => {});
          reject(err);
          return;
        }
        if (this.state === 'closed') {
          port.close();
          reject(new Error('link closed while opening'));
          return;
        }
        this.port = port;
        this.state = 'up';
        this.counters.opens++;
        this.decoder.reset();
        this.backoffMs = this.reopenMinMs;
        this.lastOpenError = '';
        resolve();
        this.emit('up');
        void this.pump();
      });
    });
  }

  private lost(port: PortLike, reason: string): void {
    if (this.state !== 'up' || this.port !== port) return;
    this.state = 'down';
    this.generation++;
    this.port = null;
    this.counters.losses++;
    // Half a frame on the wire is junk to the far end; it goes again whole, if it is kept at all.
    if (this.current && this.keepWhileDown) this.queue.unshift(this.current.buf);
    else if (this.current) this.counters.framesDiscarded++;
    this.current = null;
    if (!this.keepWhileDown) {
      this.counters.framesDiscarded += this.queue.length;
      this.queue = [];
    }
    this.decoder.reset();
    port.removeAllListeners();
    port.on('error', () => {});
    if (port.isOpen) port.close(() => {});
    this.emit('down', reason);
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.state !== 'down' || this.reopenTimer) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      if (this.state !== 'down') return;
      this.openPort().catch((e: Error) => {
        const line = describeOpenError(this.path, e).message;
        if (line !== this.lastOpenError) this.emit('log', `${line}; retrying`);
        this.lastOpenError = line;
        this.backoffMs = Math.min(this.backoffMs * 2, this.reopenMaxMs);
        this.scheduleReopen();
      });
    }, this.backoffMs);
  }

  private async pump(): Promise<void> {
    const gen = this.generation;
    if (this.pumpingGen === gen) return;
    this.pumpingGen = gen;
    try {
      while (this.generation === gen && this.state === 'up' && this.port) {
        if (!this.current) {
          const next = this.queue.shift();
          if (!next) break;
          this.current = { buf: next, off: 0 };
        }
        const cur = this.current;
        let n = cur.buf.length - cur.off;
        if (this.bytesPerSec > 0) {
          // Token bucket one chunk deep: a write may run ahead of the line by up to PACE_LEAD_MS (the UART's
          // FIFO and the kernel's buffer hold that much), so small frames do not each wait for a timer tick.
          const now = performance.now();
          if (this.wireFreeAt > now + PACE_LEAD_MS) {
            await sleep(this.wireFreeAt - now - PACE_LEAD_MS);
            continue;
          }
          n = Math.min(n, this.chunkBytes);
          this.wireFreeAt = Math.max(this.wireFreeAt, now) + (n * 1000) / this.bytesPerSec;
        }
        const port = this.port;
        const chunk = Buffer.from(cur.buf.buffer, cur.buf.byteOffset + cur.off, n);
        const ok = await new Promise<boolean>((r) => port.write(chunk, (err) => r(!err)));
        // A write that failed or belongs to a lost port: `lost` has already reset the frame and queue.
        if (!ok || this.generation !== gen) break;
        this.counters.bytesOut += n;
        cur.off += n;
        if (cur.off === cur.buf.length) {
          this.current = null;
          this.counters.framesOut++;
        }
      }
    } finally {
      if (this.pumpingGen === gen) this.pumpingGen = -1;
    }
  }
}

// --- WAN ------------------------------------------------------------------------------------------------

function peerHello(b: Uint8Array): boolean {
  try {
    const e = decodeEnvelope(b);
    return e.t === 'ctl' && e.op === 'hello';
  } catch {
    return false;
  }
}

export interface ServeWanOptions {
  /** The WAN client identity of whoever is on the far end (default `serial:<path>`). */
  clientId?: string;
  log?: (line: string) => void;
}

/**
 * The estate's WAN on a serial link: one WAN client per port. A serial line has no connection to open, so
 * two events stand for "(re)connected": our port opening, and the far end sending `{t:"ctl", op:"hello"}`
 * (it reopened its end, and anything we sent meanwhile may be gone). Either way the session is attached
 * afresh, which sends our hello and redelivers every unacked message.
 */
export function serveWan(link: SerialLink, wan: Wan, opts: ServeWanOptions = {}): { session: WanSession; stop: () => void } {
  const session = wan.session(opts.clientId ?? `serial:${link.path}`);
  const log = opts.log ?? (() => {});
  let send: ((b: Uint8Array) => void) | null = null;
  const attach = () => {
    if (send) session.detach(send);
    link.clearQueue();
    const s = (b: Uint8Array) => {
      link.send(b);
    };
    send = s;
    session.attach(s);
  };
  const onUp = () => attach();
  const onDown = () => {
    if (send) session.detach(send);
    send = null;
  };
  const onFrame = (b: Uint8Array) => {
    if (!send) return;
    if (peerHello(b)) return attach();
    try {
      session.receive(b);
    } catch (e) {
      log(`internal error handling a message on ${link.path}: ${(e as Error).stack ?? e}`);
    }
  };
  link.on('up', onUp);
  link.on('down', onDown);
  link.on('frame', onFrame);
  if (link.isUp) attach();
  return {
    session,
    stop: () => {
      link.off('up', onUp);
      link.off('down', onDown);
      link.off('frame', onFrame);
      onDown();
    },
  };
}

// --- HAN devices ----------------------------------------------------------------------------------------

export interface BridgeOptions {
  /** The premises' clock, if the far end may move it with `ctl advance` (a ManualClock). */
  clock?: Clock;
  /** Time step for `ctl advance` (default 60 s). */
  tickMs?: number;
  /** Longest `ctl advance`, in ticks. */
  maxAdvanceTicks?: number;
  log?: (line: string) => void;
}

export interface BridgeStats {
  fromHub: number;
  toHub: number;
  refused: number;
}

/**
 * One premises' simulated devices on a serial link, for an external comms hub: the hub's HAN frames to a
 * device arrive as `han` envelopes and the device's answers (and alerts, when time passes) go back as `han`
 * envelopes addressed to the hub. The premises' own CHF and radio model are not involved: the hub on the
 * far end plays both. On every open the bridge says `ctl hello` with the devices it serves.
 */
export function bridgeDevices(link: SerialLink, premises: Premises, opts: BridgeOptions = {}): { stats: BridgeStats; stop: () => void } {
  const stats: BridgeStats = { fromHub: 0, toHub: 0, refused: 0 };
  const log = opts.log ?? (() => {});
  const tickMs = opts.tickMs ?? 60_000;
  const maxTicks = opts.maxAdvanceTicks ?? 100_000;
  // Answers go to whoever last spoke for the hub; until then, the hub the premises was configured with.
  let hub = euiBytes(premises.spec.hub.eui);
  const send = (e: Envelope) => link.send(encodeEnvelope(e));
  const toHub = (from: Eui64, out: Emitted[]) => {
    for (const a of out) {
      send({ t: 'han', from: euiBytes(from), to: hub, b: a.bytes });
      stats.toHub++;
    }
  };
  const refuse = (msg: string, id?: number) => {
    stats.refused++;
    send(id === undefined ? { t: 'err', msg } : { t: 'err', id, msg });
  };
  const hello = (id?: number) =>
    send({ t: 'ctl', op: 'hello', ...(id !== undefined ? { id } : {}), role: 'devices', premises: premises.id, hub: euiText(hub), devices: premises.spec.devices.map((d) => ({ eui: d.eui, kind: d.kind })) });

  const control = (c: CtlEnvelope) => {
    if (c.op === 'hello') return hello(c.id);
    if (c.op === 'advance') {
      const clock = opts.clock;
      if (!(clock instanceof ManualClock)) return refuse('advance: these devices run on their own clock', c.id);
      let by: number;
      try {
        by = parseDuration(c.by as string | number);
      } catch {
        return refuse(`advance: field by: expected a duration such as 90s or 5m, got ${JSON.stringify(c.by)}`, c.id);
      }
      if (by / tickMs > maxTicks) return refuse(`advance: ${by} ms is more than ${maxTicks} ticks of ${tickMs} ms`, c.id);
      const end = clock.nowMs() + by;
      let alerts = 0;
      while (clock.nowMs() < end) {
        clock.set(Math.min(end, clock.nowMs() + tickMs));
        for (const [eui, d] of premises.devices) {
          const out = d.tick();
          alerts += out.length;
          toHub(eui, out);
        }
      }
      return send({ t: 'ctl', op: 'advance', ...(c.id !== undefined ? { id: c.id } : {}), ok: true, now: clock.now().toISOString(), alerts });
    }
    return refuse(`unknown control operation ${JSON.stringify(c.op)} on a device bridge (use hello, advance)`, c.id);
  };

  const onFrame = (b: Uint8Array) => {
    let env: Envelope;
    try {
      env = decodeEnvelope(b);
    } catch (e) {
      return refuse((e as Error).message);
    }
    switch (env.t) {
      case 'han': {
        const to = euiText(env.to) as Eui64;
        const device = premises.devices.get(to);
        if (!device) return refuse(`han: no device ${to} at premises ${premises.id} (it has ${[...premises.devices.keys()].join(', ') || 'none'})`);
        stats.fromHub++;
        hub = env.from;
        let out: Emitted[];
        try {
          out = device.receive(env.b);
        } catch (e) {
          log(`internal error in device ${to}: ${(e as Error).stack ?? e}`);
          return refuse(`internal error in device ${to}: ${(e as Error).message}`);
        }
        return toHub(to, out);
      }
      case 'ctl':
        return control(env);
      case 'err':
        return log(`hub reports: ${env.id !== undefined ? `#${env.id} ` : ''}${env.msg}`);
      case 'gbcs':
        return refuse('gbcs: this port bridges HAN devices; send their frames as han envelopes', env.id);
      case 'ack':
        return;
    }
  };
  const onUp = () => hello();
  link.on('frame', onFrame);
  link.on('up', onUp);
  if (link.isUp) hello();
  return {
    stats,
    stop: () => {
      link.off('frame', onFrame);
      link.off('up', onUp);
    },
  };
}
