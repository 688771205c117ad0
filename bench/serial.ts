/*
 * `npm run bench:serial` (also run by `npm run bench`): GBCS round trips per second over a socat pty pair.
 * The estate is the CLI (`smets-sim serial --port A --baud N`) in a child process, on its own core; this
 * process is the head-end on the other end: it builds the commands beforehand (same seed, same keys), keeps a
 * window of them in flight and acks responses cumulatively. Both ends pace writes to the baud rate, as they
 * would on a real UART, so at 115200 the line is the limit; at 4 Mbaud the estate and the framing are.
 * Prints rates only; nothing asserts a time.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeEnvelope, encodeEnvelope } from '../protocols/control/envelope.js';
import { HeadEnd } from '../protocols/gbcs/commands/headend.js';
import { ManualClock } from '../firmware-sim/clock.js';
import { Estate } from '../hub/estate.js';
import { SerialLink } from '../tools/serial.js';
import { DEFAULT_SERVE_CONFIG } from '../tools/ws-server.js';

const ESME = ['00DB1234567890A0', '00DB1234567890B0'];
const SECONDS = Number(process.env.BENCH_SERIAL_SECONDS ?? 3);
const RUNS: Array<{ baud: number; window: number }> = [
  { baud: 115_200, window: 1 },
  { baud: 115_200, window: 16 },
  { baud: 921_600, window: 16 },
  { baud: 4_000_000, window: 1 },
  { baud: 4_000_000, window: 64 },
];

if (spawnSync('socat', ['-V']).error) {
  console.error('bench/serial: socat is not installed (apt-get install socat)');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'bench-serial-'));
const children: ChildProcess[] = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);

function waitFor(child: ChildProcess, stream: NodeJS.ReadableStream, text: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const t = setTimeout(() => reject(new Error(`${what} did not start: ${seen}`)), 30_000);
    stream.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${seen}`)));
  });
}

async function ptyPair(n: number): Promise<{ a: string; b: string; stop: () => Promise<void> }> {
  const a = join(dir, `estate-${n}`);
  const b = join(dir, `headend-${n}`);
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(socat);
  await waitFor(socat, socat.stderr!, 'starting data transfer loop', 'socat');
  const stop = async () => {
    const gone = new Promise((r) => socat.once('exit', r));
    socat.kill('SIGTERM');
    await gone;
  };
  return { a, b, stop };
}

async function estateCli(port: string, baud: number): Promise<ChildProcess> {
  const cli = spawn(process.execPath, [fileURLToPath(new URL('../tools/bin/smets-sim.mjs', import.meta.url)), 'serial', '--port', port, '--baud', String(baud)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(cli);
  await waitFor(cli, cli.stdout!, '\n', 'smets-sim serial');
  return cli;
}

/** Sends `frames` with at most `window` unanswered for `SECONDS`; round trips per second. */
async function roundTrips(link: SerialLink, frames: Uint8Array[], window: number): Promise<{ perSec: number; answered: number; errors: number }> {
  let sent = 0;
  let answered = 0;
  let errors = 0;
  let lastId = 0;
  const deadline = performance.now() + SECONDS * 1000;
  let start = 0;
  return new Promise((resolve) => {
    const pump = () => {
      while (sent - answered < window && sent < frames.length && performance.now() < deadline) link.send(encodeEnvelope({ t: 'gbcs', id: ++sent, b: frames[sent - 1]! }));
      if (sent === answered && (sent === frames.length || performance.now() >= deadline)) {
        link.off('frame', onFrame);
        resolve({ perSec: (answered * 1000) / (performance.now() - start), answered, errors });
      }
    };
    const onFrame = (b: Uint8Array) => {
      const e = decodeEnvelope(b);
      if (e.t === 'gbcs') {
        answered++;
        lastId = e.id;
        // Cumulative acks, one per window's worth, keep the return path mostly for responses.
        if (answered % Math.max(1, window >> 1) === 0 || answered === sent) link.send(encodeEnvelope({ t: 'ack', id: lastId }));
      } else if (e.t === 'err') {
        errors++;
        answered++;
      }
      pump();
    };
    link.on('frame', onFrame);
    start = performance.now();
    pump();
  });
}

const estate = await Estate.create({ seed: DEFAULT_SERVE_CONFIG.seed, premises: DEFAULT_SERVE_CONFIG.premises, clock: new ManualClock(DEFAULT_SERVE_CONFIG.startMs) });
const headEnd = new HeadEnd(estate.keystore, { now: () => new Date(DEFAULT_SERVE_CONFIG.startMs), cache: estate.cache });
console.log(`GBCS round trips over a socat pty pair, estate in a child process (node ${process.version})`);

for (const [i, run] of RUNS.entries()) {
  const { a, b, stop } = await ptyPair(i);
  const cli = await estateCli(a, run.baud);
  const link = new SerialLink({ path: b, baudRate: run.baud });
  await link.open();
  await new Promise<void>((resolve) => {
    const hello = (f: Uint8Array) => {
      const e = decodeEnvelope(f);
      if (e.t === 'ctl' && e.op === 'hello') {
        link.off('frame', hello);
        resolve();
      }
    };
    link.on('frame', hello);
    link.send(encodeEnvelope({ t: 'ctl', op: 'hello' }));
  });
  // Enough commands for the run at the best rate seen on this machine, built before the clock starts.
  const budget = Math.ceil(Math.min((run.baud / 10 / 380) * 2, 2500) * SECONDS) + run.window;
  const frames = Array.from({ length: budget }, (_, k) => headEnd.command('ECS17b', ESME[k % ESME.length]!));
  const r = await roundTrips(link, frames, run.window);
  const line = `${String(run.baud).padStart(9)} baud, window ${String(run.window).padStart(2)}`;
  console.log(`${line}  ${Math.round(r.perSec).toString().padStart(6)} round trips/s  (${r.answered} answered${r.errors ? `, ${r.errors} errors` : ''}; bad frames ${link.stats.badCrc + link.stats.badEscape})`);
  await link.close();
  cli.kill('SIGTERM');
  await new Promise((r2) => cli.once('exit', r2));
  await stop();
}
cleanup();
process.exit(0);
