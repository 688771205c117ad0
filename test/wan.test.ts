import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Encoder } from 'cbor-x';
import { Wan } from '../hub/wan.js';
import type { Outbound } from '../hub/estate.js';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../protocols/control/envelope.js';
import { DBCH04_PARAMS, EUI, summary, testEstate } from './wan-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wan-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake transport: what the session sent, decoded. */
function wire() {
  const got: Envelope[] = [];
  return { got, send: (b: Uint8Array) => void got.push(decodeEnvelope(b)) };
}

const fakeAlert = (n: number): Outbound => ({ kind: 'alert', from: EUI.hub1 as never, to: EUI.hub1 as never, messageCode: 0x8f84, counter: BigInt(n), bytes: new Uint8Array(200).fill(n & 0xff), premises: 'house-1' });

describe('WanSession (transport-agnostic)', () => {
  it('acks a command, then sends its response and alert; acked ones are not sent again', async () => {
    const { estate, headEnd } = await testEstate();
    const wan = new Wan(estate, { spillPath: (c) => join(dir, `${c}.spill`) });
    const s = wan.session('he');
    const w = wire();
    s.attach(w.send);
    expect(w.got[0]).toEqual({ t: 'ctl', op: 'hello', client: 'he', acked: 0 });
    s.receive(encodeEnvelope({ t: 'gbcs', id: 41, b: headEnd.command('DBCH04', EUI.hub1, 'acb', DBCH04_PARAMS) }));
    expect(w.got.slice(1).map((e) => (e.t === 'gbcs' ? `gbcs ${e.id}` : e.t === 'ack' ? `ack ${e.id}` : e.t))).toEqual(['ack 41', 'gbcs 1', 'gbcs 2']);
    const [resp, alert] = w.got.slice(2).map((e) => summary((e as { b: Uint8Array }).b));
    expect(resp).toMatchObject({ cra: 'response', messageCode: 0x010d });
    expect(alert).toMatchObject({ cra: 'alert', alertCode: 0x8f2a });

    s.receive(encodeEnvelope({ t: 'ack', id: 1 }));
    s.detach();
    const w2 = wire();
    s.attach(w2.send);
    expect(w2.got.map((e) => (e.t === 'gbcs' ? e.id : e))).toEqual([{ t: 'ctl', op: 'hello', client: 'he', acked: 1 }, 2]);
    s.receive(encodeEnvelope({ t: 'ack', id: 2 }));
    expect(s.stats()).toMatchObject({ queued: 0, acked: 2, lastId: 2 });
    wan.close();
  });

  it('answers malformed input, unknown devices and bad acks with err (with the id when known)', async () => {
    const { estate } = await testEstate();
    const wan = new Wan(estate, { spillPath: (c) => join(dir, `${c}.spill`) });
    const s = wan.session('bad');
    const w = wire();
    s.attach(w.send);
    const raw = new Encoder({ useRecords: false, tagUint8Array: false });
    s.receive(new Uint8Array([0xff, 0x00]));
    s.receive(raw.encode({ t: 'gbcs', id: 5, b: 'not bytes' }));
    s.receive(raw.encode({ t: 'what', id: 6 }));
    s.receive(encodeEnvelope({ t: 'gbcs', id: 7, b: new Uint8Array([1, 2, 3]) }));
    s.receive(encodeEnvelope({ t: 'ack', id: 99 }));
    s.receive(encodeEnvelope({ t: 'han', from: new Uint8Array(8), to: new Uint8Array(8), b: new Uint8Array(1) }));
    s.receive(encodeEnvelope({ t: 'ctl', op: 'teleport', id: 8 }));
    s.receive(encodeEnvelope({ t: 'ctl', op: 'advance', id: 9, by: 'soon' }));
    s.receive(encodeEnvelope({ t: 'ctl', op: 'inject', id: 10, premises: 'nowhere', level: -60 }));
    const errs = w.got.slice(1);
    expect(errs.every((e) => e.t === 'err')).toBe(true);
    expect(errs.map((e) => (e as { id?: number }).id)).toEqual([undefined, 5, 6, 7, 99, undefined, 8, 9, 10]);
    expect(errs.map((e) => (e as { msg: string }).msg)).toEqual([
      expect.stringMatching(/^not CBOR/),
      expect.stringMatching(/field b: expected a byte string/),
      expect.stringMatching(/unknown envelope type "what"/),
      expect.stringMatching(/not a GBCS frame/),
      expect.stringMatching(/id 99 was never sent/),
      expect.stringMatching(/HAN bridging/),
      expect.stringMatching(/unknown control operation "teleport"/),
      expect.stringMatching(/field by: expected a duration/),
      expect.stringMatching(/no premises nowhere/),
    ]);
    wan.close();
  });

  it('ctl: list, inject, advance (alerts to every session), snapshot', async () => {
    const { estate } = await testEstate();
    const wan = new Wan(estate, { spillPath: (c) => join(dir, `${c}.spill`) });
    const a = wan.session('a');
    const b = wan.session('b'); // never connected: alerts wait for it
    const w = wire();
    a.attach(w.send);
    a.receive(encodeEnvelope({ t: 'ctl', op: 'list', id: 1 }));
    const list = w.got.at(-1) as Record<string, unknown>;
    expect(list).toMatchObject({ t: 'ctl', op: 'list', id: 1, ok: true, now: '2026-01-01T00:00:00.000Z' });
    expect((list.premises as Array<{ id: string; devices: unknown[] }>).map((p) => [p.id, p.devices.length])).toEqual([['house-1', 2], ['flat-2', 2]]);

    a.receive(encodeEnvelope({ t: 'ctl', op: 'advance', id: 2, by: '5m' }));
    a.receive(encodeEnvelope({ t: 'ctl', op: 'inject', id: 3, premises: 'house-1', band: 'subGHz', level: -62, duration: '3h' }));
    expect(w.got.at(-1)).toMatchObject({ t: 'ctl', op: 'inject', id: 3, ok: true, premises: 'house-1' });
    a.receive(encodeEnvelope({ t: 'ctl', op: 'advance', id: 4, by: '30m' }));
    const adv = w.got.find((e) => e.t === 'ctl' && e.id === 4) as Record<string, unknown>;
    expect(adv).toMatchObject({ ok: true, now: '2026-01-01T00:35:00.000Z' });
    expect(adv.alerts).toBeGreaterThanOrEqual(1);
    const alerts = w.got.filter((e) => e.t === 'gbcs').map((e) => summary((e as { b: Uint8Array }).b).alertCode);
    expect(alerts).toContain(0x8f26); // the scan moved the Sub GHz channel
    expect(b.stats().queued).toBe(alerts.length);

    a.receive(encodeEnvelope({ t: 'ctl', op: 'snapshot', id: 5 }));
    const snap = w.got.at(-1) as unknown as { premises: unknown; live: string[]; sessions: Array<{ client: string; connected: boolean; queued: number }> };
    // Only house-1 was injected into, so only it has been built.
    expect(snap).toMatchObject({ premises: { total: 2, live: 1 }, live: ['house-1'] });
    expect(snap.sessions.map((x) => [x.client, x.connected, x.queued])).toEqual([['a', true, alerts.length], ['b', false, alerts.length]]);
    a.receive(encodeEnvelope({ t: 'ctl', op: 'advance', id: 6, by: '1000w' }));
    expect(w.got.at(-1)).toMatchObject({ t: 'err', id: 6, msg: expect.stringMatching(/smaller steps/) });
    wan.close();
  });

  it('back-pressure: memory holds at most queueLimit; the rest waits on disk and comes in order as acks make room', async () => {
    const { estate } = await testEstate();
    const spill = join(dir, 'slow.spill');
    const wan = new Wan(estate, { queueLimit: 16, spillPath: () => spill });
    const s = wan.session('slow');
    const N = 20_000;
    let maxInMemory = 0;
    for (let i = 0; i < N; i++) {
      wan.broadcast([fakeAlert(i)]);
      maxInMemory = Math.max(maxInMemory, s.stats().inMemory);
    }
    expect(maxInMemory).toBe(16);
    expect(s.stats()).toMatchObject({ queued: N, inMemory: 16, spilled: N - 16 });
    expect(statSync(spill).size).toBeGreaterThan((N - 16) * 200);

    // A connected client that acks slowly: never more than queueLimit unacked in flight.
    const w = wire();
    s.attach(w.send);
    let next = 1;
    let inFlightMax = 0;
    for (let round = 0; round < 10_000 && next <= s.stats().lastId; round++) {
      const fresh = w.got.splice(0).filter((e) => e.t === 'gbcs');
      for (const e of fresh) expect(e.id).toBe(next++);
      inFlightMax = Math.max(inFlightMax, s.stats().inMemory);
      if (fresh.length) s.receive(encodeEnvelope({ t: 'ack', id: next - 1 }));
      // New alerts keep arriving meanwhile; they go behind the spilled ones.
      if (round % 50 === 0 && round < 1000) wan.broadcast([fakeAlert(N + round)]);
    }
    const total = s.stats().lastId;
    expect(next - 1).toBe(total);
    expect(inFlightMax).toBeLessThanOrEqual(16);
    expect(s.stats()).toMatchObject({ queued: 0, spilled: 0 });
    expect(statSync(spill).size).toBe(0); // space given back once caught up
    wan.close();
    expect(existsSync(spill)).toBe(false);
  });
});
