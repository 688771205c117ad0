/*
 * Fake-estate benchmarks (issue: the fake estate): boot time and resident memory for 1k, 10k and 100k premises
 * (each in a fresh process, so one run's heap does not inflate the next), and 30 days of half-hourly data for
 * 1k premises under the accelerated clock. Prints rates and ratios; asserts nothing.
 *
 *   node tools/bin/run-ts.mjs bench/estate.ts            all of it
 *   BENCH_ESTATE_SIZES=1000,10000 ...                     other sizes
 *   node tools/bin/run-ts.mjs bench/estate.ts boot N      one boot measurement (used by the above)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../firmware-sim/clock.js';
import { defaultEstateConfig } from '../hub/estate-config.js';
import { Estate } from '../hub/estate.js';
import { premisesOfMix } from '../hub/mix.js';
import { HeadEnd } from '../protocols/gbcs/commands/headend.js';
import { mixPlanOf } from '../tools/estate/plan.js';
import { EstateRunner } from '../tools/estate/runner.js';
import { encodeEnvelope } from '../protocols/control/envelope.js';

const DAY = 86_400_000;

function plan(count: number) {
  const c = defaultEstateConfig();
  c.premises.count = count;
  return mixPlanOf(c);
}

async function boot(count: number): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const estate = await Estate.create({ seed: 'bench', premises: premisesOfMix(plan(count)), clock: new ManualClock(Date.UTC(2026, 0, 1)) });
  const ms = performance.now() - t0;
  (globalThis as { gc?: () => void }).gc?.();
  let devices = 0;
  for (const s of estate.allSpecs()) devices += 1 + s.devices.length;
  const rss = process.memoryUsage().rss;
  // One command to one premises: the first use builds it; the rest stay idle.
  const he = new HeadEnd(estate.keystore, { now: () => estate.clock.now(), cache: estate.cache });
  const first = [...estate.allSpecs()][0]!;
  const t1 = performance.now();
  estate.send(he.command('ECS17b', first.devices[0]!.eui));
  const firstUse = performance.now() - t1;
  process.stdout.write(`${JSON.stringify({ count, devices, ms, rss, rss0, firstUse })}\n`);
}

function bootInChild(count: number): { count: number; devices: number; ms: number; rss: number; rss0: number; firstUse: number } {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, 'boot', String(count)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

async function thirtyDays(count: number, stepMs: number): Promise<{ buildMs: number; runMs: number; ticks: number; alerts: number; rssMb: number }> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const estate = await Estate.create({ seed: 'bench-30d', premises: premisesOfMix(plan(count)), clock });
  const t0 = performance.now();
  for (const id of estate.ids()) estate.get(id);
  const buildMs = performance.now() - t0;
  const t1 = performance.now();
  let ticks = 0;
  let alerts = 0;
  clock.advanceInSteps(30 * DAY, stepMs, () => {
    alerts += estate.tick().length;
    ticks++;
  });
  return { buildMs, runMs: performance.now() - t1, ticks, alerts, rssMb: process.memoryUsage().rss / 1e6 };
}

/** Restore cost: the journal of `commands` WAN commands (and acks, ticks) replayed by a fresh runner. */
async function replay(commands: number): Promise<{ liveMs: number; replayMs: number; records: number; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  const c = defaultEstateConfig();
  c.premises.count = 1000;
  const opts = { seed: c.seed, premises: () => premisesOfMix(mixPlanOf(c)), fingerprint: 'bench', clock: { mode: 'manual' as const, startMs: Date.UTC(2026, 0, 1) }, dataDir: dir };
  try {
    const live = await EstateRunner.start(opts);
    const he = new HeadEnd(live.estate.keystore, { now: () => live.clock.now(), cache: live.estate.cache });
    const specs = [...live.estate.allSpecs()].slice(0, 100);
    const frames = Array.from({ length: commands }, (_, i) => he.command('ECS17b', specs[i % specs.length]!.devices[0]!.eui));
    const s = live.wan.session('bench');
    let sent = 0;
    s.attach(() => {});
    const t0 = performance.now();
    for (const b of frames) {
      s.receive(encodeEnvelope({ t: 'gbcs', id: ++sent, b }));
      if (sent % 100 === 0) {
        s.receive(encodeEnvelope({ t: 'ack', id: s.stats().lastId }));
        live.clock.set(live.clock.nowMs() + 60_000);
        live.wan.tick();
      }
    }
    const liveMs = performance.now() - t0;
    live.stop();
    const t1 = performance.now();
    const again = await EstateRunner.start(opts);
    const replayMs = performance.now() - t1;
    const records = again.restored.records;
    again.stop();
    return { liveMs, replayMs, records, bytes: statSync(join(dir, 'journal.bin')).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'boot') return boot(Number(process.argv[3]));
  const sizes = (process.env.BENCH_ESTATE_SIZES ?? '1000,10000,100000').split(',').map(Number);
  console.log(`\nFake estate: boot and idle memory (default mix; node ${process.version}; each size in a fresh process)`);
  console.log('  premises   devices   boot (s)  RSS (MB)  bytes/device  first command to an idle premises (ms)');
  for (const n of sizes) {
    const r = bootInChild(n);
    const perDevice = (r.rss - r.rss0) / r.devices;
    console.log(`  ${String(n).padStart(8)}  ${String(r.devices).padStart(8)}  ${(r.ms / 1000).toFixed(2).padStart(8)}  ${(r.rss / 1e6).toFixed(0).padStart(8)}  ${perDevice.toFixed(0).padStart(12)}  ${r.firstUse.toFixed(1).padStart(8)}`);
  }
  console.log('  target: 100k premises with >= 400k devices, boot <= 60 s, <= 8 KB per idle device');

  const n = Number(process.env.BENCH_ESTATE_30D ?? 1000);
  console.log(`\n30 days of half-hourly data, ${n} premises all live (accelerated clock: the runner ticks every live premises once per step)`);
  for (const [label, step] of [
    ['step 1 day (x86400: one tick per host second)', DAY],
    ['step 6 h', DAY / 4],
  ] as const) {
    const r = await thirtyDays(n, step);
    console.log(`  ${label.padEnd(46)} build ${(r.buildMs / 1000).toFixed(1)} s, 30 days ${(r.runMs / 1000).toFixed(1)} s (${r.ticks} ticks, ${r.alerts} alerts, RSS ${r.rssMb.toFixed(0)} MB)`);
  }
  console.log('  target: <= 10 s. Half-hourly values come from each meter\'s seeded profile; ticks book them into registers and logs.');

  const nReplay = Number(process.env.BENCH_REPLAY ?? 5000);
  const r = await replay(nReplay);
  console.log(`\nRestore after kill -9: ${nReplay} commands to 100 of 1000 premises, with acks and ticks`);
  console.log(`  live ${(r.liveMs / 1000).toFixed(1)} s; replay of ${r.records} journal records (${(r.bytes / 1e6).toFixed(1)} MB) ${(r.replayMs / 1000).toFixed(1)} s (${Math.round(r.records / (r.replayMs / 1000))} records/s, replay/live ${(r.replayMs / r.liveMs).toFixed(2)})`);
}

await main();
