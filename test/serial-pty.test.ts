import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Wan } from '../hub/wan.js';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../protocols/control/envelope.js';
import { HdlcDecoder, droppedFrames, encodeFrame } from '../protocols/link/hdlc.js';
import { SerialLink, serveWan } from '../tools/serial.js';
import { EUI, summary, testEstate } from './wan-helpers.js';

/*
 * The serial transport over real ptys: a socat pair, the estate on one end (in-process, or the CLI), a
 * head-end written here on the other with the real serialport bindings. socat is required: CI installs it.
 */

const BIN = fileURLToPath(new URL('../tools/bin/smets-sim.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'serial-pty-'));
const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(() => {
  const r = spawnSync('socat', ['-V'], { encoding: 'utf8' });
  if (r.error) throw new Error(`socat is needed for the pty tests and was not found (${(r.error as NodeJS.ErrnoException).code}): apt-get install socat (.ci/run installs it)`);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const c of children) c.kill('SIGKILL');
  children.clear();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let pairs = 0;
/** A socat pty pair with stable link names; resolves once socat is relaying. */
async function ptyPair(names?: { a: string; b: string }): Promise<{ a: string; b: string; proc: ChildProcess; stop: () => Promise<void> }> {
  const n = names ?? { a: join(dir, `estate-${++pairs}`), b: join(dir, `headend-${pairs}`) };
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${n.a}`, `pty,raw,echo=0,link=${n.b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(proc);
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`socat did not start within 5 s: ${err}`)), 5000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('starting data transfer loop')) {
        clearTimeout(t);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`socat exited (${code}): ${err}`));
    });
  });
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await gone;
    children.delete(proc);
  };
  cleanups.push(stop);
  return { ...n, proc, stop };
}

/** The head-end side: the real bindings, HDLC-lite and envelopes, nothing from tools/serial.ts. */
class PtyHeadEnd {
  readonly inbox: Envelope[] = [];
  readonly decoder = new HdlcDecoder();
  private constructor(readonly port: SerialPort) {
    port.on('data', (b: Buffer) => {
      for (const f of this.decoder.push(b)) this.inbox.push(decodeEnvelope(f));
    });
    port.on('error', () => {});
  }
  static open(path: string): Promise<PtyHeadEnd> {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    return new Promise((resolve, reject) => port.open((e) => (e ? reject(e) : resolve(new PtyHeadEnd(port)))));
  }
  send(e: Envelope): void {
    this.raw(encodeFrame(encodeEnvelope(e)));
  }
  raw(b: Uint8Array): void {
    this.port.write(Buffer.from(b));
  }
  async until(pred: (inbox: Envelope[]) => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.inbox)) {
      if (Date.now() > deadline) throw new Error(`timed out; head-end has ${this.inbox.length}: ${JSON.stringify(this.inbox.slice(-4).map((e) => (e.t === 'ctl' ? `ctl:${e.op}` : `${e.t}${'id' in e ? `#${e.id}` : ''}`)))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  close(): Promise<void> {
    return new Promise((r) => (this.port.isOpen ? this.port.close(() => r()) : r()));
  }
}

const gbcsOf = (inbox: Envelope[]) => inbox.filter((e): e is Extract<Envelope, { t: 'gbcs' }> => e.t === 'gbcs');
const isHello = (e: Envelope) => e.t === 'ctl' && e.op === 'hello';

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The estate in-process on the `a` end. */
async function estateOn(path: string) {
  const h = await testEstate();
  const wan = new Wan(h.estate, { spillPath: (c) => join(dir, `${encodeURIComponent(c)}-${Date.now()}.spill`) });
  const link = new SerialLink({ path, reopenMinMs: 20, reopenMaxMs: 200 });
  await link.open();
  const served = serveWan(link, wan);
  cleanups.push(async () => {
    served.stop();
    await link.close();
    wan.close();
  });
  return { ...h, wan, link, session: served.session };
}

const PLAN = [
  ['ECS17b', EUI.esme1],
  ['ECS17b', EUI.esme2],
  ['ECS42', EUI.esme1],
  ['ECS42', EUI.esme2],
  ['GCS21e', EUI.gsme1],
  ['GCS21e', EUI.gsme2],
] as const;

describe('WAN over a socat pty pair', () => {
  it('a head-end sends commands to several premises and gets every response (estate in-process)', async () => {
    const pty = await ptyPair();
    const { headEnd, link } = await estateOn(pty.a);
    const he = await PtyHeadEnd.open(pty.b);
    cleanups.push(() => he.close());
    he.send({ t: 'ctl', op: 'hello' });
    await he.until((i) => i.some(isHello));
    const sent: Array<{ id: number; counter: bigint; to: string }> = [];
    let id = 100;
    for (let round = 0; round < 5; round++) {
      for (const [uc, to] of PLAN) {
        const b = headEnd.command(uc, to);
        sent.push({ id: ++id, counter: summary(b).counter, to });
        he.send({ t: 'gbcs', id, b });
      }
    }
    await he.until((i) => gbcsOf(i).length >= sent.length);
    expect(he.inbox.filter((e) => e.t === 'ack').map((e) => e.id)).toEqual(sent.map((x) => x.id));
    const responses = gbcsOf(he.inbox).map((e) => summary(e.b));
    expect(responses.every((r) => r.cra === 'response')).toBe(true);
    expect(responses.map((r) => `${r.from}/${r.counter}`).sort()).toEqual(sent.map((x) => `${x.to}/${x.counter}`).sort());
    expect(gbcsOf(he.inbox).map((e) => e.id)).toEqual(sent.map((_, i) => i + 1));
    he.send({ t: 'ack', id: sent.length });
    await until(() => link.stats.frames >= sent.length + 2);
    expect(droppedFrames(link.stats)).toBe(0);
    // Opening a pty flushes its input: a frame the estate was writing at that moment arrives cut (and is
    // dropped; the head-end's hello gets everything sent again). Nothing else may be damaged.
    expect(droppedFrames(he.decoder.stats)).toBeLessThanOrEqual(1);
  });

  it('the same against the CLI: smets-sim serial --port', async () => {
    const pty = await ptyPair();
    const cli = spawn(process.execPath, [BIN, 'serial', '--port', pty.a], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(cli);
    let stdout = '';
    let stderr = '';
    cli.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    cli.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await until(() => stdout.includes('\n') || cli.exitCode !== null, 30_000);
    expect(stdout.trim()).toBe(`serial: ${pty.a} at 115200 baud: WAN of 2 premises (seed serve)`);
    const { headEnd } = await testEstate(); // same seed as the CLI's built-in estate: same keys
    const he = await PtyHeadEnd.open(pty.b);
    cleanups.push(() => he.close());
    he.send({ t: 'ctl', op: 'hello' });
    await he.until((i) => i.some(isHello));
    for (const [k, [uc, to]] of PLAN.entries()) he.send({ t: 'gbcs', id: k + 1, b: headEnd.command(uc, to) });
    await he.until((i) => gbcsOf(i).length >= PLAN.length);
    expect(he.inbox.filter((e) => e.t === 'ack').map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(gbcsOf(he.inbox).map((e) => summary(e.b).from)).toEqual(PLAN.map(([, to]) => to));
    const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
    cli.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });

  it('says "permission denied" in one line for a port it may not open', async () => {
    const pty = await ptyPair();
    chmodSync(dir, 0o755); // the link is reachable: what is refused is the pty itself
    chmodSync(realpathSync(pty.a), 0o000);
    // root opens anything: drop to nobody for the attempt.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    const r = spawnSync(asUser[0]!, [...asUser.slice(1), BIN, 'serial', '--port', pty.a], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, HOME: tmpdir() } });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe(`smets-sim: error: permission denied opening ${pty.a} (is the user in the dialout group?)\n`);
    expect(r.status).toBe(1);
  });

  it('with garbage and flipped bits between and inside frames, no corrupt frame is delivered and every intact one is', async () => {
    const pty = await ptyPair();
    const { headEnd, link } = await estateOn(pty.a);
    const he = await PtyHeadEnd.open(pty.b);
    cleanups.push(() => he.close());
    he.send({ t: 'ctl', op: 'hello' });
    await he.until((i) => i.some(isHello));
    let seed = 0x2026;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 8) % n);
    const noise = (n: number) => Uint8Array.from({ length: n }, () => (rand(4) === 0 ? [0x7e, 0x7d][rand(2)]! : rand(256)));
    const N = 40;
    const stream: Uint8Array[] = [];
    let decoys = 0;
    for (let k = 1; k <= N; k++) {
      const b = headEnd.command('ECS17b', k % 2 ? EUI.esme1 : EUI.esme2);
      stream.push(noise(rand(24)));
      if (rand(2) === 0) {
        // A damaged copy under another id: if it ever got through, its id would be acked or refused.
        const bad = encodeFrame(encodeEnvelope({ t: 'gbcs', id: 10_000 + k, b }));
        for (let f = 1 + rand(3); f > 0; f--) bad[1 + rand(bad.length - 2)]! ^= 1 << rand(8);
        stream.push(bad);
        decoys++;
      }
      const good = encodeFrame(encodeEnvelope({ t: 'gbcs', id: k, b }));
      if (rand(3) === 0) {
        // Noise inside a frame: this copy is lost, and the frame is sent again whole.
        const at = 1 + rand(good.length - 2);
        stream.push(good.subarray(0, at), noise(1 + rand(8)), good.subarray(at));
        decoys++;
      }
      stream.push(good);
    }
    stream.push(noise(16), Uint8Array.of(0x7e));
    const all = Buffer.concat(stream);
    for (let i = 0; i < all.length; ) {
      const n = 1 + rand(700);
      he.raw(all.subarray(i, i + n));
      i += n;
      if (rand(4) === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await he.until((i) => gbcsOf(i).length >= N);
    await new Promise((r) => setTimeout(r, 100));
    expect(he.inbox.filter((e) => e.t === 'ack').map((e) => e.id)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(he.inbox.filter((e) => e.t === 'err')).toEqual([]);
    expect(gbcsOf(he.inbox).length).toBe(N);
    expect(gbcsOf(he.inbox).every((e) => summary(e.b).cra === 'response')).toBe(true);
    // The hello and N commands got through; every damaged copy and piece of noise was counted as dropped.
    expect(link.stats.frames).toBe(N + 1);
    expect(droppedFrames(link.stats)).toBeGreaterThanOrEqual(decoys);
  });

  it('noise on the way back: the head-end never decodes a damaged response, and hello-triggered redelivery recovers the lost ones', async () => {
    // estate ⇄ [pair 1] ⇄ relay (damages what the estate sends) ⇄ [pair 2] ⇄ head-end
    const p1 = await ptyPair();
    const p2 = await ptyPair();
    const { headEnd, session } = await estateOn(p1.a);
    const open = (path: string) =>
      new Promise<SerialPort>((resolve, reject) => {
        const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
        port.open((e) => (e ? reject(e) : resolve(port)));
      });
    const [toEstate, toHeadEnd] = await Promise.all([open(p1.b), open(p2.a)]);
    cleanups.push(() => new Promise<void>((r) => toEstate.close(() => toHeadEnd.close(() => r()))));
    let seed = 77;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 8) % n);
    let damaged = 0;
    toEstate.on('data', (d: Buffer) => {
      const b = Buffer.from(d);
      if (rand(8) === 0) {
        b[rand(b.length)]! ^= 1 << rand(8);
        damaged++;
      }
      if (rand(8) === 0) {
        toHeadEnd.write(Buffer.from(Array.from({ length: 1 + rand(12) }, () => (rand(3) === 0 ? 0x7e : rand(256)))));
        damaged++;
      }
      toHeadEnd.write(b);
    });
    toHeadEnd.on('data', (d: Buffer) => toEstate.write(d));

    const he = await PtyHeadEnd.open(p2.b);
    cleanups.push(() => he.close());
    const N = 20;
    const sent = new Map<number, string>();
    for (let k = 1; k <= N; k++) {
      const b = headEnd.command('ECS17b', k % 2 ? EUI.esme1 : EUI.esme2);
      const f = summary(b);
      sent.set(k, `${k % 2 ? EUI.esme1 : EUI.esme2}/${f.counter}`);
      he.send({ t: 'gbcs', id: k, b });
    }
    // Responses come with ids 1..N in command order; whatever noise destroyed is sent again after a hello.
    const got = new Map<number, string>();
    const deadline = Date.now() + 30_000;
    let hellos = 0;
    let seen = 0;
    while (got.size < N) {
      if (Date.now() > deadline) throw new Error(`only ${got.size} of ${N} responses after ${hellos} hellos`);
      await new Promise((r) => setTimeout(r, 400));
      for (const e of gbcsOf(he.inbox.slice(seen))) {
        const r = summary(e.b); // a damaged frame that got through would fail here or below
        expect(r.cra).toBe('response');
        got.set(e.id, `${r.from}/${r.counter}`);
      }
      seen = he.inbox.length;
      let contiguous = 0;
      while (got.has(contiguous + 1)) contiguous++;
      if (contiguous) he.send({ t: 'ack', id: contiguous });
      if (got.size < N) {
        he.send({ t: 'ctl', op: 'hello' });
        hellos++;
      }
    }
    expect([...got.entries()].sort((a, b) => a[0] - b[0])).toEqual([...sent.entries()]);
    expect(he.inbox.filter((e) => e.t === 'ack').every((e) => e.id >= 1 && e.id <= N)).toBe(true);
    expect(he.inbox.filter((e) => e.t === 'err')).toEqual([]);
    expect(damaged).toBeGreaterThan(0);
    expect(droppedFrames(he.decoder.stats)).toBeGreaterThan(0);
    he.send({ t: 'ack', id: N });
    await until(() => session.stats().queued === 0);
  });

  it('closing and reopening the head-end\'s end resumes delivery: what was not acked comes again', async () => {
    const pty = await ptyPair();
    const { headEnd, link, estate, wan, session } = await estateOn(pty.a);
    let he = await PtyHeadEnd.open(pty.b);
    he.send({ t: 'ctl', op: 'hello' });
    await he.until((i) => i.some(isHello));
    for (let k = 1; k <= 3; k++) he.send({ t: 'gbcs', id: k, b: headEnd.command('ECS17b', EUI.esme1) });
    await he.until((i) => gbcsOf(i).length === 3);
    he.send({ t: 'ack', id: 1 });
    await until(() => session.stats().acked === 1);
    await he.close();

    // While nobody has the far end open, more goes out (an alert broadcast, a response): lost in the pty.
    const out = estate.send(headEnd.command('ECS17b', EUI.esme2));
    if ('error' in out) throw new Error(out.error);
    wan.broadcast(out);
    await link.flush();

    he = await PtyHeadEnd.open(pty.b);
    cleanups.push(() => he.close());
    he.send({ t: 'ctl', op: 'hello' });
    await he.until((i) => i.some(isHello) && new Set(gbcsOf(i).map((e) => e.id)).size >= 3);
    expect(he.inbox.find(isHello)).toMatchObject({ acked: 1 });
    expect([...new Set(gbcsOf(he.inbox).map((e) => e.id))].sort()).toEqual([2, 3, 4]);
    he.send({ t: 'ack', id: 4 });
    await until(() => session.stats().queued === 0);
    expect(link.stats.losses).toBe(0);
  });

  it('unplugged (socat killed) and plugged back: the estate reopens its port and redelivers everything unacked', async () => {
    const pty = await ptyPair();
    const { headEnd, link, estate, wan, session } = await estateOn(pty.a);
    let he = await PtyHeadEnd.open(pty.b);
    he.send({ t: 'ctl', op: 'hello' });
    await he.until((i) => i.some(isHello));
    for (let k = 1; k <= 4; k++) he.send({ t: 'gbcs', id: k, b: headEnd.command('ECS17b', EUI.esme2) });
    await he.until((i) => gbcsOf(i).length === 4);
    he.send({ t: 'ack', id: 2 });
    await until(() => session.stats().acked === 2);

    await pty.stop();
    await until(() => !link.isUp, 5000);
    await he.close();
    const out = estate.send(headEnd.command('ECS17b', EUI.esme1));
    if ('error' in out) throw new Error(out.error);
    wan.broadcast(out);
    await new Promise((r) => setTimeout(r, 300)); // a few failed reopen polls

    await ptyPair({ a: pty.a, b: pty.b });
    he = await PtyHeadEnd.open(pty.b);
    cleanups.push(() => he.close());
    await until(() => link.isUp, 5000);
    he.send({ t: 'ctl', op: 'hello' });
    await he.until((i) => new Set(gbcsOf(i).map((e) => e.id)).size >= 3);
    expect(he.inbox.filter(isHello).every((h) => h.t === 'ctl' && h.acked === 2)).toBe(true);
    expect([...new Set(gbcsOf(he.inbox).map((e) => e.id))].sort()).toEqual([3, 4, 5]);
    he.send({ t: 'ack', id: 5 });
    await until(() => session.stats().queued === 0);
    expect(link.stats).toMatchObject({ losses: 1, opens: 2 });
  });
});
