import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ManualClock, parseDuration } from '../firmware-sim/clock.js';
import { EnvelopeError, decodeEnvelope, encodeEnvelope, type CtlEnvelope, type Envelope, type MessageId } from '../protocols/control/envelope.js';
import type { Estate, Outbound } from './estate.js';
import type { PremisesSpec } from './premises.js';
import type { Band, HanChannel } from './radio/channels.js';
import type { Eui64 } from '../protocols/eui.js';

/*
 * The estate's WAN side, shared by every transport (WebSocket, serial): no sockets here, only envelopes in
 * and envelopes out. A transport does three things per connection:
 *
 *   const s = wan.session(clientId);   // the same id after a reconnect finds the same queue
 *   s.attach((bytes) => socket.send(bytes));
 *   socket.onMessage = (bytes) => s.receive(bytes);
 *   socket.onClose = () => s.detach();
 *
 * Delivery (see docs/envelope.md):
 * - Each `gbcs` command from the client is answered at once with `ack` (or `err`), then its responses and
 *   alerts follow as `gbcs` envelopes with ids 1, 2, 3 ... per client.
 * - Those are kept until the client acks them (acks are cumulative: `ack n` takes every id ≤ n) and sent
 *   again, in order, after a reconnect. Duplicates of unacked ids are possible; acked ids never come back.
 * - On attach the session first sends `{t:"ctl", op:"hello", client, acked}`: the highest id it has taken an
 *   ack for, so a client knows where redelivery starts.
 * - Alerts not caused by a command (time passing) go to every session. A premises' startup alerts (e.g. a
 *   Sub GHz join refused) go out with whatever first built it: that command's session, or the next tick.
 * - Back-pressure: at most `queueLimit` unacked messages are in memory and on the wire; later ones wait in
 *   an append-only spill file and are loaded (and sent) as acks make room. A client that never acks costs
 *   disk, not memory, and is not sent more than `queueLimit` messages ahead of its acks.
 */

export interface WanOptions {
  /** Unacked messages per client held in memory and in flight (default 1024). */
  queueLimit?: number;
  /** Where a client's overflow is spilled (default `<tmpdir>/smets-sim-wan-<pid>/<client>.spill`). */
  spillPath?: (clientId: string) => string;
  /** Time step for `ctl advance`, like a scenario's `tick` (default 60 s). */
  tickMs?: number;
  /** Longest `ctl advance` in ticks, so one request cannot stall the process for hours (default 100 000). */
  maxAdvanceTicks?: number;
  /** Diagnostics (a client's `err` messages, internal errors). */
  log?: (line: string) => void;
  /**
   * Told of every message a client sends, before it is acted on: an estate runner sets the clock here and
   * journals the message, so a restart can replay exactly what happened.
   */
  input?: (clientId: string, bytes: Uint8Array) => void;
  /**
   * Told when a client connects (true), goes (false) or its session is dropped ('forgotten'), for the same
   * journal: what was sent, and so what may be acked, depends on it.
   */
  connection?: (clientId: string, up: boolean | 'forgotten') => void;
  /** Whether `ctl advance` may move the clock (default: when it is a ManualClock). */
  canAdvance?: boolean;
}

/** What a session holds, for tests, `ctl snapshot` and dashboards. */
export interface SessionStats {
  client: string;
  connected: boolean;
  /** Unacked messages: in memory + in the spill file. */
  queued: number;
  inMemory: number;
  spilled: number;
  /** Highest id acked by the client (0: none). */
  acked: MessageId;
  /** Highest id assigned so far (0: none). */
  lastId: MessageId;
}

interface Entry {
  id: MessageId;
  bytes: Uint8Array;
}

export class Wan {
  private readonly sessions = new Map<string, WanSession>();
  readonly queueLimit: number;
  readonly tickMs: number;
  readonly maxAdvanceTicks: number;
  private readonly spillPath: (clientId: string) => string;
  readonly log: (line: string) => void;
  /** @internal see WanOptions.input */
  readonly input: ((clientId: string, bytes: Uint8Array) => void) | undefined;
  /** @internal see WanOptions.connection */
  readonly connection: ((clientId: string, up: boolean | 'forgotten') => void) | undefined;
  private readonly canAdvance: boolean;

  constructor(
    readonly estate: Estate,
    opts: WanOptions = {},
  ) {
    this.queueLimit = opts.queueLimit ?? 1024;
    if (!(Number.isInteger(this.queueLimit) && this.queueLimit >= 1)) throw new RangeError(`queueLimit must be a whole number ≥ 1, got ${opts.queueLimit}`);
    this.tickMs = opts.tickMs ?? 60_000;
    this.maxAdvanceTicks = opts.maxAdvanceTicks ?? 100_000;
    const dir = join(tmpdir(), `smets-sim-wan-${process.pid}`);
    this.spillPath = opts.spillPath ?? ((c) => join(dir, `${encodeURIComponent(c)}.spill`));
    this.log = opts.log ?? (() => {});
    this.input = opts.input;
    this.connection = opts.connection;
    this.canAdvance = opts.canAdvance ?? true;
  }

  /** The session for a client identity, created on first use. */
  session(clientId: string): WanSession {
    let s = this.sessions.get(clientId);
    if (!s) {
      s = new WanSession(this, clientId, this.spillPath(clientId));
      this.sessions.set(clientId, s);
    }
    return s;
  }

  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** Let time pass (after the clock moved): alerts go to every session. Returns how many were raised. */
  tick(): number {
    return this.broadcast(this.estate.tick());
  }

  broadcast(out: Outbound[]): number {
    for (const o of out) for (const s of this.sessions.values()) s.deliver(o);
    return out.length;
  }

  /** Drops a client's session and its spill file (its unacked messages are gone). */
  forget(clientId: string): void {
    if (this.sessions.has(clientId)) this.connection?.(clientId, 'forgotten');
    this.sessions.get(clientId)?.dispose();
    this.sessions.delete(clientId);
  }

  /** Removes every spill file. */
  close(): void {
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
  }

  /** Runs a control operation; the reply's fields (without t/op/id), or throws WanError. */
  control(req: CtlEnvelope): Record<string, unknown> {
    const estate = this.estate;
    switch (req.op) {
      case 'list': {
        // A 100k-premises estate is listed a page at a time: `offset` and `limit` (default: all).
        const offset = req.offset === undefined ? 0 : wholeArg(req.offset, 'offset');
        const limit = req.limit === undefined ? Number.POSITIVE_INFINITY : wholeArg(req.limit, 'limit');
        return { now: estate.clock.now().toISOString(), total: estate.size, offset, premises: listPremises(estate, offset, limit) };
      }
      case 'snapshot':
        return {
          now: estate.clock.now().toISOString(),
          nowMs: estate.clock.nowMs(),
          // Counts, not the list: an estate may hold 100k premises (`list` pages through them).
          premises: { total: estate.size, live: estate.liveCount() },
          live: [...estate.livePremises()].map((p) => p.id),
          sessions: [...this.sessions.values()].map((s) => s.stats()),
        };
      case 'advance': {
        const clock = estate.clock;
        if (!(clock instanceof ManualClock) || !this.canAdvance) throw new WanError('advance: this estate runs on its own clock (only a manual clock can be advanced)');
        const by = durationArg(req.by, 'by');
        if (by / this.tickMs > this.maxAdvanceTicks) throw new WanError(`advance: ${by} ms is more than ${this.maxAdvanceTicks} ticks of ${this.tickMs} ms; advance in smaller steps`);
        let alerts = 0;
        clock.advanceInSteps(by, this.tickMs, () => (alerts += this.tick()));
        return { now: clock.now().toISOString(), alerts };
      }
      case 'keys': {
        // What a head-end outside the process needs to MAC commands to a device and check its answers.
        const eui = typeof req.eui === 'string' ? req.eui.replace(/[-: ]/g, '').toUpperCase() : '';
        if (!/^[0-9A-F]{16}$/.test(eui) || estate.premisesIdOf(eui as Eui64) === undefined) throw new WanError(`keys: field eui: expected the EUI-64 of a device of this estate, got ${JSON.stringify(req.eui)}`);
        const pem = (usage: 'ds' | 'ka') => estate.keystore.publicKey(eui as Eui64, usage)!.export({ type: 'spki', format: 'pem' }) as string;
        return { eui, premises: estate.premisesIdOf(eui as Eui64), ds: pem('ds'), ka: pem('ka') };
      }
      case 'inject': {
        if (typeof req.premises !== 'string') throw new WanError('inject: field premises: expected a premises id');
        const p = estate.get(req.premises);
        if (!p) throw new WanError(`inject: no premises ${req.premises}`);
        if (typeof req.level !== 'number' || !Number.isFinite(req.level)) throw new WanError('inject: field level: expected a level in dBm, e.g. -60');
        const band = (req.band ?? (p.subGhz ? 'subGHz' : '2.4GHz')) as Band;
        if (band !== 'subGHz' && band !== '2.4GHz') throw new WanError('inject: field band: expected 2.4GHz or subGHz');
        let ch: HanChannel;
        const c = req.channel;
        if (c === undefined || c === 'operating') {
          if (band === 'subGHz' && !p.subGhz) fail('inject: the hub has no Sub GHz radio');
          ch = p.operatingChannel(band);
        } else if (band === '2.4GHz' && typeof c === 'number' && Number.isInteger(c) && c >= 11 && c <= 26) {
          ch = { band, channel: c };
        } else if (band === 'subGHz' && typeof c === 'object' && c !== null && [28, 29, 30, 31].includes((c as { page?: unknown }).page as number) && Number.isInteger((c as { index?: unknown }).index)) {
          const { page, index } = c as { page: 28 | 29 | 30 | 31; index: number };
          ch = { band, page, index };
        } else {
          throw new WanError('inject: field channel: expected "operating", a 2.4 GHz channel 11-26 or {page: 28-31, index}');
        }
        const durationMs = req.duration === undefined ? 3_600_000 : durationArg(req.duration, 'duration');
        p.inject(ch, req.level, durationMs);
        return { premises: p.id, channel: ch, level: req.level, durationMs };
      }
      default:
        throw new WanError(`unknown control operation ${JSON.stringify(req.op)} (use list, snapshot, advance, inject, keys)`);
    }
  }
}

/** A control request that cannot be carried out; becomes an `err` envelope. */
export class WanError extends Error {
  override readonly name = 'WanError';
}

function fail(msg: string): never {
  throw new WanError(msg);
}

function durationArg(v: unknown, field: string): number {
  try {
    return parseDuration(v as string | number);
  } catch {
    throw new WanError(`field ${field}: expected a duration such as 90s, 5m, 1h30m or a number of ms, got ${JSON.stringify(v)}`);
  }
}

function wholeArg(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new WanError(`list: field ${field}: expected a whole number ≥ 0, got ${JSON.stringify(v)}`);
  return v;
}

function listPremises(estate: Estate, offset = 0, limit = Number.POSITIVE_INFINITY) {
  const page: PremisesSpec[] = [];
  let i = 0;
  for (const s of estate.allSpecs()) {
    if (i++ < offset) continue;
    if (page.length >= limit) break;
    page.push(s);
  }
  return page.map((s) => ({
    id: s.id,
    hub: { eui: s.hub.eui, band: s.hub.band, chts: s.hub.chts, gbcs: s.hub.gbcs, channel24: s.hub.channel24 },
    devices: s.devices.map((d) => ({ eui: d.eui, kind: d.kind, band: d.band })),
  }));
}

/** One client identity's queue and protocol state; survives reconnects. Get it from `Wan.session`. */
export class WanSession {
  private send: ((bytes: Uint8Array) => void) | null = null;
  // Unacked, oldest first; `head` avoids shifting the array on every ack.
  private memory: Entry[] = [];
  private head = 0;
  private nextId = 1;
  private acked = 0;
  private highestSent = 0;
  private spill: SpillFile;

  /** @internal use Wan.session */
  constructor(
    private readonly wan: Wan,
    readonly clientId: string,
    spillPath: string,
  ) {
    this.spill = new SpillFile(spillPath);
  }

  get connected(): boolean {
    return this.send !== null;
  }

  /**
   * A connection for this client is up: `send` takes one encoded envelope. Sends `hello`, then every unacked
   * message in order. A previous connection of the same client is simply replaced (the transport closes it).
   */
  attach(send: (bytes: Uint8Array) => void): void {
    this.wan.connection?.(this.clientId, true);
    this.send = send;
    send(encodeEnvelope({ t: 'ctl', op: 'hello', client: this.clientId, acked: this.acked }));
    for (let i = this.head; i < this.memory.length && this.send === send; i++) this.transmit(this.memory[i]!);
  }

  /** The connection is gone; unacked messages wait for the next attach. */
  detach(send?: (bytes: Uint8Array) => void): void {
    // A replaced connection closing late must not detach its successor.
    if (send !== undefined && send !== this.send) return;
    if (this.send) this.wan.connection?.(this.clientId, false);
    this.send = null;
  }

  /** One message from the client (one envelope's bytes). Replies go out through the attached `send`. */
  receive(bytes: Uint8Array): void {
    this.wan.input?.(this.clientId, bytes);
    let env: Envelope;
    try {
      env = decodeEnvelope(bytes);
    } catch (e) {
      if (!(e instanceof EnvelopeError)) throw e;
      this.reply(e.id === undefined ? { t: 'err', msg: e.message } : { t: 'err', id: e.id, msg: e.message });
      return;
    }
    switch (env.t) {
      case 'gbcs':
        return this.command(env.id, env.b);
      case 'ack':
        return this.ack(env.id);
      case 'ctl': {
        const { id } = env;
        try {
          const r = this.wan.control(env);
          this.reply({ ...r, t: 'ctl', op: env.op, ...(id !== undefined ? { id } : {}), ok: true });
        } catch (e) {
          if (!(e instanceof WanError)) throw e;
          this.reply({ t: 'err', ...(id !== undefined ? { id } : {}), msg: e.message });
        }
        return;
      }
      case 'han':
        return this.reply({ t: 'err', msg: 'han: HAN bridging is not served on this WAN endpoint' });
      case 'err':
        this.wan.log(`client ${this.clientId} reports: ${env.id !== undefined ? `#${env.id} ` : ''}${env.msg}`);
        return;
    }
  }

  private command(id: MessageId, b: Uint8Array): void {
    let out: Outbound[] | { error: string };
    try {
      out = this.wan.estate.send(b);
    } catch (e) {
      // A device model bug must not take the endpoint (and every other client) down with it.
      this.wan.log(`internal error on #${id} from ${this.clientId}: ${(e as Error).stack ?? e}`);
      return this.reply({ t: 'err', id, msg: `internal error: ${(e as Error).message}` });
    }
    if ('error' in out) return this.reply({ t: 'err', id, msg: out.error });
    this.reply({ t: 'ack', id });
    for (const o of out) this.deliver(o);
  }

  private ack(id: MessageId): void {
    if (id > this.highestSent) return this.reply({ t: 'err', id, msg: `ack: id ${id} was never sent (highest sent: ${this.highestSent})` });
    if (id <= this.acked) return;
    this.acked = id;
    while (this.head < this.memory.length && this.memory[this.head]!.id <= id) this.head++;
    if (this.head > 1024 && this.head * 2 > this.memory.length) {
      this.memory = this.memory.slice(this.head);
      this.head = 0;
    }
    // Room again: the oldest spilled messages move up, and go out if connected.
    while (this.memory.length - this.head < this.wan.queueLimit && this.spill.count > 0) {
      const e = this.spill.shift();
      this.memory.push(e);
      if (this.send) this.transmit(e);
    }
  }

  /** @internal queue one response or alert for this client (sent now if connected and within the window). */
  deliver(o: Outbound): void {
    const id = this.nextId++;
    const e = { id, bytes: encodeEnvelope({ t: 'gbcs', id, b: o.bytes }) };
    if (this.spill.count === 0 && this.memory.length - this.head < this.wan.queueLimit) {
      this.memory.push(e);
      if (this.send) this.transmit(e);
    } else {
      this.spill.push(e);
    }
  }

  private transmit(e: Entry): void {
    if (e.id > this.highestSent) this.highestSent = e.id;
    this.send!(e.bytes);
  }

  private reply(env: Envelope): void {
    this.send?.(encodeEnvelope(env));
  }

  stats(): SessionStats {
    const inMemory = this.memory.length - this.head;
    return { client: this.clientId, connected: this.connected, queued: inMemory + this.spill.count, inMemory, spilled: this.spill.count, acked: this.acked, lastId: this.nextId - 1 };
  }

  /** @internal */
  dispose(): void {
    this.send = null;
    this.spill.remove();
  }
}

/*
 * FIFO of entries on disk: [u32 id high][u32 id low][u32 length][bytes] records appended at the end, read
 * from `readAt`. Emptied files are truncated so a client that catches up gives the space back.
 */
class SpillFile {
  private fd: number | null = null;
  private writeAt = 0;
  private readAt = 0;
  count = 0;

  constructor(readonly path: string) {}

  push(e: Entry): void {
    if (this.fd === null) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'w+');
    }
    const head = Buffer.allocUnsafe(12);
    head.writeUInt32BE(Math.floor(e.id / 2 ** 32), 0);
    head.writeUInt32BE(e.id >>> 0, 4);
    head.writeUInt32BE(e.bytes.length, 8);
    this.writeAt += writeAll(this.fd, head, this.writeAt);
    this.writeAt += writeAll(this.fd, e.bytes, this.writeAt);
    this.count++;
  }

  shift(): Entry {
    const head = Buffer.allocUnsafe(12);
    readAll(this.fd!, head, this.readAt);
    const id = head.readUInt32BE(0) * 2 ** 32 + head.readUInt32BE(4);
    const bytes = new Uint8Array(head.readUInt32BE(8));
    readAll(this.fd!, bytes, this.readAt + 12);
    this.readAt += 12 + bytes.length;
    if (--this.count === 0) {
      ftruncateSync(this.fd!, 0);
      this.readAt = this.writeAt = 0;
    }
    return { id, bytes };
  }

  remove(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.count = this.readAt = this.writeAt = 0;
    rmSync(this.path, { force: true });
  }
}

function writeAll(fd: number, b: Uint8Array, at: number): number {
  let done = 0;
  while (done < b.length) done += writeSync(fd, b, done, b.length - done, at + done);
  return done;
}

function readAll(fd: number, b: Uint8Array, at: number): void {
  let done = 0;
  while (done < b.length) {
    const n = readSync(fd, b, done, b.length - done, at + done);
    if (n === 0) throw new Error(`spill file ended early at ${at + done}`);
    done += n;
  }
}
