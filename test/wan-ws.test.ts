import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../protocols/control/envelope.js';
import { Client } from './ws-client.js';
import { parseServeConfig, startWsServer, type WsServer } from '../tools/ws-server.js';
import { DBCH04_PARAMS, EUI, summary, testEstate } from './wan-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wan-ws-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gbcsOf = (inbox: Envelope[]) => inbox.filter((e): e is Extract<Envelope, { t: 'gbcs' }> => e.t === 'gbcs');

async function withServer<T>(fn: (s: WsServer, h: Awaited<ReturnType<typeof testEstate>>) => Promise<T>, opts: { bind?: string; token?: string } = {}): Promise<T> {
  const h = await testEstate();
  const s = await startWsServer({ estate: h.estate, port: 0, ...opts, wan: { queueLimit: 64, spillPath: (c) => join(dir, `${c}-${Date.now()}.spill`) } });
  try {
    return await fn(s, h);
  } finally {
    await s.close();
  }
}

describe('WAN over WebSocket', () => {
  it('a head-end sends commands to several premises and gets every response', () =>
    withServer(async (s, { headEnd }) => {
      const c = await Client.open(`${s.url}?client=headend-1`);
      await c.until((i) => i.some((e) => e.t === 'ctl' && e.op === 'hello'));
      const plan = [
        ['ECS17b', EUI.esme1],
        ['ECS17b', EUI.esme2],
        ['ECS42', EUI.esme1],
        ['ECS42', EUI.esme2],
        ['GCS21e', EUI.gsme1],
        ['GCS21e', EUI.gsme2],
      ] as const;
      const sent: Array<{ id: number; counter: bigint; to: string }> = [];
      let id = 100;
      for (let round = 0; round < 5; round++) {
        for (const [uc, to] of plan) {
          const b = headEnd.command(uc, to);
          const f = summary(b);
          sent.push({ id: ++id, counter: f.counter, to });
          c.send({ t: 'gbcs', id, b });
        }
      }
      await c.until((i) => gbcsOf(i).length >= sent.length);
      expect(c.inbox.filter((e) => e.t === 'ack').map((e) => e.id)).toEqual(sent.map((x) => x.id));
      const responses = gbcsOf(c.inbox).map((e) => summary(e.b));
      expect(responses.every((r) => r.cra === 'response')).toBe(true);
      // Each response carries its command's counter and comes from the device the command went to.
      expect(responses.map((r) => `${r.from}/${r.counter}`).sort()).toEqual(sent.map((x) => `${x.to}/${x.counter}`).sort());
      expect(gbcsOf(c.inbox).map((e) => e.id)).toEqual(sent.map((_, i) => i + 1));
      c.ws.close();
    }));

  it('killed and reconnected mid-stream 100 times, the head-end gets every alert exactly once after acking', () =>
    withServer(async (s, { headEnd }) => {
      let rnd = 12345;
      const rand = (n: number) => ((rnd = (rnd * 1103515245 + 12345) & 0x7fffffff), rnd % n);
      const url = `${s.url}?client=headend-1`;
      const seen = new Map<number, Uint8Array>(); // distinct ids the head-end has taken
      let duplicates = 0;
      let highestAckSent = 0;
      let gracefulAck = 0;
      let commands = 0;

      const take = (c: Client, hello: { acked: number }, from: number) => {
        let last = 0;
        for (const e of gbcsOf(c.inbox.slice(from))) {
          // Within one connection ids only go up, and nothing the server had an ack for comes back.
          expect(e.id).toBeGreaterThan(last);
          expect(e.id).toBeGreaterThan(hello.acked);
          last = e.id;
          if (seen.has(e.id)) {
            duplicates++;
            expect(Buffer.from(e.b).equals(Buffer.from(seen.get(e.id)!))).toBe(true);
          } else seen.set(e.id, e.b);
        }
      };
      // Cumulative ack up to the highest id with no gap below it.
      const contiguous = () => {
        let n = highestAckSent;
        while (seen.has(n + 1)) n++;
        return n;
      };

      for (let round = 0; round < 100; round++) {
        const c = await Client.open(url);
        await c.until((i) => i.some((e) => e.t === 'ctl' && e.op === 'hello'));
        const hello = c.inbox.find((e) => e.t === 'ctl' && e.op === 'hello') as unknown as { acked: number };
        expect(hello.acked).toBeGreaterThanOrEqual(gracefulAck);
        expect(hello.acked).toBeLessThanOrEqual(highestAckSent);
        // Alerts raised by commands (DBCH04 → 0x8F2A) and now and then by time passing under interference.
        const n = 1 + rand(3);
        for (let k = 0; k < n; k++) c.send({ t: 'gbcs', id: ++commands, b: headEnd.command('DBCH04', EUI.hub1, 'acb', DBCH04_PARAMS) });
        if (round % 10 === 5) {
          // The hub needs a quiet reading first (its noise baseline), then the noise rises.
          c.send({ t: 'ctl', op: 'advance', id: 3_000_000 + round, by: '5m' });
          c.send({ t: 'ctl', op: 'inject', id: 1_000_000 + round, premises: 'house-1', level: -62, duration: '2h' });
          c.send({ t: 'ctl', op: 'advance', id: 2_000_000 + round, by: '3h' });
        }
        // Take some of the stream, ack part of it, then drop the connection while more is on its way.
        const want = rand(2 * n + 1);
        try {
          await c.until((i) => gbcsOf(i).length >= want, 5_000);
        } catch {
          // fewer arrived: fine, it is the point of the test
        }
        take(c, hello, 0);
        if (rand(3) > 0) {
          highestAckSent = Math.max(highestAckSent, contiguous());
          c.send({ t: 'ack', id: highestAckSent });
        }
        if (rand(4) === 0) {
          // Graceful close: the ack is read before the close, so the server must have taken it.
          await new Promise<void>((r) => {
            c.ws.once('close', () => r());
            c.ws.close();
          });
          gracefulAck = highestAckSent;
        } else {
          c.ws.terminate();
        }
      }

      // Last connection: take everything left, ack it all.
      const total = () => s.wan.session('headend-1').stats().lastId;
      const c = await Client.open(url);
      await c.until((i) => i.some((e) => e.t === 'ctl' && e.op === 'hello'));
      const hello = c.inbox.find((e) => e.t === 'ctl' && e.op === 'hello') as unknown as { acked: number };
      for (let i = 0; i < 1000 && contiguous() < total(); i++) {
        await c.until((inbox) => gbcsOf(inbox).length > 0, 5_000).catch(() => {});
        take(c, hello, 0);
        c.inbox.length = 0;
        highestAckSent = contiguous();
        c.send({ t: 'ack', id: highestAckSent });
      }
      await new Promise<void>((r) => {
        c.ws.once('close', () => r());
        c.ws.close();
      });

      expect(contiguous()).toBe(total());
      expect([...seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: total() }, (_, i) => i + 1));
      const frames = [...seen.values()].map(summary);
      const responses = frames.filter((f) => f.cra === 'response');
      const alerts = frames.filter((f) => f.cra === 'alert');
      // Every DBCH04 the estate took produced one response and one 0x8F2A alert; none lost, none doubled.
      expect(alerts.filter((a) => a.alertCode === 0x8f2a)).toHaveLength(responses.length);
      expect(new Set(alerts.map((a) => `${a.from}/${a.counter}`)).size).toBe(alerts.length);
      expect(alerts.some((a) => a.alertCode === 0x8f26)).toBe(true);
      expect(responses.length).toBeGreaterThan(100);
      expect(duplicates).toBeGreaterThan(0); // redelivery before the ack happened, and was visible
      console.log(`reconnect test: ${total()} messages (${alerts.length} alerts), ${duplicates} duplicates before ack`);

      // Everything acked: a new connection gets nothing again.
      const again = await Client.open(url);
      await again.until((i) => i.some((e) => e.t === 'ctl' && e.op === 'hello'));
      expect(again.inbox[0]).toMatchObject({ acked: total() });
      again.send({ t: 'ctl', op: 'list', id: 1 });
      await again.until((i) => i.some((e) => e.t === 'ctl' && e.op === 'list'));
      expect(gbcsOf(again.inbox)).toEqual([]);
      again.ws.close();
    }), 120_000);

  it('answers malformed messages with err, and text frames too', () =>
    withServer(async (s) => {
      const c = await Client.open(`${s.url}?client=x`);
      c.ws.send(Buffer.from([0xa1, 0x61]));
      c.ws.send('hello');
      c.ws.send(Buffer.from('a2617463616' + '36b62696421', 'hex')); // {t:"ack", id:-2}
      c.send({ t: 'gbcs', id: 3, b: new Uint8Array([0xdf, 0x09]) });
      await c.until((i) => i.filter((e) => e.t === 'err').length >= 4);
      expect(c.inbox.filter((e) => e.t === 'err').map((e) => e.msg)).toEqual([
        expect.stringMatching(/^not CBOR/),
        expect.stringMatching(/send binary WebSocket messages/),
        expect.stringMatching(/ack: field id: expected an unsigned integer/),
        expect.stringMatching(/not a GBCS frame/),
      ]);
      expect(c.inbox.filter((e) => e.t === 'err').map((e) => e.id)).toEqual([undefined, undefined, undefined, 3]);
      c.ws.close();
    }));

  it('binding beyond loopback needs a token; a wrong or missing token is refused with 401', async () => {
    const { estate } = await testEstate();
    await expect(startWsServer({ estate, bind: '0.0.0.0', port: 0 })).rejects.toThrow(/without a token/);
    await withServer(
      async (s) => {
        await expect(Client.open(s.url)).rejects.toThrow('HTTP 401');
        await expect(Client.open(`${s.url}?token=wrong`)).rejects.toThrow('HTTP 401');
        await expect(Client.open(s.url, { Authorization: 'Bearer wrong' })).rejects.toThrow('HTTP 401');
        const ok = await Client.open(`${s.url}?client=a`, { Authorization: 'Bearer s3cret' });
        const ok2 = await Client.open(`${s.url}?client=b&token=s3cret`);
        await ok.until((i) => i.length > 0);
        await ok2.until((i) => i.length > 0);
        ok.ws.close();
        ok2.ws.close();
        await expect(Client.open(`${s.url}?client=${'x'.repeat(200)}&token=s3cret`)).rejects.toThrow('HTTP 400');
      },
      { token: 's3cret' },
    );
  });

  it('a serve config is the scenario premises format; errors name file and line', () => {
    const c = parseServeConfig('seed: s1\npremises:\n  - id: p\n    hub: { band: single, eui: 00DB000000000002 }\n    devices:\n      - { kind: esme, eui: 00DB000000000001 }\n', 'c.yaml');
    expect(c).toMatchObject({ seed: 's1', premises: [{ id: 'p', hub: { band: 'single' }, devices: [{ kind: 'esme' }] }] });
    expect(parseServeConfig('{seed: s2, premises: [{id: q, hub: {}, devices: []}]}', 'f.yaml').seed).toBe('s2');
    expect(() => parseServeConfig('premises:\n  - id: p\n    hub: { band: triple }\n    devices: []\n', 'c.yaml')).toThrow(/c\.yaml:3: premises\.0\.hub\.band/);
  });
});
