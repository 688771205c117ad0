import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decoder, Encoder } from 'cbor-x';
import { ManualClock } from '../../firmware-sim/clock.js';
import { Estate, type EstateObservers } from '../../hub/estate.js';
import type { PremisesSpec } from '../../hub/premises.js';
import { Wan, type WanOptions } from '../../hub/wan.js';
import { JournalError, type JournalRecord, JournalWriter, readJournal } from './journal.js';

/** How simulated time moves: with the host clock, faster, or only when told (`ctl advance`). */
export type ClockPlan = { mode: 'real' } | { mode: 'accelerated'; factor: number; startMs: number } | { mode: 'manual'; startMs: number };

export interface RunnerOptions {
  seed: string;
  /** The premises, made on demand (a generator is fine: 100k specs need not exist twice). */
  premises: () => Iterable<PremisesSpec>;
  /** Identifies the configuration; a data directory written under another one is refused. */
  fingerprint: string;
  clock: ClockPlan;
  /** Where the journal and snapshot live; none: nothing persists. */
  dataDir?: string;
  /** Host milliseconds between ticks of the live premises (default 1000). */
  tickEveryMs?: number;
  /** Host milliseconds between snapshots (default 30 s). */
  snapshotEveryMs?: number;
  /** Unacked messages per WAN client in memory before spilling to disk (default 1024). */
  queueLimit?: number;
  /** More WAN settings (e.g. `tickMs` of `ctl advance`, `spillPath` when there is no data directory). */
  wan?: Omit<WanOptions, 'input' | 'connection' | 'canAdvance' | 'queueLimit'>;
  /** Told how far a restart's replay is (records done, records in all). */
  progress?: (done: number, total: number) => void;
  log?: (line: string) => void;
  /** The host clock (tests pass their own). */
  hostNow?: () => number;
}

/** What `snapshot.cbor` holds: where the estate stood when it was written. */
export interface Snapshot {
  version: 1;
  fingerprint: string;
  /** Simulated time, and the host time it was taken at. */
  clockMs: number;
  hostMs: number;
  journalBytes: number;
  journalRecords: number;
  livePremises: number;
  premises: number;
  sessions: ReturnType<Wan['sessionIds']>;
  /** False for the periodic ones: the process may have died after it. */
  clean: boolean;
}

export class RunnerError extends Error {
  override readonly name = 'RunnerError';
}

/**
 * A running estate: the estate, its WAN sessions, simulated time and persistence. Every input that changes
 * the estate (a client's message, a tick, an operator's injection, a premises opened for viewing) is
 * journalled first, with the simulated time it is applied at; the estate runs on a manual clock that only
 * the runner moves, so replaying the journal after a crash (even `kill -9`) rebuilds the same state and the
 * same unacked WAN queues. Snapshots record where the clock stood, so accelerated time resumes from there.
 */
export class EstateRunner {
  private journal: JournalWriter | undefined;
  private timers: NodeJS.Timeout[] = [];
  private replaying = false;
  private hostStart: number;
  private simStart: number;
  private stopped = false;
  /** How the start went: replayed records, cut-off bytes. */
  readonly restored: { records: number; tornBytes: number; fromSnapshot: Snapshot | undefined };

  private constructor(
    readonly estate: Estate,
    readonly wan: Wan,
    readonly clock: ManualClock,
    private readonly opts: RunnerOptions,
    restored: EstateRunner['restored'],
  ) {
    this.restored = restored;
    this.hostStart = this.host();
    this.simStart = clock.nowMs();
  }

  static async start(opts: RunnerOptions): Promise<EstateRunner> {
    const dir = opts.dataDir;
    const journalPath = dir ? join(dir, 'journal.bin') : undefined;
    const snapshot = dir ? readSnapshot(join(dir, 'snapshot.cbor')) : undefined;
    const contents = journalPath ? readJournal(journalPath) : { records: [], intactBytes: 0, tornBytes: 0 };
    const head = contents.records[0];
    if (head && head.k !== 'head') throw new RunnerError(`${journalPath}: the journal does not start with its head record`);
    if (head && head.fingerprint !== opts.fingerprint) {
      throw new RunnerError(`${dir}: this data directory belongs to another configuration (seed, premises or versions changed); use another --data-dir or start afresh with --reset`);
    }
    const host = opts.hostNow ?? Date.now;
    const epochMs = head ? head.epochMs : opts.clock.mode === 'real' ? host() : opts.clock.startMs;
    const clock = new ManualClock(epochMs);
    const estate = await Estate.create({ seed: opts.seed, premises: opts.premises(), clock });
    if (dir) {
      mkdirSync(dir, { recursive: true });
      // Replay rebuilds every unacked queue, spilled parts included.
      rmSync(join(dir, 'spill'), { recursive: true, force: true });
      mkdirSync(join(dir, 'spill'), { recursive: true });
    }
    const wanOpts = {
      ...opts.wan,
      queueLimit: opts.queueLimit ?? 1024,
      canAdvance: opts.clock.mode === 'manual',
      ...(opts.log ? { log: opts.log } : {}),
      ...(dir ? { spillPath: (c: string) => join(dir, 'spill', `${encodeURIComponent(c)}.spill`) } : {}),
    };
    let runner: EstateRunner | undefined;
    const wan = new Wan(estate, { ...wanOpts, input: (c, b) => runner?.onInput(c, b), connection: (c, up) => runner?.onConnection(c, up) });
    runner = new EstateRunner(estate, wan, clock, opts, { records: contents.records.length, tornBytes: contents.tornBytes, fromSnapshot: snapshot });
    estate.observe({ built: (id) => runner!.onBuilt(id) });

    runner.replay(contents.records.slice(1));
    if (journalPath) {
      runner.journal = new JournalWriter(journalPath, contents.intactBytes);
      if (!head) runner.journal.append({ k: 'head', version: 1, fingerprint: opts.fingerprint, epochMs });
    }
    // Accelerated time resumes where it stood; real time is real time.
    const resumeAt = Math.max(clock.nowMs(), snapshot?.fingerprint === opts.fingerprint ? snapshot.clockMs : 0);
    runner.simStart = opts.clock.mode === 'real' ? host() : resumeAt;
    runner.hostStart = runner.host();
    runner.syncClock();
    if (opts.clock.mode !== 'manual') runner.every(opts.tickEveryMs ?? 1000, () => runner!.tick());
    if (dir) runner.every(opts.snapshotEveryMs ?? 30_000, () => runner!.writeSnapshot(false));
    return runner;
  }

  private host(): number {
    return (this.opts.hostNow ?? Date.now)();
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  /** Simulated time as the clock plan says it is now (never backwards). */
  private syncClock(): void {
    if (this.replaying) return;
    const plan = this.opts.clock;
    let t: number;
    if (plan.mode === 'manual') return;
    if (plan.mode === 'real') t = this.host();
    else t = this.simStart + (this.host() - this.hostStart) * plan.factor;
    if (t > this.clock.nowMs()) this.clock.set(Math.floor(t));
  }

  private onInput(c: string, b: Uint8Array): void {
    if (this.replaying) return;
    this.syncClock();
    this.record({ k: 'in', at: this.clock.nowMs(), c, b });
  }

  private onConnection(c: string, up: boolean | 'forgotten'): void {
    if (this.replaying) return;
    this.syncClock();
    this.record(up === 'forgotten' ? { k: 'forget', at: this.clock.nowMs(), c } : { k: 'conn', at: this.clock.nowMs(), c, up });
  }

  private onBuilt(id: string): void {
    // Every build is written down (once per premises): one caused by a command also replays by itself, and
    // the `open` after it is then a no-op, but one caused by a look from the dashboard replays only from this.
    if (this.replaying) return;
    this.record({ k: 'open', at: this.clock.nowMs(), p: id });
  }

  private record(r: JournalRecord): void {
    this.journal?.append(r);
  }

  /** Lets time pass for the live premises; their alerts go to every WAN session. */
  tick(): number {
    if (this.stopped) return 0;
    this.syncClock();
    if (this.estate.liveCount() === 0) return 0;
    this.record({ k: 'tick', at: this.clock.nowMs() });
    return this.wan.tick();
  }

  /** Interference injected by the operator (dashboard, CLI), journalled like everything else. */
  inject(premises: string, band: '2.4GHz' | 'subGHz', levelDbm: number, durationMs: number): void {
    const p = this.estate.spec(premises);
    if (!p) throw new RunnerError(`no premises ${premises}`);
    // Refused before it is journalled: a record that cannot be applied would stop every later restart.
    if (band === 'subGHz' && p.hub.band !== 'dual') throw new RunnerError(`premises ${premises} has a single band hub: no Sub GHz radio`);
    if (!Number.isFinite(levelDbm) || !(durationMs > 0)) throw new RunnerError(`inject: level ${levelDbm} dBm for ${durationMs} ms is not an injection`);
    this.syncClock();
    this.record({ k: 'inject', at: this.clock.nowMs(), p: premises, band, level: levelDbm, ms: durationMs });
    this.applyInject(premises, band, levelDbm, durationMs);
  }

  private applyInject(premises: string, band: '2.4GHz' | 'subGHz', level: number, ms: number): void {
    const p = this.estate.get(premises)!;
    p.inject(p.operatingChannel(band), level, ms);
  }

  private replay(records: readonly JournalRecord[]): void {
    this.replaying = true;
    try {
      let i = 0;
      for (const r of records) {
        if (r.k === 'head') throw new JournalError(`journal: a second head record at record ${i + 1}`);
        if (r.at < this.clock.nowMs()) throw new JournalError(`journal: record ${i + 1} goes back in time (${new Date(r.at).toISOString()})`);
        this.clock.set(r.at);
        switch (r.k) {
          case 'in':
            this.wan.session(r.c).receive(r.b);
            break;
          case 'conn':
            if (r.up) this.wan.session(r.c).attach(discard);
            else this.wan.session(r.c).detach();
            break;
          case 'forget':
            this.wan.forget(r.c);
            break;
          case 'tick':
            this.wan.tick();
            break;
          case 'open':
            this.estate.get(r.p);
            break;
          case 'inject':
            this.applyInject(r.p, r.band, r.level, r.ms);
            break;
        }
        if (++i % 1000 === 0) this.opts.progress?.(i, records.length);
      }
      // Connections do not survive a restart.
      for (const c of this.wan.sessionIds()) this.wan.session(c).detach();
      this.opts.progress?.(records.length, records.length);
    } finally {
      this.replaying = false;
    }
  }

  snapshot(clean: boolean): Snapshot {
    return {
      version: 1,
      fingerprint: this.opts.fingerprint,
      clockMs: this.clock.nowMs(),
      hostMs: this.host(),
      journalBytes: this.journal?.size ?? 0,
      journalRecords: this.journal?.count ?? 0,
      livePremises: this.estate.liveCount(),
      premises: this.estate.size,
      sessions: this.wan.sessionIds(),
      clean,
    };
  }

  /** Writes `snapshot.cbor` atomically (rename over the old one). */
  writeSnapshot(clean: boolean): void {
    const dir = this.opts.dataDir;
    if (!dir) return;
    this.syncClock();
    const tmp = join(dir, 'snapshot.cbor.tmp');
    writeFileSync(tmp, new Encoder({ useRecords: false }).encode(this.snapshot(clean)));
    renameSync(tmp, join(dir, 'snapshot.cbor'));
  }

  /** Stops time, writes the final snapshot and closes the journal. The WAN sessions stay readable. */
  stop(): void {
    if (this.stopped) return;
    this.syncClock();
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.writeSnapshot(true);
    this.journal?.close();
    this.wan.close();
  }
}

const discard = (): void => {};

function readSnapshot(path: string): Snapshot | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const s = new Decoder({ useRecords: false }).decode(readFileSync(path)) as Snapshot;
    return s && s.version === 1 && typeof s.clockMs === 'number' ? s : undefined;
  } catch {
    // A snapshot is only a hint for the clock; the journal is the state.
    return undefined;
  }
}
