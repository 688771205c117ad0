import { describe, expect, it } from 'vitest';
import { type Eui64, parseEui64 } from '../protocols/eui.js';
import { ecdhSharedSecret, makeUtrn } from '../protocols/crypto/index.js';
import type { AccessRequestSpec, DlmsAccessResponse, DlmsData } from '../protocols/gbcs/dlms/index.js';
import { decodeFrameWithLayout, type GroupingHeader, type OtherInfo } from '../protocols/gbcs/frame.js';
import { ruleFor } from '../protocols/gbcs/authority.js';
import { sealFrame } from '../protocols/gbcs/seal.js';
import { createSecurityContext, verifyFrame } from '../protocols/gbcs/security.js';
import type { DlmsDateTime } from '../protocols/gbcs/time.js';
import { ManualClock } from '../firmware-sim/clock.js';
import type { DeviceKind, Emitted } from '../firmware-sim/device.js';
import { createConsumptionProfile, HALF_HOUR_MS } from '../firmware-sim/profile.js';
import { mmoHash } from '../firmware-sim/dlms/chf.js';
import { arr, bool, dtAt, enm, i32, i8, items, num, nul, obisHex, os, struct, u16, u32, u8 } from '../firmware-sim/dlms/data.js';
import { headEndKeystore, keystore, simDevice } from './device-harness.js';
import { toHex } from '../protocols/bytes.js';

/*
 * A head-end's view of the DLMS engine: commands sealed with the RTDS organisations' keys (the supplier's DS
 * key signs critical commands, the ACB's KA key MACs every command for the device's own KA key), sent to a
 * simulated ESME or comms hub, and what comes back. Each test follows state from one command to the next.
 */

const ks = keystore;
const SUPPLIER = parseEui64('90B3D51F30010000');
const NETWORK_OPERATOR = parseEui64('90B3D51F30020000');
const ACB = ks.acb()!;
const ESME = parseEui64('00DB1234567890A0');
const CHF = parseEui64('00DB1234567890A2');
const T0 = Date.UTC(2015, 0, 1);
const DAY = 86_400_000;

const o = obisHex;
const get = (classId: number, obisText: string, attribute: number): AccessRequestSpec => ({ type: 'get', classId, obis: o(obisText), attribute });
const set = (classId: number, obisText: string, attribute: number): AccessRequestSpec => ({ type: 'set', classId, obis: o(obisText), attribute });
const act = (classId: number, obisText: string, method: number): AccessRequestSpec => ({ type: 'action', classId, obis: o(obisText), method });
const range = (classId: number, obisText: string, from: number, to: number): AccessRequestSpec => ({
  type: 'get-with-selection',
  classId,
  obis: o(obisText),
  attribute: 2,
  selector: 1,
  parameters: struct(struct(u16(8), os(o('0-0:1.0.0.255')), i8(2), u16(0)), u32((from - Date.UTC(2000, 0, 1)) / 1000), u32((to - Date.UTC(2000, 0, 1)) / 1000), arr([])),
});

const ZERO: DlmsDateTime = { year: 0, month: 0, day: 0, dayOfWeek: 0, hour: 0, minute: 0, second: 0, hundredths: 0, deviation: -32768, clockStatus: 0xff };
const NEVER: DlmsDateTime = { year: 0xffff, month: 0xff, day: 0xff, dayOfWeek: 0xff, hour: 0xff, minute: 0xff, second: 0xff, hundredths: 0xff, deviation: -32768, clockStatus: 0xff };
const now = (): DlmsData => ({ type: 'date-time', value: ZERO });
const never = (): DlmsData => ({ type: 'date-time', value: NEVER });

interface Answer {
  /** The command's originator counter. */
  counter: bigint;
  response: DlmsAccessResponse;
  results: number[];
  data: DlmsData[];
  decrypted: DlmsData[];
  alerts: Emitted[];
}

function rig(kind: DeviceKind = 'esme', eui: Eui64 = ESME) {
  const clock = new ManualClock(T0);
  const { device } = simDevice({ kind, eui, clock, rngSeed: `dlms behaviour ${kind}`, keySeed: 'dlms behaviour keys', alertCounter: 2000n });
  const counters = new Map<Eui64, bigint>([
    [SUPPLIER, 1000n],
    [NETWORK_OPERATOR, 1200n],
    [ACB, 1300n],
  ]);

  /** The head-end decrypts with the organisations' private KA keys and the device's public one. */
  function decrypt(bytes: Uint8Array): DlmsData[] {
    const { frame, layout } = decodeFrameWithLayout(bytes);
    if (frame.kind === 'gbt') throw new Error('GBT');
    return verifyFrame(bytes, frame, layout, createSecurityContext(headEndKeystore(device, eui, [SUPPLIER, NETWORK_OPERATOR, ACB]))).decrypted.map((d) => {
      if (d.status !== 'decrypted') throw new Error(`encrypted part does not decrypt: ${d.status}`);
      return d.value as DlmsData;
    });
  }

  /** The organisation allowed to send the use case (supplier first), unless the test names one. */
  function originatorFor(messageCode: number): Eui64 {
    const roles = ruleFor(messageCode)?.roles ?? [2];
    return roles.includes(2) ? SUPPLIER : roles.includes(3) ? NETWORK_OPERATOR : ACB;
  }

  function send(messageCode: number, specs: AccessRequestSpec[], data: DlmsData[], from: Eui64 = originatorFor(messageCode)): Answer {
    const counter = counters.get(from)! + 1n;
    counters.set(from, counter);
    const otherInfo: OtherInfo =
      from === ACB ? { form: 'supplementary', messageCode, remotePartyId: SUPPLIER, remotePartyCounter: counter } : { form: 'code', messageCode };
    const header: GroupingHeader = { cra: 'command', counter, originator: from, target: eui, dateTime: null, otherInfo };
    const critical = ruleFor(messageCode)?.signature === 'required';
    const bytes = sealFrame(
      header,
      { family: 'dlms', dlms: { type: 'access-request', invokeIdAndPriority: 0x20000000 | Number(counter & 0xffffffn), dateTime: null, specs, data } },
      { ...(critical ? { sign: ks.privateKey(from, 'ds')! } : {}), macSecret: ecdhSharedSecret(ks.privateKey(ACB, 'ka')!, device.kaPublicKey) },
    );
    const out = device.receive(bytes);
    const resp = out.find((e) => e.kind === 'response');
    if (!resp) throw new Error(`no response: ${device.refusals.at(-1)?.reason}`);
    const { frame } = decodeFrameWithLayout(resp.bytes);
    if (frame.kind === 'gbt' || frame.payload.family !== 'dlms' || frame.payload.dlms.type !== 'access-response') throw new Error('not an access-response');
    const response = frame.payload.dlms;
    expect(response.invokeIdAndPriority).toBe(0x20000000 | Number(counter & 0xffffffn));
    return { counter, response, results: response.results.map((r) => r.result), data: response.data, decrypted: decrypt(resp.bytes), alerts: out.filter((e) => e.kind === 'alert') };
  }

  function advance(ms: number): Emitted[] {
    clock.set(clock.nowMs() + ms);
    return device.tick();
  }

  function alertBody(a: Emitted): DlmsData[] {
    const { frame } = decodeFrameWithLayout(a.bytes);
    if (frame.kind === 'gbt' || frame.payload.family !== 'dlms' || frame.payload.dlms.type !== 'data-notification') throw new Error('not a DLMS alert');
    return items(frame.payload.dlms.body);
  }

  return { clock, device, send, advance, alertBody, decrypt };
}

const ascii = (s: string) => os(Buffer.from(s, 'latin1').toString('hex'));
const protectedRead = (classId: number, obisText: string, selection?: [number, number]): DlmsData =>
  struct(
    arr([
      struct(
        u16(classId),
        os(o(obisText)),
        i8(2),
        u16(0),
        selection ? struct(enm(1), struct(dtAt(new Date(selection[0])), dtAt(new Date(selection[1])))) : struct(enm(0), nul()),
      ),
    ]),
    arr([struct(enm(2), struct(os('04' + '0'.repeat(13) + '3E8'), os(SUPPLIER), os(ESME), os(''), struct(enm(2), struct(os('02'), os('')))))]),
  );

describe('ESME load switch', () => {
  it('opens, arms and closes the supply, and the disconnect control reads each state back', () => {
    const r = rig();
    const state = () => r.send(0x0052, [get(70, '0-0:96.3.10.255', 2), get(70, '0-0:96.3.10.255', 3)], [nul(), nul()]).data.map((d) => (d.type === 'boolean' ? d.value : num(d)));
    expect(state()).toEqual([true, 1]);
    expect(r.send(0x0050, [act(9, '0-0:10.0.106.255', 1)], [u16(52)]).results).toEqual([0]);
    expect(state()).toEqual([false, 0]);
    expect(r.send(0x0051, [act(9, '0-0:10.0.106.255', 1)], [u16(54)]).results).toEqual([0]);
    expect(state()).toEqual([false, 2]);
    expect(r.send(0x004f, [act(9, '0-0:10.0.106.255', 1)], [u16(51)]).results).toEqual([0]);
    expect(state()).toEqual([true, 1]);
    // A script the table does not hold, and a parameter of the wrong type.
    expect(r.send(0x004f, [act(9, '0-0:10.0.106.255', 1)], [u16(53)]).results).toEqual([250]);
    expect(r.send(0x004f, [act(9, '0-0:10.0.106.255', 1)], [i32(51)]).results).toEqual([12]);
  });
});

describe('access results', () => {
  it('answers object-undefined, type-unmatched and read-write-denied, and stops after the first failure', () => {
    const r = rig();
    const a = r.send(0x004e, [get(1, '0-0:99.99.99.255', 2), get(1, '0-0:94.44.34.11', 2)], [nul(), nul()]);
    expect(a.results).toEqual([4, 250]);
    expect(r.send(0x004c, [set(1, '0-0:94.44.34.11', 2)], [u16(1)]).results).toEqual([12]);
    expect(r.send(0x004c, [set(3, '1-0:1.8.0.255', 2)], [u32(1)]).results).toEqual([3]);
    const mpan = ascii('1200023456789');
    expect(r.send(0x004c, [set(1, '0-0:94.44.34.11', 2)], [mpan]).results).toEqual([0]);
    expect(r.send(0x004e, [get(1, '0-0:94.44.34.11', 2)], [nul()]).data[0]).toEqual(mpan);
  });
});

describe('tariffs and future dating', () => {
  const dayProfile = (selector: number) => arr([struct(u8(1), arr([struct(os('00000000'), os(o('0-0:10.0.100.255')), u16(selector))]))]);
  const readActiveDays = (r: ReturnType<typeof rig>) => r.send(0x003a, [get(20, '0-0:13.0.0.255', 5)], [nul()]).data[0]!;

  it('makes a future-dated day profile active when its time comes and reports the outcome (8F66)', () => {
    const r = rig();
    const before = readActiveDays(r);
    const at = new Date(T0 + 2 * DAY + 9 * 3_600_000);
    const a = r.send(0x0019, [set(20, '0-0:13.0.0.255', 9), set(20, '0-0:13.0.0.255', 10)], [dayProfile(2), dtAt(at)]);
    expect(a.results).toEqual([0, 0]);
    expect(a.response.data).toEqual([nul(), nul()]);
    // Passive until then.
    expect(readActiveDays(r)).toEqual(before);
    expect(r.send(0x003a, [get(20, '0-0:13.0.0.255', 9)], [nul()]).data[0]).toEqual(dayProfile(2));
    expect(r.advance(DAY)).toEqual([]);
    const alerts = r.advance(2 * DAY);
    const outcome = alerts.filter((x) => x.messageCode === 0x00cc);
    expect(outcome).toHaveLength(1);
    expect(outcome[0]!.to).toBe(SUPPLIER);
    const [code, time, ref] = r.alertBody(outcome[0]!);
    expect(num(code)).toBe(0x8f66);
    expect(time).toEqual(dtAt(at));
    // Message code, the command's counter, then class 20, the calendar's OBIS and attribute 10.
    expect(ref).toEqual(os(`0019${a.counter.toString(16).padStart(16, '0')}0014${o('0-0:13.0.0.255')}0A`));
    expect(readActiveDays(r)).toEqual(dayProfile(2));
  });

  it('cancels a pending activation when the same date-time is written as "never"', () => {
    const r = rig();
    const before = readActiveDays(r);
    r.send(0x0019, [set(20, '0-0:13.0.0.255', 9), set(20, '0-0:13.0.0.255', 10)], [dayProfile(3), dtAt(new Date(T0 + DAY))]);
    r.send(0x0019, [set(20, '0-0:13.0.0.255', 10)], [never()]);
    expect(r.advance(2 * DAY).filter((x) => x.messageCode === 0x00cc)).toEqual([]);
    expect(readActiveDays(r)).toEqual(before);
  });

  it('activates immediately on the all-zero date-time, and the new rate books the energy', () => {
    const r = rig();
    const readTou = () => items(items(items(r.send(0x0029, [act(30, '0-0:43.2.9.255', 1)], [protectedRead(1, '0-0:94.44.34.1')]).decrypted[0])[0])[0]).map((x) => num(x)!);
    const before = readTou();
    expect(r.send(0x0019, [set(20, '0-0:13.0.0.255', 9), set(20, '0-0:13.0.0.255', 10)], [dayProfile(7), now()]).results).toEqual([0, 0]);
    expect(readActiveDays(r)).toEqual(dayProfile(7));
    r.advance(DAY);
    const after = readTou();
    expect(after[6]! - before[6]!).toBeGreaterThan(1000);
    expect(after[0]).toBe(before[0]);
  });

  it('holds block thresholds until the threshold matrix activates', () => {
    const r = rig();
    const thresholds = () => r.send(0x003a, [get(21, '0-0:16.1.11.255', 2)], [nul()]).data[0];
    const before = thresholds();
    const a = r.send(0x0019, [set(21, '0-0:16.1.11.255', 2), set(9000, '0-0:63.1.1.255', 6)], [arr([u32(5000), u32(0xffffffff)]), dtAt(new Date(T0 + DAY))]);
    expect(a.results).toEqual([0, 0]);
    expect(thresholds()).toEqual(before);
    r.advance(DAY);
    expect(thresholds()).toEqual(arr([u32(5000), u32(0xffffffff)]));
  });
});

describe('prepayment', () => {
  const balance = (r: ReturnType<typeof rig>) => num(r.send(0x0069, [get(112, '0-0:19.10.0.255', 2)], [nul()]).data[0])!;
  const token = (r: ReturnType<typeof rig>, counter: bigint, pounds: number) =>
    makeUtrn({ key: { privateKey: ks.privateKey(SUPPLIER, 'pp-ka')!, publicKey: r.device.kaPublicKey }, supplier: SUPPLIER, device: ESME, counter, value: pounds, valueClass: 'pounds' });

  it('credits an authentic UTRN once, and refuses replays and forgeries with their alerts', () => {
    const r = rig();
    const b0 = balance(r);
    const utrn = token(r, 3n << 32n, 10);
    expect(r.send(0x0007, [act(115, '0-0:19.40.0.255', 1)], [ascii(utrn)]).results).toEqual([0]);
    expect(balance(r)).toBe(b0 + 1_000_000);
    const replay = r.send(0x0007, [act(115, '0-0:19.40.0.255', 1)], [ascii(utrn)]);
    expect(replay.results).toEqual([250]);
    expect(replay.alerts.map((a) => a.alertCode)).toEqual([0x8f51]);
    // An old counter is a replay too, even with a token never seen.
    expect(r.send(0x0007, [act(115, '0-0:19.40.0.255', 1)], [ascii(token(r, 2n << 32n, 5))]).alerts.map((a) => a.alertCode)).toEqual([0x8f51]);
    // A token made for another meter's key does not verify here.
    const other = makeUtrn({ key: { privateKey: ks.privateKey(SUPPLIER, 'pp-ka')!, publicKey: ks.publicKey(ESME, 'ka')! }, supplier: SUPPLIER, device: ESME, counter: 4n << 32n, value: 10, valueClass: 'pounds' });
    const forged = r.send(0x0007, [act(115, '0-0:19.40.0.255', 1)], [ascii(other)]);
    expect(forged.results).toEqual([250]);
    expect(forged.alerts.map((a) => a.alertCode)).toEqual([0x8f63]);
    expect(balance(r)).toBe(b0 + 1_000_000);
    // Above the maximum credit threshold (£50 by default).
    expect(r.send(0x0007, [act(115, '0-0:19.40.0.255', 1)], [ascii(token(r, 5n << 32n, 60))]).alerts.map((a) => a.alertCode)).toEqual([0x8f5b]);
  });

  it('switches to prepayment, drains the balance with use, disables the supply, and arms it on top-up', () => {
    const r = rig();
    const mode = r.send(0x001b, [set(111, '0-1:19.0.0.255', 2), set(111, '0-1:19.0.0.255', 13)], [struct(enm(2), enm(2)), now()]);
    expect(mode.results).toEqual([0, 0]);
    expect(r.send(0x00be, [get(111, '0-0:19.0.0.255', 2)], [nul()]).data[0]).toEqual(struct(enm(2), enm(2)));
    // Leave 30p on the meter and no emergency credit.
    expect(r.send(0x00b3, [act(112, '0-0:19.10.0.255', 2), act(112, '0-0:19.10.1.255', 2)], [i32(30_000), i32(0)]).results).toEqual([0, 0]);
    const supply = () => num(r.send(0x0052, [get(70, '0-0:96.3.10.255', 3)], [nul()]).data[0]);
    expect(supply()).toBe(1);
    const alerts = r.advance(2 * DAY);
    expect(alerts.map((a) => a.alertCode)).toContain(0x8f0f);
    expect(supply()).toBe(0);
    expect(balance(r)).toBeLessThan(0);
    const topUp = r.send(0x0007, [act(115, '0-0:19.40.0.255', 1)], [ascii(token(r, 1n << 32n, 20))]);
    expect(topUp.results).toEqual([0]);
    expect(topUp.alerts.map((a) => a.alertCode)).toContain(0x8f32);
    expect(supply()).toBe(2);
  });
});

describe('energy registers, profiles and billing', () => {
  it('registers grow with the consumption profile and the half-hour profile adds up to the same energy', () => {
    const r = rig();
    const importRegister = () => num(items(items(r.send(0x0027, [act(30, '0-0:43.2.8.255', 1)], [protectedRead(1, '0-0:94.44.34.10')]).decrypted[0])[0])[0])!;
    const a = importRegister();
    r.advance(DAY);
    const b = importRegister();
    expect(b).toBeGreaterThan(a);
    const rows = items(items(r.send(0x0037, [act(30, '0-0:43.2.7.255', 1)], [protectedRead(7, '0-0:99.1.0.255', [T0 + HALF_HOUR_MS, T0 + DAY])]).decrypted[0])[0]);
    expect(rows).toHaveLength(48);
    const wh = rows.map((row) => num(items(row)[1])!);
    expect(Math.abs(wh.reduce((s, x) => s + x, 0) - (b - a))).toBeLessThanOrEqual(48);
    // Not flat: the evening peak is well above the small hours.
    expect(Math.max(...wh)).toBeGreaterThan(2 * Math.min(...wh));
  });

  it('takes a billing snapshot on the billing calendar and pushes it encrypted to the supplier (ECS68)', () => {
    const r = rig();
    const alerts = r.advance(31 * DAY + 3_600_000);
    const billing = alerts.filter((a) => a.messageCode === 0x0061);
    expect(billing).toHaveLength(1);
    expect(billing[0]!.to).toBe(SUPPLIER);
    const [code, , params] = r.alertBody(billing[0]!);
    expect(num(code)).toBe(0x8f0a);
    expect(items(items(items(params)[0])[1])[0]).toEqual(os(`04${billing[0]!.counter.toString(16).padStart(16, '0').toUpperCase()}`));
    const [log] = items(r.decrypt(billing[0]!.bytes)[0]);
    const row = items(log)[0]!;
    expect(num(items(row)[0])).toBe((Date.UTC(2015, 1, 1) - Date.UTC(2000, 0, 1)) / 1000);
    // The same row reads back from the billing data log.
    const read = r.send(0x0030, [act(30, '0-0:43.2.2.255', 1)], [protectedRead(7, '0-0:98.1.0.255', [Date.UTC(2015, 0, 15), Date.UTC(2015, 1, 15)])]);
    expect(items(items(read.decrypted[0])[0])).toEqual([row]);
  });

  it('resets RMS voltage counters and clears logs', () => {
    const r = rig();
    expect(r.send(0x00d3, [act(3, '1-0:32.32.0.4', 1)], [i8(0)]).results).toEqual([0]);
    expect(r.send(0x0039, [get(3, '1-0:32.32.0.4', 2)], [nul()]).data[0]).toEqual(u32(0));
    r.send(0x0050, [act(9, '0-0:10.0.106.255', 1)], [u16(54)]);
    const log = () => items(r.send(0x0048, [range(7, '0-0:99.98.0.255', T0 - DAY, T0 + DAY)], [nul()]).data[0]);
    expect(log().length).toBeGreaterThan(0);
    expect(r.send(0x0024, [act(7, '0-0:99.98.0.255', 1)], [i8(0)]).results).toEqual([0]);
    expect(log()).toEqual([]);
  });
});

describe('clock', () => {
  it('moves to a preset time inside the validity window, and refuses outside it', () => {
    const r = rig();
    const preset = new Date(T0 + 3_600_000);
    const a = r.send(
      0x0062,
      [act(8, '0-0:1.0.0.255', 5), act(8, '0-0:1.0.0.255', 4), get(8, '0-0:1.0.0.255', 2)],
      [struct(dtAt(preset), dtAt(new Date(T0 - 10_000)), dtAt(new Date(T0 + 10_000))), i8(0), nul()],
    );
    expect(a.results).toEqual([0, 0, 0]);
    expect(a.data[2]).toEqual(dtAt(preset));
    r.advance(60_000);
    expect(r.send(0x0062, [get(8, '0-0:1.0.0.255', 2)], [nul()]).data[0]).toEqual(dtAt(new Date(preset.getTime() + 60_000)));
    const late = r.send(0x0062, [act(8, '0-0:1.0.0.255', 5), act(8, '0-0:1.0.0.255', 4)], [struct(dtAt(preset), dtAt(new Date(T0)), dtAt(new Date(T0 + 10_000))), i8(0)]);
    expect(late.results).toEqual([0, 250]);
    expect(late.alerts.map((x) => x.alertCode)).toEqual([0x81c6]);
  });
});

describe('generic alerts', () => {
  it('a command that fails the security gate is answered by a DLMS GCA built by the engine', () => {
    const r = rig();
    const header: GroupingHeader = { cra: 'command', counter: 5000n, originator: SUPPLIER, target: ESME, dateTime: null, otherInfo: { form: 'code', messageCode: 0x0059 } };
    const bytes = sealFrame(
      header,
      { family: 'dlms', dlms: { type: 'access-request', invokeIdAndPriority: 0x20001388, dateTime: null, specs: [get(1, '0-0:0.2.1.255', 2)], data: [nul()] } },
      { macSecret: new Uint8Array(32) },
    );
    const out = r.device.receive(bytes);
    expect(out.map((e) => [e.kind, e.messageCode, e.alertCode])).toEqual([['alert', 0x1000, 0x8f1e]]);
    const [code, time] = r.alertBody(out[0]!);
    expect(num(code)).toBe(0x8f1e);
    expect(time).toEqual(dtAt(new Date(T0)));
  });
});

describe('comms hub device log', () => {
  it('adds, lists, backs up and removes devices, telling the DCC of every change (CS14)', () => {
    const r = rig('chf', CHF);
    const code = Buffer.from('0123456789ABCDEF', 'latin1').toString('hex');
    const add = r.send(0x0001, [act(104, '0-0:30.3.0.255', 1), set(104, '0-0:30.3.0.255', 3), set(104, '0-0:30.3.0.255', 2)], [struct(os(ESME), enm(1), os(code), enm(0)), u16(90), bool(true)], ACB);
    expect(add.results).toEqual([0, 0, 0]);
    expect(add.alerts.map((a) => [a.messageCode, a.to])).toEqual([[0x0018, ACB]]);
    const listed = () => items(r.send(0x0004, [get(104, '0-0:30.3.0.255', 4)], [nul()], ACB).data[0]).map((e) => items(e)[0]);
    expect(listed()).toEqual([os(ESME)]);
    const backup = r.send(0x00fe, [act(104, '0-0:30.3.0.255', 4)], [nul()], ACB).data[0]!;
    expect(items(items(backup)[2])).toEqual([struct(os(ESME), os(toHex(mmoHash(Buffer.from(code, 'hex')))))]);
    const cs14 = r.alertBody(add.alerts[0]!);
    expect(num(cs14[0])).toBe(0x8f12);
    expect(items(cs14[2])[2]).toEqual(items(backup)[2]);
    const removed = r.send(0x0002, [act(104, '0-0:30.3.0.255', 2)], [os(ESME)], ACB);
    expect(removed.results).toEqual([0]);
    expect(removed.alerts).toHaveLength(1);
    expect(listed()).toEqual([]);
  });

  it('has no Sub GHz objects of its own: the dual band use cases are refused as object-undefined', () => {
    const r = rig('chf', CHF);
    expect(r.send(0x010a, [get(1, '0-0:94.44.10.2', 2)], [nul()], ACB).results).toEqual([4]);
  });
});

describe('consumption profile', () => {
  const p = createConsumptionProfile({ seed: 'test premises', annualKWh: 3100 });
  const day = (t: number) => p.integrate(p.importWh, t, t + DAY);

  it('is a pure function of seed and time', () => {
    const q = createConsumptionProfile({ seed: 'test premises', annualKWh: 3100 });
    for (const t of [T0, T0 + 12345678, Date.UTC(2016, 6, 4, 18)]) expect(q.importWh(t)).toBe(p.importWh(t));
    expect(createConsumptionProfile({ seed: 'other', annualKWh: 3100 }).importWh(T0 + 3 * HALF_HOUR_MS)).not.toBe(p.importWh(T0 + 3 * HALF_HOUR_MS));
  });

  it('has a daily shape (evening peak over the small hours) and a seasonal one (winter over summer)', () => {
    let evening = 0;
    let night = 0;
    for (let d = 0; d < 28; d++) {
      const base = Date.UTC(2015, 1, 1) + d * DAY;
      evening += p.importWh(base + 18.5 * 3_600_000);
      night += p.importWh(base + 3.5 * 3_600_000);
    }
    expect(evening).toBeGreaterThan(2 * night);
    let jan = 0;
    let jul = 0;
    for (let d = 0; d < 31; d++) {
      jan += day(Date.UTC(2015, 0, 1) + d * DAY);
      jul += day(Date.UTC(2015, 6, 1) + d * DAY);
    }
    expect(jan).toBeGreaterThan(1.4 * jul);
    let year = 0;
    for (let d = 0; d < 365; d++) year += day(Date.UTC(2015, 0, 1) + d * DAY);
    expect(year / 1000).toBeGreaterThan(3100 * 0.8);
    expect(year / 1000).toBeLessThan(3100 * 1.2);
  });
});
