/*
 * `npm run bench` (second part): GBCS round trips per second through the WebSocket WAN endpoint.
 * The server runs in a child process (its own core) on loopback; this process is the head-end: it builds the
 * commands beforehand (same seed, so the same PKI and keys), then keeps a window of them in flight, acking
 * responses cumulatively. Also measured, to show where time goes: the estate alone (no transport) and the
 * transport alone (frames for an unknown device, answered with `err` after the header is read).
 * Prints rates and ratios only; nothing asserts a time.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { decodeEnvelope, encodeEnvelope } from '../protocols/control/envelope.js';
import { HeadEnd } from '../protocols/gbcs/commands/headend.js';
import { DEFAULT_SERVE_CONFIG, estateOf, startWsServer } from '../tools/ws-server.js';

const TARGET = { nonCritical: 30_000, critical: 6_000 };
const WINDOW = Number(process.env.BENCH_WS_WINDOW ?? 128);
const ESME = ['00DB1234567890A0', '00DB1234567890B0'];

if (process.argv.includes('--serve')) {
  const estate = await estateOf(DEFAULT_SERVE_CONFIG);
  const s = await startWsServer({ estate, port: 0, wan: { queueLimit: 4096 } });
  process.stdout.write(`${s.port}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void s.close().then(() => process.exit(0)));
} else {
  await main();
}

async function serverPort(): Promise<{ port: number; pid: number; stop: () => void }> {
  const prof = process.env.BENCH_WS_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WS_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, fileURLToPath(new URL('../tools/bin/run-ts.mjs', import.meta.url)), fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(Number(text.trim()));
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { port, pid: child.pid!, stop: () => child.stdin.end() };
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // clock ticks of 10 ms (USER_HZ 100 on Linux)
  } catch {
    return Number.NaN;
  }
}

interface RoundTrips {
  perSec: number;
  answered: number;
  errors: number;
  /** CPU per round trip (µs): this process (the head-end) and the server; shows which side limits. */
  clientUs: number;
  serverUs: number;
}

/** Sends `frames` with at most WINDOW unanswered; resolves with round trips per second. */
async function roundTrips(url: string, frames: Uint8Array[], serverPid = 0): Promise<RoundTrips> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  // The head-end batches its writes per tick too (ws has no public cork), so the client does not steal the
  // server's core with a syscall per message on this 2-core machine.
  const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
  let next = 0;
  let answered = 0;
  let errors = 0;
  let lastGbcs = 0;
  const cpu0 = process.cpuUsage();
  const server0 = serverPid ? cpuMsOf(serverPid) : Number.NaN;
  const start = process.hrtime.bigint();
  const done = new Promise<void>((resolve) => {
    const pump = () => {
      if (next < frames.length && next - answered < WINDOW && !socket.writableCorked) {
        socket.cork();
        process.nextTick(() => socket.uncork());
      }
      while (next < frames.length && next - answered < WINDOW) {
        ws.send(encodeEnvelope({ t: 'gbcs', id: next + 1, b: frames[next]! }));
        next++;
      }
    };
    ws.on('message', (d: Buffer) => {
      const e = decodeEnvelope(d);
      if (e.t === 'gbcs') {
        answered++;
        lastGbcs = e.id;
        // Cumulative acks: one per 32 responses keeps the server's queue short without doubling traffic.
        if (answered % 32 === 0) ws.send(encodeEnvelope({ t: 'ack', id: lastGbcs }));
      } else if (e.t === 'err') {
        answered++;
        errors++;
      } else return;
      if (answered === frames.length) resolve();
      else pump();
    });
    pump();
  });
  await done;
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const clientUs = (cpu.user + cpu.system) / frames.length;
  const serverUs = ((cpuMsOf(serverPid) - server0) * 1000) / frames.length;
  if (lastGbcs) ws.send(encodeEnvelope({ t: 'ack', id: lastGbcs }));
  ws.close();
  return { perSec: frames.length / secs, answered, errors, clientUs, serverUs };
}

function line(label: string, perSec: number, n: number, target?: number, rt?: RoundTrips): void {
  const ratio = target ? `  ${(perSec / target).toFixed(2)}x of target ${target}/s` : '';
  const cpu = rt && Number.isFinite(rt.serverUs) ? `  cpu/msg: head-end ${rt.clientUs.toFixed(0)} µs, server ${rt.serverUs.toFixed(0)} µs` : '';
  console.log(`${label.padEnd(40)} ${Math.round(perSec).toString().padStart(8)} /s  (${n})${ratio}${cpu}`);
}

async function main(): Promise<void> {
  console.log(`\nWAN over WebSocket, loopback, window ${WINDOW}, server in its own process (node ${process.version})`);
  const local = await estateOf(DEFAULT_SERVE_CONFIG);
  const headEnd = new HeadEnd(local.keystore, { now: () => local.clock.now(), cache: local.cache });
  const build = (useCase: string, n: number) => Array.from({ length: n }, (_, i) => headEnd.command(useCase, ESME[i % ESME.length]!));

  const counts = { nonCritical: Number(process.env.BENCH_WS_N ?? 12_000), critical: Number(process.env.BENCH_WS_NC ?? 6_000) };
  const reads = build('ECS17b', counts.nonCritical + 2_000);
  const critical = build('ECS42', counts.critical + 1_000);

  // The estate alone, in this process, on a fresh estate with the same seed: the ceiling for the endpoint.
  const bare = await estateOf(DEFAULT_SERVE_CONFIG);
  // Warmed up on the same commands the endpoint is warmed up with, measured on the rest (as below).
  const inProcess = (frames: Uint8Array[], warm: number) => {
    for (const b of frames.slice(0, warm)) bare.send(b);
    const t = process.hrtime.bigint();
    for (const b of frames.slice(warm)) bare.send(b);
    return (frames.length - warm) / (Number(process.hrtime.bigint() - t) / 1e9);
  };
  line('estate.send ECS17b (no transport)', inProcess(reads, 2_000), reads.length - 2_000);
  line('estate.send ECS42 (no transport)', inProcess(critical, 1_000), critical.length - 1_000);

  const server = await serverPort();
  try {
    const url = (c: string) => `ws://127.0.0.1:${server.port}/?client=${c}`;
    // Commands go in counter order (reads were built first): a device refuses a counter it has passed.
    const unknown = reads.slice(0, 20_000).map((b) => {
      const c = Uint8Array.from(b);
      c[0] ^= 0xff; // no longer a GBCS frame: answered with err after the first byte
      return c;
    });
    await roundTrips(url('bench-x'), unknown.slice(0, 2_000)); // warm-up: JIT, key agreement cache
    const x = await roundTrips(url('bench-x'), unknown, server.pid);
    line('transport only (err for a non-frame)', x.perSec, unknown.length, undefined, x);
    if (process.env.BENCH_WS_TRANSPORT_ONLY) return;
    await roundTrips(url('bench-r'), reads.slice(0, 2_000));
    const r = await roundTrips(url('bench-r'), reads.slice(2_000), server.pid);
    line('ECS17b non-critical round trips', r.perSec, r.answered, TARGET.nonCritical, r);
    await roundTrips(url('bench-c'), critical.slice(0, 1_000));
    const c = await roundTrips(url('bench-c'), critical.slice(1_000), server.pid);
    line('ECS42 critical (signed) round trips', c.perSec, c.answered, TARGET.critical, c);
    if (r.errors || c.errors) console.log(`errors: ${r.errors} ECS17b, ${c.errors} ECS42`);
  } finally {
    server.stop();
  }
}
