import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPortMock } from 'serialport';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Wan } from '../hub/wan.js';
import { decodeEnvelope, encodeEnvelope, euiBytes, euiText, type Envelope } from '../protocols/control/envelope.js';
import { HdlcDecoder, encodeFrame } from '../protocols/link/hdlc.js';
import { main } from '../tools/cli.js';
import { startSerial } from '../tools/commands/serial.js';
import { MockBinding, SerialLink, bridgeDevices, describeOpenError, serveWan, type PortFactory } from '../tools/serial.js';
import { EUI, summary, testEstate } from './wan-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'serial-mock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => MockBinding.reset());

/** Ports made through the factory, so a test can play the far end of the newest one. */
function mockFactory(): { ports: PortFactory; made: SerialPortMock[] } {
  const made: SerialPortMock[] = [];
  return {
    made,
    ports: (path, baudRate) => {
      const p = new SerialPortMock({ path, baudRate, autoOpen: false });
      made.push(p);
      return p;
    },
  };
}

/** The far end of a mock port: what the link wrote (decoded) and a way to send it frames. */
class FarEnd {
  private decoder = new HdlcDecoder();
  private seen = 0;
  readonly inbox: Envelope[] = [];
  constructor(private readonly made: SerialPortMock[]) {}
  private get port() {
    return this.made.at(-1)!;
  }
  private collect(): void {
    const rec = this.port.port?.recording ?? Buffer.alloc(0);
    if (rec.length < this.seen) this.seen = 0; // a new port records from scratch
    for (const f of this.decoder.push(rec.subarray(this.seen))) this.inbox.push(decodeEnvelope(f));
    this.seen = rec.length;
  }
  newPort(): void {
    this.seen = 0;
    this.decoder = new HdlcDecoder();
  }
  send(e: Envelope, chunk = 0): void {
    this.raw(encodeFrame(encodeEnvelope(e)), chunk);
  }
  raw(bytes: Uint8Array, chunk = 0): void {
    if (!chunk) return this.port.port!.emitData(Buffer.from(bytes));
    for (let i = 0; i < bytes.length; i += chunk) this.port.port!.emitData(Buffer.from(bytes.subarray(i, i + chunk)));
  }
  async until(pred: (inbox: Envelope[]) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      this.collect();
      if (pred(this.inbox)) return;
      if (Date.now() > deadline) throw new Error(`timed out; far end has ${this.inbox.length}: ${JSON.stringify(this.inbox.slice(-4).map((e) => (e.t === 'ctl' ? `ctl:${e.op}` : e.t)))}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

const gbcsOf = (inbox: Envelope[]) => inbox.filter((e): e is Extract<Envelope, { t: 'gbcs' }> => e.t === 'gbcs');
const hellos = (inbox: Envelope[]) => inbox.filter((e) => e.t === 'ctl' && e.op === 'hello').length;
const unplug = (p: SerialPortMock) => p.close(undefined, Object.assign(new Error('Input/output error'), { disconnected: true }));

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('SerialLink over MockBinding', () => {
  it('delivers frames however the port splits them, skips noise, and frames what it sends', async () => {
    MockBinding.createPort('/dev/FAKE0', { echo: false, record: true });
    const { ports, made } = mockFactory();
    const link = new SerialLink({ path: '/dev/FAKE0', ports, pace: false });
    const got: Uint8Array[] = [];
    link.on('frame', (f) => got.push(f));
    await link.open();
    const far = new FarEnd(made);
    far.raw(Uint8Array.of(0x00, 0x7d, 0x13, 0x7e, 0x55));
    far.send({ t: 'ack', id: 7 }, 1);
    far.raw(Uint8Array.of(0xff, 0xfe));
    far.send({ t: 'ack', id: 8 }, 3);
    await until(() => got.length === 2);
    expect(got.map((f) => decodeEnvelope(f))).toEqual([{ t: 'ack', id: 7 }, { t: 'ack', id: 8 }]);
    expect(link.stats.frames).toBe(2);
    expect(link.stats.badCrc + link.stats.badEscape + link.stats.runt).toBeGreaterThanOrEqual(2);
    link.send(encodeEnvelope({ t: 'err', msg: 'x' }));
    await far.until((i) => i.length === 1);
    expect(far.inbox).toEqual([{ t: 'err', msg: 'x' }]);
    await link.close();
  });

  it('paces writes to the baud rate (10 bits a byte)', async () => {
    MockBinding.createPort('/dev/FAKE1', { echo: false, record: true });
    const { ports, made } = mockFactory();
    const link = new SerialLink({ path: '/dev/FAKE1', ports, baudRate: 19200 });
    await link.open();
    const payload = new Uint8Array(958).fill(0x41); // 962 bytes framed: 0.5 s at 1920 B/s
    const t0 = performance.now();
    link.send(payload);
    await link.flush();
    const elapsed = performance.now() - t0;
    expect(made[0]!.port!.recording.length).toBe(962);
    // Writes may run 5 ms (one 16-byte chunk) ahead of the line, and the last chunk needs no wait after it.
    expect(elapsed).toBeGreaterThanOrEqual(((962 - 2 * 16) / 1920) * 1000 - 3);
    expect(elapsed).toBeLessThan(2000);
    const fast = new SerialLink({ path: '/dev/FAKE2', ports, pace: false });
    MockBinding.createPort('/dev/FAKE2', { echo: false, record: true });
    await fast.open();
    const t1 = performance.now();
    fast.send(payload);
    await fast.flush();
    expect(performance.now() - t1).toBeLessThan(200);
    await link.close();
    await fast.close();
  });

  it('notices the port going away, polls with backoff while it is missing, and reopens it when it is back', async () => {
    MockBinding.createPort('/dev/FAKE3', { echo: false, record: true });
    const { ports, made } = mockFactory();
    const link = new SerialLink({ path: '/dev/FAKE3', ports, pace: false, reopenMinMs: 5, reopenMaxMs: 40 });
    const events: string[] = [];
    link.on('up', () => events.push('up'));
    link.on('down', () => events.push('down'));
    link.on('log', (l) => events.push(l));
    await link.open();
    MockBinding.reset(); // unplugged: the device node is gone
    unplug(made[0]!);
    await until(() => events.includes('down'));
    await new Promise((r) => setTimeout(r, 300));
    await until(() => made.length - 1 >= 3, 2000);
    // 5, 10, 20, 40, 40 ... ms: about 9 attempts in 300 ms (fewer on a busy machine), not 60 at a steady 5 ms.
    expect(made.length - 1).toBeLessThanOrEqual(12);
    expect(events.filter((e) => e.includes('no such port /dev/FAKE3; retrying')).length).toBe(1);
    expect(link.send(Uint8Array.of(1))).toBe(false); // down, and not keeping: the layer above redelivers
    MockBinding.createPort('/dev/FAKE3', { echo: false, record: true });
    await until(() => link.isUp, 1000);
    expect(events.filter((e) => e === 'up' || e === 'down')).toEqual(['up', 'down', 'up']);
    expect(link.stats).toMatchObject({ opens: 2, losses: 1, framesDiscarded: 1 });
    await link.close();
  });

  it('keepWhileDown holds frames for the next open', async () => {
    MockBinding.createPort('/dev/FAKE4', { echo: false, record: true });
    const { ports, made } = mockFactory();
    const link = new SerialLink({ path: '/dev/FAKE4', ports, pace: false, reopenMinMs: 5, keepWhileDown: true });
    await link.open();
    unplug(made[0]!);
    await until(() => !link.isUp);
    expect(link.send(encodeEnvelope({ t: 'ack', id: 1 }))).toBe(true);
    const far = new FarEnd(made);
    await until(() => link.isUp && made.length >= 2);
    far.newPort();
    await far.until((i) => i.length === 1);
    expect(far.inbox).toEqual([{ t: 'ack', id: 1 }]);
    await link.close();
  });

  it('names the problem in one line when a port cannot be opened', () => {
    expect(describeOpenError('/dev/ttyUSB9', new Error('Error: No such file or directory, cannot open /dev/ttyUSB9')).message).toBe('no such port /dev/ttyUSB9');
    expect(describeOpenError('/dev/ttyS0', new Error('Error: Permission denied, cannot open /dev/ttyS0')).message).toBe('permission denied opening /dev/ttyS0 (is the user in the dialout group?)');
    expect(describeOpenError('/dev/ttyS0', new Error('Error Resource temporarily unavailable Cannot lock port')).message).toBe('/dev/ttyS0 is in use by another program');
    expect(describeOpenError('/tmp', new Error('Error: Is a directory, cannot open /tmp')).message).toBe('/tmp is not a serial port');
    expect(describeOpenError('/dev/x', new Error('Port does not exist - please call MockBinding.createPort')).reason).toBe('no-such-port');
  });
});

describe('the CLI', () => {
  it('says "no such port" in one line and exits 1', async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (lines.push(s), true)) as typeof process.stderr.write;
    try {
      expect(await main(['node', 'smets-sim', 'serial', '--port', '/dev/no-such-serial-port'])).toBe(1);
      expect(await main(['node', 'smets-sim', 'serial', '--port', '/dev/x', '--role', 'modem'])).toBe(1);
    } finally {
      process.stderr.write = write;
    }
    expect(lines).toEqual(['smets-sim: error: no such port /dev/no-such-serial-port\n', 'smets-sim: error: --role: expected wan or devices, got "modem"\n']);
  });
});

describe('WAN over a mock serial port', () => {
  it('acks commands, delivers responses, and redelivers what was not acked after the port comes back', async () => {
    MockBinding.createPort('/dev/WAN0', { echo: false, record: true });
    const { ports, made } = mockFactory();
    const { estate, headEnd } = await testEstate();
    const wan = new Wan(estate, { spillPath: (c) => join(dir, `${encodeURIComponent(c)}.spill`) });
    const link = new SerialLink({ path: '/dev/WAN0', ports, pace: false, reopenMinMs: 5 });
    await link.open();
    const { session } = serveWan(link, wan);
    const far = new FarEnd(made);
    await far.until((i) => hellos(i) === 1);

    far.send({ t: 'gbcs', id: 1, b: headEnd.command('ECS17b', EUI.esme1) }, 7);
    far.send({ t: 'gbcs', id: 2, b: headEnd.command('ECS17b', EUI.esme2) });
    far.send({ t: 'gbcs', id: 3, b: Uint8Array.of(1, 2, 3) });
    await far.until((i) => gbcsOf(i).length === 2 && i.some((e) => e.t === 'err'));
    expect(far.inbox.filter((e) => e.t === 'ack').map((e) => e.id)).toEqual([1, 2]);
    expect(far.inbox.find((e) => e.t === 'err')).toMatchObject({ id: 3, msg: expect.stringMatching(/not a GBCS frame/) });
    expect(gbcsOf(far.inbox).map((e) => summary(e.b).from)).toEqual([EUI.esme1, EUI.esme2]);
    far.send({ t: 'ack', id: 1 });
    await until(() => session.stats().acked === 1);

    // Unplugged with #2 unacked; an alert raised meanwhile waits in the session.
    MockBinding.reset();
    unplug(made[0]!);
    await until(() => !link.isUp);
    const meanwhile = estate.send(headEnd.command('ECS17b', EUI.esme1));
    if ('error' in meanwhile) throw new Error(meanwhile.error);
    wan.broadcast(meanwhile);
    MockBinding.createPort('/dev/WAN0', { echo: false, record: true });
    await until(() => link.isUp && made.length >= 2);
    far.newPort();
    far.inbox.length = 0;
    await far.until((i) => gbcsOf(i).length === 2);
    expect(far.inbox[0]).toMatchObject({ t: 'ctl', op: 'hello', acked: 1 });
    expect(gbcsOf(far.inbox).map((e) => e.id)).toEqual([2, 3]);
    far.send({ t: 'ack', id: 3 });
    await until(() => session.stats().queued === 0);

    // The far end reopening its side (a pty's other end, a terminal program) says hello: only unacked goes again.
    far.inbox.length = 0;
    far.send({ t: 'gbcs', id: 4, b: headEnd.command('ECS17b', EUI.esme2) });
    await far.until((i) => gbcsOf(i).length === 1);
    far.send({ t: 'ctl', op: 'hello' });
    await far.until((i) => gbcsOf(i).length === 2 && hellos(i) === 1);
    expect(gbcsOf(far.inbox).map((e) => e.id)).toEqual([4, 4]);
    await link.close();
    wan.close();
  });

  it('startSerial runs the same WAN on a mock port', async () => {
    MockBinding.createPort('/dev/WAN1', { echo: false, record: true });
    const { ports, made } = mockFactory();
    const out: string[] = [];
    const s = await startSerial({ port: '/dev/WAN1', baud: '115200' }, (l) => out.push(l), () => {}, ports);
    expect(out).toEqual(['serial: /dev/WAN1 at 115200 baud: WAN of 2 premises (seed serve)']);
    const far = new FarEnd(made);
    await far.until((i) => hellos(i) === 1);
    far.send({ t: 'ctl', op: 'list', id: 9 });
    await far.until((i) => i.some((e) => e.t === 'ctl' && e.op === 'list'));
    expect(far.inbox.find((e) => e.t === 'ctl' && e.op === 'list')).toMatchObject({ id: 9, ok: true, premises: [{ id: 'house-1' }, { id: 'flat-2' }] });
    await s.stop();
  });
});

describe('HAN devices bridged over a mock serial port', () => {
  it('startSerial --role devices bridges the chosen premises, and asks which one when there are several', async () => {
    await expect(startSerial({ port: '/dev/HAN1', role: 'devices' }, () => {}, () => {})).rejects.toThrow('--role devices: say which premises with --premises (one of house-1, flat-2)');
    MockBinding.createPort('/dev/HAN1', { echo: false, record: true });
    const { ports, made } = mockFactory();
    const out: string[] = [];
    const s = await startSerial({ port: '/dev/HAN1', role: 'devices', premises: 'flat-2' }, (l) => out.push(l), () => {}, ports);
    expect(out).toEqual([`serial: /dev/HAN1 at 115200 baud: HAN devices of premises flat-2 (${EUI.esme2}, ${EUI.gsme2})`]);
    const far = new FarEnd(made);
    await far.until((i) => hellos(i) === 1);
    expect(far.inbox[0]).toMatchObject({ role: 'devices', premises: 'flat-2', hub: EUI.hub2 });
    await s.stop();
  });

  it('answers the hub\'s han frames as the device, refuses unknown devices, and moves time on request', async () => {
    MockBinding.createPort('/dev/HAN0', { echo: false, record: true });
    const { ports, made } = mockFactory();
    const { estate, headEnd } = await testEstate();
    const house = estate.get('house-1')!;
    const link = new SerialLink({ path: '/dev/HAN0', ports, pace: false, keepWhileDown: true });
    await link.open();
    const bridge = bridgeDevices(link, house, { clock: estate.clock });
    const far = new FarEnd(made);
    await far.until((i) => hellos(i) === 1);
    expect(far.inbox[0]).toMatchObject({ t: 'ctl', op: 'hello', role: 'devices', premises: 'house-1', devices: [{ eui: EUI.esme1, kind: 'esme' }, { eui: EUI.gsme1, kind: 'gsme' }] });

    const hub = euiBytes('00DB1234567890FF');
    far.send({ t: 'han', from: hub, to: euiBytes(EUI.esme1), b: headEnd.command('ECS17b', EUI.esme1) });
    await far.until((i) => i.some((e) => e.t === 'han'));
    const han = far.inbox.find((e): e is Extract<Envelope, { t: 'han' }> => e.t === 'han')!;
    expect(euiText(han.from)).toBe(EUI.esme1);
    expect(euiText(han.to)).toBe('00DB1234567890FF');
    expect(summary(han.b)).toMatchObject({ cra: 'response', from: EUI.esme1, messageCode: 0x0027 });

    far.send({ t: 'han', from: hub, to: euiBytes(EUI.esme2), b: Uint8Array.of(1) });
    far.send({ t: 'gbcs', id: 5, b: Uint8Array.of(1) });
    far.send({ t: 'ctl', op: 'advance', id: 6, by: '1h' });
    await far.until((i) => i.filter((e) => e.t === 'err').length === 2 && i.some((e) => e.t === 'ctl' && e.op === 'advance'));
    expect(far.inbox.filter((e) => e.t === 'err').map((e) => (e as { msg: string }).msg)).toEqual([
      `han: no device ${EUI.esme2} at premises house-1 (it has ${EUI.esme1}, ${EUI.gsme1})`,
      'gbcs: this port bridges HAN devices; send their frames as han envelopes',
    ]);
    expect(far.inbox.find((e) => e.t === 'ctl' && e.op === 'advance')).toMatchObject({ id: 6, ok: true, now: '2026-01-01T01:00:00.000Z' });
    expect(bridge.stats).toMatchObject({ fromHub: 1, refused: 2 });
    await link.close();
  });
});
