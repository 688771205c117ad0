import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '../protocols/bytes.js';
import type { Keystore } from '../protocols/crypto/index.js';
import type { Eui64 } from '../protocols/eui.js';
import { decodeFrameWithLayout } from '../protocols/gbcs/frame.js';
import { createSecurityContext, verifyFrame } from '../protocols/gbcs/security.js';
import { GCA, Device, type DeviceKind } from '../firmware-sim/device.js';
import { ManualClock } from '../firmware-sim/clock.js';
import { Rng } from '../firmware-sim/rng.js';
import { anchorsFromKeystore } from '../firmware-sim/trust.js';
import { createModel } from '../firmware-sim/models/index.js';
import { registerCommandCommand, jsonErrorOffset } from '../tools/commands/command.js';
import { registerPkiCommands } from '../tools/commands/pki.js';
import { loadKeystoreDir } from '../tools/keystore-dir.js';

const BIN = fileURLToPath(new URL('../tools/bin/smets-sim.mjs', import.meta.url));
const NOW = '2015-01-01T00:00:00Z';
const ESME = '00DB1234567890A0' as Eui64;
const GSME = '00DB1234567890A1' as Eui64;
const CHF = '00DB1234567890A2' as Eui64;
const SUPPLIER = '90B3D51F30010000';
const NO = '90B3D51F30020000';
const ACB = '90B3D51F30000002';

let work: string;
let pki: string;
let ks: Keystore;

/** `smets-sim <args>` in-process with the pki and command commands; printed lines or the error message. */
async function run(...args: string[]): Promise<{ lines: string[]; error?: string }> {
  const lines: string[] = [];
  const program = new Command('smets-sim').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerPkiCommands(program, (s) => lines.push(...s.split('\n')));
  registerCommandCommand(program, (s) => lines.push(...s.split('\n')));
  try {
    await program.parseAsync(['node', 'smets-sim', ...args]);
    return { lines };
  } catch (e) {
    return { lines, error: (e as Error).message };
  }
}

interface Summary {
  hex: string;
  useCase: string;
  messageCode: string;
  originator: string;
  counter: string;
  onBehalfOf?: string;
  onBehalfOfCounter?: string;
  signed: boolean;
  mac: boolean;
}

async function command(...args: string[]): Promise<Summary> {
  const r = await run('command', '--pki', pki, '--now', NOW, '--json', ...args);
  expect(r.error).toBeUndefined();
  return JSON.parse(r.lines[0]!) as Summary;
}

function counters(): Record<string, string> {
  return (JSON.parse(readFileSync(join(pki, 'counters.json'), 'utf8')) as { last: Record<string, string> }).last;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'command-cli-'));
  pki = join(work, 'pki');
  expect((await run('pki', 'init', '--out', pki, '--seed', '7')).error).toBeUndefined();
  for (const [eui, type] of [
    [ESME, 'esme'],
    [GSME, 'gsme'],
    [CHF, 'chf'],
  ] as const) {
    expect((await run('pki', 'device', '--pki', pki, '--eui', eui, '--type', type)).error).toBeUndefined();
  }
  ks = loadKeystoreDir(join(pki, 'keystore'));
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One simulated device per EUI, built as the conformance runner builds them, kept across commands. */
const devices = new Map<Eui64, Device>();
function device(eui: Eui64, kind: DeviceKind): Device {
  let d = devices.get(eui);
  if (!d) {
    const clock = new ManualClock(Date.parse(NOW));
    const rng = Rng.fromSeed(`command-cli/${eui}`);
    d = new Device({
      eui,
      model: createModel(kind, { eui, rng, clock }),
      keys: { ds: ks.privateKey(eui, 'ds')!, ka: ks.privateKey(eui, 'ka')! },
      trust: anchorsFromKeystore(ks),
      clock,
      rng,
    });
    devices.set(eui, d);
  }
  return d;
}

/**
 * The device's security gate (target, MAC, signature, authority, anti-replay) accepted the command. What the
 * model then answers is its engine's business, so only the gate's verdict is checked.
 */
function expectAccepted(s: Summary, eui: Eui64, kind: DeviceKind): void {
  const d = device(eui, kind);
  const before = d.refusals.length;
  let emitted: ReturnType<Device['receive']> = [];
  try {
    emitted = d.receive(fromHex(s.hex));
  } catch {
    // An engine still being written may throw while answering: the gate ran before it.
  }
  const gateRefusals = d.refusals.slice(before).filter((r) => r.alertCode !== undefined);
  expect(gateRefusals).toEqual([]);
  expect(emitted.filter((e) => e.kind === 'alert' && e.messageCode === GCA)).toEqual([]);
  expect(d.lastAcceptedCounter(s.originator as Eui64)).toBe(BigInt(s.counter));
}

function expectVerified(s: Summary): void {
  const bytes = fromHex(s.hex);
  const { frame, layout } = decodeFrameWithLayout(bytes);
  if (frame.kind === 'gbt') throw new Error('gbt');
  const report = verifyFrame(bytes, frame, layout, createSecurityContext(ks));
  expect(report.mac.status).toBe(s.mac ? 'valid' : 'absent');
  expect(report.signature.status).toBe(s.signed ? 'valid' : 'absent');
  expect(frame.header.counter).toBe(BigInt(s.counter));
  expect(frame.header.originator).toBe(s.originator);
}

describe('smets-sim command', () => {
  it('builds a supplier read MAC\'d by the ACB; counters start as in RTDS and increase across calls', async () => {
    const a = await command('--to', ESME, '--use-case', 'ECS17b');
    expect(a).toMatchObject({ useCase: 'ECS17b', messageCode: '0x0027', originator: SUPPLIER, counter: '1000', signed: false, mac: true });
    expectVerified(a);
    const b = await command('--to', ESME, '--use-case', '0x0027');
    expect(b.counter).toBe('1001');
    expect(counters()).toEqual({ [SUPPLIER]: '1001' });
    expectAccepted(a, ESME, 'esme');
    expectAccepted(b, ESME, 'esme');
  });

  it('signs critical commands with the role\'s DS key and MACs them', async () => {
    const s = await command('--to', ESME, '--use-case', 'ECS42');
    expect(s).toMatchObject({ signed: true, mac: true, counter: '1002' });
    expectVerified(s);
    expectAccepted(s, ESME, 'esme');
    const clock = await command('--to', ESME, '--use-case', 'ECS70', '--params', '{"validityStart":"2014-12-31T23:59:10Z","validityEnd":"2015-01-01T00:00:10Z"}');
    expect(clock.signed).toBe(true);
    expectAccepted(clock, ESME, 'esme');
  });

  it('sends as the network operator with its own counter', async () => {
    const s = await command('--to', ESME, '--use-case', 'ECS17a');
    expect(s).toMatchObject({ originator: NO, counter: '1200' });
    expectVerified(s);
    expectAccepted(s, ESME, 'esme');
    expect(counters()[NO]).toBe('1200');
  });

  it('the ACB sends CHF commands on behalf of the supplier (18-byte other-information), and both counters move', async () => {
    const s = await command('--to', CHF, '--use-case', 'DBCH01');
    expect(s).toMatchObject({ originator: ACB, counter: '1300', onBehalfOf: SUPPLIER, onBehalfOfCounter: '1004' });
    const { frame } = decodeFrameWithLayout(fromHex(s.hex));
    expect(frame.kind !== 'gbt' && frame.header.otherInfo).toEqual({ form: 'supplementary', messageCode: 0x010a, remotePartyId: SUPPLIER, remotePartyCounter: 1004n });
    expectVerified(s);
    expectAccepted(s, CHF, 'chf');
    const add = await command('--to', CHF, '--use-case', 'CCS01', '--params', JSON.stringify({ device: GSME, deviceType: 0, installCode: '30313233343536373839414243444546' }));
    expect(add.counter).toBe('1301');
    expectAccepted(add, CHF, 'chf');
    expect(counters()).toMatchObject({ [ACB]: '1301', [SUPPLIER]: '1005' });
  });

  it('with --urp the ACB sends the supplier\'s KA certificate for the response to be encrypted to it', async () => {
    const s = await command('--to', ESME, '--use-case', 'ECS21b', '--as', 'acb', '--urp', '--params', '{"from":"2014-12-25T23:30:00Z"}');
    const { frame } = decodeFrameWithLayout(fromHex(s.hex));
    expect(frame.kind !== 'gbt' && frame.header.otherInfo).toMatchObject({ form: 'supplementary+certificate', remotePartyId: SUPPLIER });
    expectVerified(s);
    expectAccepted(s, ESME, 'esme');
  });

  it('GBZ to the gas meter, critical and not', async () => {
    const read = await command('--to', GSME, '--use-case', 'GCS13a');
    expectVerified(read);
    expectAccepted(read, GSME, 'gsme');
    const valve = await command('--to', GSME, '--use-case', 'GCS32');
    expect(valve.signed).toBe(true);
    expectAccepted(valve, GSME, 'gsme');
    const clock = await command('--to', GSME, '--use-case', 'GCS28');
    expect(clock.signed).toBe(true);
    expectVerified(clock);
    expectAccepted(clock, GSME, 'gsme');
  });

  it('top-ups get a counter with zero low 32 bits and a real UTRN; later commands keep increasing', async () => {
    const s = await command('--to', ESME, '--use-case', 'CS01a', '--params', '{"value": 10, "valueClass": "pounds"}');
    expect(BigInt(s.counter) & 0xffffffffn).toBe(0n);
    expect(BigInt(s.counter)).toBeGreaterThan(1000n);
    expectVerified(s);
    expectAccepted(s, ESME, 'esme');
    const next = await command('--to', ESME, '--use-case', 'ECS17b');
    expect(BigInt(next.counter)).toBe(BigInt(s.counter) + 1n);
    expectAccepted(next, ESME, 'esme');
  });

  it('a payload taken from another frame is re-addressed to this counter', async () => {
    const src = await command('--to', ESME, '--use-case', 'ECS52');
    const { frame } = decodeFrameWithLayout(fromHex(src.hex));
    const file = join(work, 'payload.json');
    writeFileSync(file, JSON.stringify({ frame }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    const s = await command('--to', ESME, '--use-case', 'ECS52', '--payload', file);
    expect(BigInt(s.counter)).toBe(BigInt(src.counter) + 1n);
    const again = decodeFrameWithLayout(fromHex(s.hex)).frame;
    expect(again.kind !== 'gbt' && again.payload.family === 'dlms' && again.payload.dlms.invokeIdAndPriority).toBe(0x20000000 | Number(BigInt(s.counter) & 0xffffffn));
    expectAccepted(s, ESME, 'esme');
  });

  it('reports bad requests in one line and leaves the counters alone', async () => {
    const before = counters();
    const err = async (...args: string[]) => (await run('command', '--pki', pki, '--now', NOW, ...args)).error;
    expect(await err('--to', ESME, '--use-case', 'ECS17x')).toMatch(/^unknown use case "ECS17x"; did you mean ECS17a, ECS17b/);
    expect(await err('--to', '00DB1234567890AF', '--use-case', 'ECS17b')).toMatch(/^unknown device 00DB1234567890AF: no KA certificate in .*pki device/);
    expect(await err('--to', ESME, '--use-case', 'ECS10', '--params', '{"message": "hi",\n "x": }')).toBe('--params:2:7: invalid JSON: unexpected "}"');
    const bad = join(work, 'bad.json');
    writeFileSync(bad, '{\n  "message": "hi",\n}\n');
    expect(await err('--to', ESME, '--use-case', 'ECS10', '--params', `@${bad}`)).toBe(`${bad}:3:1: invalid JSON: unexpected "}"`);
    expect(await err('--to', ESME, '--use-case', 'ECS17a', '--as', 'supplier')).toBe('a supplier may not send ECS17a (0x0026); allowed: network-operator');
    expect(await err('--to', CHF, '--use-case', 'DBCH01', '--as', 'supplier')).toMatch(/^a supplier may not send DBCH01/);
    expect(await err('--to', ESME, '--use-case', 'ECS10', '--params', '{"mesage": "x"}')).toBe('params.message: missing (a string); is "mesage" a misspelling of it?');
    expect(await err('--to', ESME, '--use-case', 'ECS08')).toMatch(/^no payload builder for ECS08 \(0x001F\): pass --payload FILE/);
    expect(await err('--to', ESME, '--use-case', 'CS02b')).toMatch(/^CS02b has several message codes; pick one: .*CS02bSupplierBySupplier \(0x0102\)/);
    expect(counters()).toEqual(before);
  });

  it('lists the use cases it can build', async () => {
    const r = await run('command', '--list');
    expect(r.lines.length).toBeGreaterThan(100);
    expect(r.lines.find((l) => l.startsWith('ECS17b '))).toMatch(/0x0027 dlms/);
  });

  it('the installed binary prints hex, or one error line with exit code 1', () => {
    const ok = spawnSync(process.execPath, [BIN, 'command', '--pki', pki, '--to', ESME, '--use-case', 'ECS26e', '--now', NOW], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim()).toMatch(/^DD00[0-9A-F]+$/);
    const bad = spawnSync(process.execPath, [BIN, 'command', '--pki', pki, '--to', ESME, '--use-case', 'ECS10', '--params', '{"message": 1}'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual(['smets-sim: error: params.message: expected a string, got 1']);
  });
});

describe('JSON error positions', () => {
  it.each([
    ['{"a": 1,}', 8],
    ['{"a": }', 6],
    ['[1, 2', 5],
    ['{"a": tru}', 9],
    ['{"a": "x\u0001"}', 8],
    ['{} x', 3],
  ])('%j fails at %i', (text, at) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorOffset(text)).toBe(at);
  });
});
