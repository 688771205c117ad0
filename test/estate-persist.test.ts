import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { premisesOfMix, type MixPlan } from '../hub/mix.js';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../protocols/control/envelope.js';
import { HeadEnd } from '../protocols/gbcs/commands/headend.js';
import { EstateRunner, RunnerError, type RunnerOptions } from '../tools/estate/runner.js';
import { summary } from './wan-helpers.js';
import { UsageError, ensureDir } from '../tools/io.js';

const root = mkdtempSync(join(tmpdir(), 'estate-persist-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const plan: MixPlan = {
  seed: 'persist',
  count: 6,
  idPrefix: 'P',
  shares: { dualBand: 0.5, gas: 1, prepayment: 0.3, ppmid: 0.5, ihd: 0.2 },
  chts: '1.1',
  gbcs: '2.1',
  annualKWh: 2700,
};
const options = (dataDir: string | undefined, fingerprint = 'f1'): RunnerOptions => ({
  seed: plan.seed,
  premises: () => premisesOfMix(plan),
  fingerprint,
  clock: { mode: 'manual', startMs: Date.UTC(2026, 2, 1) },
  ...(dataDir ? { dataDir } : {}),
});

function wire() {
  const got: Envelope[] = [];
  return { got, send: (b: Uint8Array) => void got.push(decodeEnvelope(b)) };
}

const gbcs = (w: { got: Envelope[] }) => w.got.filter((e): e is Extract<Envelope, { t: 'gbcs' }> => e.t === 'gbcs');

/** The same head-end traffic, given the same runner start: commands to several premises, acks, time, interference. */
function drive(r: EstateRunner, he: HeadEnd, steps: number) {
  const specs = [...r.estate.allSpecs()];
  const w = wire();
  const s = r.wan.session('head-end');
  s.attach(w.send);
  let id = 0;
  for (let i = 0; i < steps; i++) {
    const p = specs[i % specs.length]!;
    const esme = p.devices.find((d) => d.kind === 'esme')!.eui;
    const gsme = p.devices.find((d) => d.kind === 'gsme')!.eui;
    s.receive(encodeEnvelope({ t: 'gbcs', id: ++id, b: he.command(i % 3 === 0 ? 'ECS42' : 'ECS17b', esme) }));
    s.receive(encodeEnvelope({ t: 'gbcs', id: ++id, b: he.command('GCS21e', gsme) }));
    if (i % 4 === 1) s.receive(encodeEnvelope({ t: 'ctl', op: 'advance', id: ++id, by: '45m' }));
    if (i === 2) s.receive(encodeEnvelope({ t: 'ctl', op: 'inject', id: ++id, premises: p.id, band: '2.4GHz', level: -50, duration: '2h' }));
    // The head-end acks all but the last few responses.
    const got = gbcs(w);
    if (got.length > 3) s.receive(encodeEnvelope({ t: 'ack', id: got[got.length - 3]!.id }));
  }
  s.detach();
  return w;
}

describe('estate runner: journal and restore', () => {
  it('after a crash, a restart replays the journal: the same unacked queue comes back and the next command gets the same answer', async () => {
    const dir = join(root, 'a');
    const crashed = await EstateRunner.start(options(dir));
    const he = new HeadEnd(crashed.estate.keystore, { now: () => crashed.clock.now(), cache: crashed.estate.cache });
    drive(crashed, he, 9);
    // No stop(): as if killed. A control estate never stops.
    const control = await EstateRunner.start(options(undefined));
    const heControl = new HeadEnd(control.estate.keystore, { now: () => control.clock.now(), cache: control.estate.cache });
    drive(control, heControl, 9);

    const restored = await EstateRunner.start(options(dir));
    expect(restored.restored.records).toBeGreaterThan(20);
    expect(restored.clock.nowMs()).toBe(control.clock.nowMs());
    expect(restored.estate.liveCount()).toBe(control.estate.liveCount());

    // Reconnecting finds what was acked and gets the unacked again, byte for byte.
    const again = wire();
    restored.wan.session('head-end').attach(again.send);
    const ctlWire = wire();
    control.wan.session('head-end').attach(ctlWire.send);
    expect(again.got[0]).toMatchObject({ t: 'ctl', op: 'hello' });
    expect(again.got[0]).toEqual(ctlWire.got[0]);
    const redelivered = gbcs(again);
    expect(redelivered.length).toBeGreaterThanOrEqual(2);
    expect(redelivered).toEqual(gbcs(ctlWire));

    // Device state survived: counters, registers and anti-replay. The same next command, same answer.
    const next = heControl.command('ECS17b', [...control.estate.allSpecs()][1]!.devices[0]!.eui);
    he.command('ECS17b', [...control.estate.allSpecs()][1]!.devices[0]!.eui); // keep the two head-ends in step
    const answers = [restored, control].map((r) => {
      const w = wire();
      const s = r.wan.session('other');
      s.attach(w.send);
      s.receive(encodeEnvelope({ t: 'gbcs', id: 1, b: next }));
      return gbcs(w).map((e) => Buffer.from(e.b).toString('hex'));
    });
    expect(answers[0]!.length).toBe(1);
    expect(answers[0]).toEqual(answers[1]);
    expect(summary(Buffer.from(answers[0]![0]!, 'hex')).cra).toBe('response');
    // The replayed command itself is refused now (its counter is not above the last accepted).
    const replay = wire();
    const s = restored.wan.session('replayer');
    s.attach(replay.send);
    s.receive(encodeEnvelope({ t: 'gbcs', id: 1, b: next }));
    expect(gbcs(replay).map((e) => summary(e.b).cra)).not.toContain('response');
    restored.stop();
    control.stop();
  });

  it('cuts off a torn last record and says so; refuses a data directory of another configuration', async () => {
    const dir = join(root, 'b');
    const r1 = await EstateRunner.start(options(dir));
    const he = new HeadEnd(r1.estate.keystore, { now: () => r1.clock.now(), cache: r1.estate.cache });
    drive(r1, he, 3);
    r1.stop();
    const size = statSync(join(dir, 'journal.bin')).size;
    appendFileSync(join(dir, 'journal.bin'), Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 5, 6]));
    const r2 = await EstateRunner.start(options(dir));
    expect(r2.restored.tornBytes).toBe(10);
    expect(r2.restored.fromSnapshot?.clean).toBe(true);
    expect(statSync(join(dir, 'journal.bin')).size).toBe(size);
    // An unnamed connection's session is dropped when it closes; after a restart it stays dropped.
    const anon = r2.wan.session('anon-1');
    anon.attach(() => {});
    anon.receive(encodeEnvelope({ t: 'gbcs', id: 1, b: he.command('ECS17b', [...r2.estate.allSpecs()][0]!.devices[0]!.eui) }));
    anon.detach();
    r2.wan.forget('anon-1');
    // An operator's impossible injection is refused before it reaches the journal (a restart still works).
    const single = [...r2.estate.allSpecs()].find((p) => p.hub.band === 'single')!;
    expect(() => r2.inject(single.id, 'subGHz', -60, 60_000)).toThrow(/single band hub/);
    r2.inject(single.id, '2.4GHz', -60, 60_000);
    r2.stop();
    const r3 = await EstateRunner.start(options(dir));
    expect(r3.wan.sessionIds()).toEqual(['head-end']);
    r3.stop();
    await expect(EstateRunner.start(options(dir, 'f2'))).rejects.toThrow(RunnerError);
    await expect(EstateRunner.start(options(dir, 'f2'))).rejects.toThrow(/belongs to another configuration/);
  });

  it('a data directory that cannot be made is a one-line error, never a hang', () => {
    expect(() => ensureDir('/proc/smets-sim-nope/x', 'data directory')).toThrow(/data directory: cannot create \/proc\/smets-sim-nope: ENOENT/);
    const file = join(root, 'plain-file');
    appendFileSync(file, 'x');
    expect(() => ensureDir(join(file, 'sub'), 'data directory')).toThrow(UsageError);
    ensureDir(join(root, 'made', 'two', 'levels'), 'data directory');
    expect(statSync(join(root, 'made', 'two', 'levels')).isDirectory()).toBe(true);
  });
});
