import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../firmware-sim/clock.js';
import { parseEstateConfig } from '../hub/estate-config.js';
import { Estate } from '../hub/estate.js';
import { premisesOfMix } from '../hub/mix.js';
import type { Envelope } from '../protocols/control/envelope.js';
import { HeadEnd } from '../protocols/gbcs/commands/headend.js';
import { mixPlanOf } from '../tools/estate/plan.js';
import { summary } from './wan-helpers.js';
import { Client } from './ws-client.js';

const root = mkdtempSync(join(tmpdir(), 'estate-up-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const BIN = join(import.meta.dirname, '..', 'tools', 'bin', 'smets-sim.mjs');
const CONFIG = `seed: up-test
premises:
  count: 5
  mix: { dualBand: 0.4, gas: 1 }
clock: { mode: manual, start: 2026-03-01T00:00:00Z }
wan: { port: 0 }
dashboard: { enabled: false }
`;

interface Up {
  child: ChildProcess;
  url: string;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** Starts `smets-sim up` and waits for it to print its WAN address. */
function up(args: string[], cwd: string): Promise<Up> {
  const child = spawn(process.execPath, [BIN, 'up', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no WAN line in 30 s:\n${stdout.join('')}\n${stderr.join('')}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      stdout.push(d.toString());
      const m = /WAN\s+(ws:\/\/\S+?)\?client=NAME/.exec(stdout.join(''));
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stdout, stderr, exited });
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code}:\n${stdout.join('')}\n${stderr.join('')}`)));
  });
}

const gbcsOf = (inbox: Envelope[]) => inbox.filter((e): e is Extract<Envelope, { t: 'gbcs' }> => e.t === 'gbcs');

describe('smets-sim up', () => {
  it('kill -9 and restart: acked stays acked, unacked comes again, device counters and anti-replay survive', async () => {
    const dir = join(root, 'kill');
    rmSync(dir, { recursive: true, force: true });
    const cfg = join(root, 'kill.yaml');
    writeFileSync(cfg, CONFIG);
    const args = ['--config', cfg, '--data-dir', dir, '--no-progress'];

    // The head-end holds the organisations' keys of the same seed (the PKI `up` wrote to DATA/pki).
    const config = parseEstateConfig(CONFIG, 'kill.yaml').config;
    const specs = [...premisesOfMix(mixPlanOf(config))];
    const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    const local = await Estate.create({ seed: config.seed, premises: specs, clock });
    const headEnd = new HeadEnd(local.keystore, { now: () => clock.now(), cache: local.cache });
    const esmes = specs.map((p) => p.devices.find((d) => d.kind === 'esme')!.eui);

    const capture = join(root, 'han.pcapng');
    const first = await up([...args, '--capture', capture], root);
    expect(first.stdout.join('')).toMatch(/5 premises \(seed up-test\), clock manual/);
    let c = await Client.open(`${first.url}?client=he`);
    await c.until((i) => i.some((e) => e.t === 'ctl' && e.op === 'hello'));
    // The device keys a head-end needs come over the WAN too, and match the seed's.
    c.send({ t: 'ctl', op: 'keys', id: 1, eui: esmes[0]! });
    await c.until((i) => i.some((e) => e.t === 'ctl' && e.op === 'keys'));
    const keys = c.inbox.find((e) => e.t === 'ctl' && e.op === 'keys') as unknown as { ka: string };
    expect(createPublicKey(keys.ka).equals(local.keystore.publicKey(esmes[0]!, 'ka')!)).toBe(true);

    const sent: Array<{ b: Uint8Array; counter: bigint; to: string }> = [];
    for (let i = 0; i < 12; i++) {
      const to = esmes[i % esmes.length]!;
      const b = headEnd.command(i % 4 === 3 ? 'ECS42' : 'ECS17b', to);
      sent.push({ b, counter: summary(b).counter, to });
      c.send({ t: 'gbcs', id: 100 + i, b });
    }
    await c.until((i) => gbcsOf(i).length >= 12);
    const before = gbcsOf(c.inbox);
    c.send({ t: 'ack', id: before[7]!.id });
    c.send({ t: 'ctl', op: 'advance', id: 2, by: '2h' });
    await c.until((i) => i.some((e) => e.t === 'ctl' && e.op === 'advance'));
    // kill -9: no snapshot, no goodbye; only the journal.
    first.child.kill('SIGKILL');
    await first.exited;

    // The HAN capture of the first run: every command and response crossed the HAN, and tshark reads them.
    const fields = execFileSync('tshark', ['-r', capture, '-T', 'fields', '-e', 'frame.comment', '-e', 'frame.protocols', '-e', 'zbee_zcl_se.tun.tunnel_id'], {
      encoding: 'utf8',
      env: { ...process.env, WIRESHARK_CONFIG_DIR: mkdtempSync(join(root, 'ws-')) },
    });
    const packets = fields.trim().split('\n');
    expect(packets.length).toBe(24);
    expect(packets.every((l) => /premises P00000[1-5]/.test(l) && /zbee_zcl_se\.tun/.test(l))).toBe(true);

    const second = await up(args, root);
    expect(second.stderr.join('')).toMatch(/restored from/);
    c = await Client.open(`${second.url}?client=he`);
    await c.until((i) => gbcsOf(i).length >= 4);
    expect(c.inbox[0]).toMatchObject({ t: 'ctl', op: 'hello', acked: before[7]!.id });
    // Exactly the unacked ones again, byte for byte, in order.
    expect(gbcsOf(c.inbox).map((e) => [e.id, Buffer.from(e.b).toString('hex')])).toEqual(before.slice(8).map((e) => [e.id, Buffer.from(e.b).toString('hex')]));

    // The clock stood where the advance left it; the next command is answered, a replayed one is not.
    c.send({ t: 'ctl', op: 'list', id: 3 });
    await c.until((i) => i.some((e) => e.t === 'ctl' && e.op === 'list'));
    expect(c.inbox.find((e) => e.t === 'ctl' && e.op === 'list')).toMatchObject({ now: '2026-03-01T02:00:00.000Z' });
    clock.set(Date.parse('2026-03-01T02:00:00Z'));
    const next = headEnd.command('ECS17b', esmes[1]!);
    c.send({ t: 'gbcs', id: 200, b: sent[1]!.b });
    c.send({ t: 'gbcs', id: 201, b: next });
    await c.until((i) => gbcsOf(i).some((e) => summary(e.b).cra === 'response' && summary(e.b).counter === summary(next).counter));
    const fresh = gbcsOf(c.inbox).slice(4).map((e) => summary(e.b));
    expect(fresh.filter((f) => f.cra === 'response')).toEqual([expect.objectContaining({ from: esmes[1], counter: summary(next).counter })]);
    c.ws.close();

    // Ctrl-C: a clean stop that keeps the state.
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(second.stderr.join('')).toMatch(/stopped; state kept/);
  }, 90_000);

  it('refuses an invalid config with every error and its line, and starts nothing', async () => {
    const cfg = join(root, 'bad.yaml');
    writeFileSync(cfg, 'seed: x\npremises:\n  count: -3\n  mix: { gas: 2 }\n  versions: { chts: "1.0" }\nwan: { bind: 0.0.0.0 }\ncolour: blue\n');
    const child = spawn(process.execPath, [BIN, 'up', '--config', cfg, '--data-dir', join(root, 'bad')], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/bad\.yaml:3: premises\.count: /);
    expect(err).toMatch(/bad\.yaml:4: premises\.mix\.gas: /);
    expect(err).toMatch(/bad\.yaml:\d+: premises\.versions\.chts: .*2019-10-27/);
    expect(err).toMatch(/bad\.yaml:6: wan\.token: required when wan\.bind is 0\.0\.0\.0/);
    expect(err).toMatch(/bad\.yaml:7: colour: /);
    expect(err).toMatch(/nothing started/);
  }, 30_000);

  it('serve --clock accelerated:N moves time by itself and refuses ctl advance', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--clock', 'accelerated:3600'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let text = '';
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no url: ${text}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /on (ws:\/\/\S+?)\?client=NAME/.exec(text);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    const c = await Client.open(`${url}?client=t`);
    const now = async (id: number) => {
      c.send({ t: 'ctl', op: 'list', id });
      await c.until((i) => i.some((e) => e.t === 'ctl' && (e as { id?: number }).id === id));
      return Date.parse((c.inbox.find((e) => e.t === 'ctl' && (e as { id?: number }).id === id) as unknown as { now: string }).now);
    };
    const a = await now(1);
    await new Promise((r) => setTimeout(r, 1500));
    const b = await now(2);
    // 1.5 s at x3600 is 1.5 simulated hours; allow for a slow, shared machine.
    expect(b - a).toBeGreaterThan(3_600_000);
    c.send({ t: 'ctl', op: 'advance', id: 3, by: '1h' });
    await c.until((i) => i.some((e) => e.t === 'err'));
    expect(c.inbox.find((e) => e.t === 'err')).toMatchObject({ id: 3, msg: expect.stringMatching(/runs on its own clock/) });
    c.ws.close();
    child.kill('SIGINT');
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
  }, 30_000);
});
