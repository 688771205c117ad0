import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ManualClock } from '../firmware-sim/clock.js';
import { Estate } from '../hub/estate.js';
import type { PremisesSpec } from '../hub/premises.js';
import { DEFAULT_SUBGHZ_CONFIG } from '../hub/subghz/config.js';
import { HeadEnd } from '../protocols/gbcs/commands/headend.js';
import type { Eui64 } from '../protocols/eui.js';
import type { ServerMessage } from '../tools/dashboard/protocol.js';
import { type Dashboard, type DashboardActions, startDashboard } from '../tools/dashboard/server.js';
import { type DashboardSource, estateSource } from '../tools/dashboard/source.js';

/*
 * The dashboard end to end: a small estate driven with real commands and interference, the server on a free
 * port, and Debian's Chromium reading the page. Chromium missing is a failure, not a skip: CI installs it.
 */

const CHROMIUM = '/usr/bin/chromium';
const eui = (s: string) => s as Eui64;
const EUI = { hub1: eui('00DB1234567890A2'), esme1: eui('00DB1234567890A0'), gsme1: eui('00DB1234567890A1'), esme2: eui('00DB1234567890B0'), gsme2: eui('00DB1234567890B1') };
const IDLE = 120;
const MINUTE = 60_000;

function premises(): PremisesSpec[] {
  const specs: PremisesSpec[] = [
    {
      id: 'house-1',
      hub: {
        eui: EUI.hub1,
        band: 'dual',
        chts: '1.1',
        gbcs: '2.0',
        channel24: 15,
        // Low thresholds, so a few hundred commands walk the hub through Limited, Critical and Regulated.
        subGhz: { operating: { page: 28, index: 3 }, config: { ...DEFAULT_SUBGHZ_CONFIG, normalLimitedDutyCycleThreshold: 2, limitedCriticalDutyCycleThreshold: 4 }, regulatedLimit: 6 },
      },
      devices: [
        { kind: 'esme', eui: EUI.esme1, band: '2.4GHz', rssiDbm: -65 },
        { kind: 'gsme', eui: EUI.gsme1, band: 'subGHz', rssiDbm: -72 },
      ],
    },
    {
      id: 'flat-2',
      hub: { eui: eui('00DB1234567890B2'), band: 'single', chts: '1.0', gbcs: '1.1', channel24: 20 },
      devices: [
        { kind: 'esme', eui: EUI.esme2, band: '2.4GHz', rssiDbm: -60 },
        { kind: 'gsme', eui: EUI.gsme2, band: '2.4GHz', rssiDbm: -70 },
      ],
    },
  ];
  // Idle premises: only specs until looked at, enough to need more than one page.
  for (let i = 0; i < IDLE; i++) {
    const at = (n: number) => eui(`00DB2${(i * 4 + n).toString(16).toUpperCase().padStart(11, '0')}`);
    const dual = i % 2 === 0;
    specs.push({
      id: `street-${String(i + 1).padStart(3, '0')}`,
      hub: { eui: at(0), band: dual ? 'dual' : 'single', chts: dual ? '1.1' : '1.0', gbcs: dual ? '2.0' : '1.1', channel24: 11 + (i % 16) },
      devices: [
        { kind: 'esme', eui: at(1), band: '2.4GHz', rssiDbm: -60 - (i % 20) },
        { kind: 'gsme', eui: at(2), band: dual ? 'subGHz' : '2.4GHz', rssiDbm: -70 - (i % 15) },
      ],
    });
  }
  return specs;
}

let estate: Estate;
let clock: ManualClock;
let headEnd: HeadEnd;
let source: DashboardSource;
let dashboard: Dashboard;
/** The same estate with operator actions, as `smets-sim up` serves it. */
let operated: Dashboard;
let browser: Browser;

type InjectCall = [premises: string, band: '2.4GHz' | 'subGHz', levelDbm: number, durationMs: number];
/** Every call the dashboard made to the action, refused or not. */
const injectCalls: InjectCall[] = [];
/** Set to make the next call throw this message, as the runner does to refuse. */
let refuseNext: string | undefined;

/** Records each call and applies it as the estate runner does: on the channel the hub uses now on that band. */
const actions: DashboardActions = {
  inject(id, band, levelDbm, durationMs) {
    injectCalls.push([id, band, levelDbm, durationMs]);
    if (refuseNext !== undefined) {
      const msg = refuseNext;
      refuseNext = undefined;
      throw new Error(msg);
    }
    const p = estate.get(id);
    if (!p) throw new Error(`no premises ${id}`);
    p.inject(p.operatingChannel(band), levelDbm, durationMs);
  },
};
const shots = mkdtempSync(join(tmpdir(), 'dashboard-'));

function send(useCase: string, to: string): void {
  const out = estate.send(headEnd.command(useCase, to));
  if ('error' in out) throw new Error(out.error);
}

function advance(ms: number): void {
  clock.advance(ms);
  estate.tick();
}

/** Real traffic: reads on both premises, a Sub GHz burst through every duty-cycle level and back, interference. */
function drive(): void {
  send('ECS17b', EUI.esme1);
  send('ECS17b', EUI.esme2);
  send('GCS21e', EUI.gsme2);
  const house = estate.get('house-1')!;
  // Sub GHz commands to the gas meter, a burst each minute, until the hub has to discard (Regulated).
  for (let minute = 0; minute < 30 && house.subGhz!.level !== 'regulated'; minute++) {
    advance(MINUTE);
    for (let k = 0; k < 20; k++) send('GCS21e', EUI.gsme1);
  }
  expect(house.subGhz!.level).toBe('regulated');
  // Quieter: one command every ten minutes while the burst leaves the rolling hour.
  for (let k = 0; k < 7; k++) {
    advance(10 * MINUTE);
    send('GCS21e', EUI.gsme1);
  }
  // Noise on the operating channel: the hub scans and moves (0x8F26 into the channel log); noise on 2.4 GHz
  // lowers the electricity meter's LQI.
  house.inject(house.subGhz!.operatingChannel, -62, 3 * 60 * MINUTE);
  house.inject({ band: '2.4GHz', channel: 15 }, -82, 3 * 60 * MINUTE);
  for (let k = 0; k < 3; k++) advance(MINUTE);
  for (let k = 0; k < 3; k++) {
    advance(5 * MINUTE);
    send('GCS21e', EUI.gsme1);
    send('ECS17b', EUI.esme1);
  }
}

beforeAll(async () => {
  // Fail loudly: a missing browser must not turn into a green run that tested nothing.
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  clock = new ManualClock(Date.UTC(2026, 2, 1));
  estate = await Estate.create({ seed: 'dashboard', clock, premises: premises() });
  headEnd = new HeadEnd(estate.keystore, { now: () => clock.now(), cache: estate.cache });
  // Watching from the start, as `smets-sim up` does, so the duty-cycle history covers the whole run.
  source = estateSource(estate);
  drive();
  dashboard = await startDashboard({ source, port: 0, log: () => {} });
  operated = await startDashboard({ source, port: 0, log: () => {}, actions, intervalMs: 200 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await operated?.close();
  source?.close();
  rmSync(shots, { recursive: true, force: true });
});

/** PNG width and height from the IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

async function shoot(page: Page, name: string): Promise<string> {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  const png = readFileSync(path);
  const { width, height } = pngSize(png);
  expect(width).toBeGreaterThanOrEqual(1200);
  expect(height).toBeGreaterThan(600);
  // A blank or half-drawn page compresses to almost nothing.
  expect(png.length).toBeGreaterThan(40_000);
  return path;
}

function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function wsStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

describe('dashboard server', () => {
  it('serves the page with a strict CSP and refuses other sites', async () => {
    const page = await httpGet(dashboard.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="app.js">');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect((await httpGet(`${dashboard.url}app.js`)).status).toBe(200);
    expect((await httpGet(`${dashboard.url}../package.json`)).status).toBe(404);
    // DNS rebinding: a foreign host name pointing at loopback gets nothing.
    expect((await httpGet(dashboard.url, { Host: `evil.example:${dashboard.port}` })).status).toBe(421);
    const live = dashboard.url.replace('http:', 'ws:') + 'live';
    expect(await wsStatus(live, { Origin: 'http://evil.example' })).toBe(403);
    expect(await wsStatus(live, { Origin: dashboard.url.slice(0, -1) })).toBe(101);
  });

  it('pages through premises without building them, and filters', () => {
    const all = source.page(0, 50);
    expect(all.total).toBe(IDLE + 2);
    expect(all.rows.map((r) => r.id).slice(0, 3)).toEqual(['house-1', 'flat-2', 'street-001']);
    expect(source.page(100, 50).rows).toHaveLength(IDLE + 2 - 100);
    expect(source.page(0, 10, { hub: 'dual' }).total).toBe(1 + IDLE / 2);
    expect(source.page(0, 10, { status: 'alerts' }).rows.map((r) => r.id)).toEqual(['house-1']);
    expect(source.page(0, 10, { text: '00db1234567890b1' }).rows.map((r) => r.id)).toEqual(['flat-2']);
    const summary = source.summary();
    expect(summary).toMatchObject({ premises: IDLE + 2, live: 2, hubs: { single: 1 + IDLE / 2, dual: 1 + IDLE / 2 }, devices: { esme: IDLE + 2, gsme: IDLE + 2 } });
    expect(estate.isLive('street-001')).toBe(false);
  });
});

describe('dashboard in Chromium', () => {
  it('shows premises, HAN links, the duty-cycle chart and decoded traffic, live', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(dashboard.url);

    // The list: both real premises with their hub kinds, paginated over the idle ones.
    const house = page.locator('#premises-table tbody tr[data-id="house-1"]');
    await house.waitFor();
    await expect.poll(() => house.innerText()).toMatch(/dual band[\s\S]*ESME[\s\S]*GSME[\s\S]*live/);
    expect(await page.locator('#premises-table tbody tr[data-id="flat-2"]').innerText()).toMatch(/single band/);
    expect(Number(await house.locator('td.num .badge').innerText())).toBeGreaterThan(0);
    expect(await page.locator('#premises-table tbody tr').count()).toBe(50);
    expect(await page.locator('#range').innerText()).toBe(`1–50 of ${IDLE + 2}`);
    await page.click('#pager [data-go=last]');
    await expect.poll(() => page.locator('#range').innerText()).toBe(`101–${IDLE + 2} of ${IDLE + 2}`);
    await page.click('#pager [data-go=first]');
    await expect.poll(() => page.locator('#range').innerText()).toBe(`1–50 of ${IDLE + 2}`);
    expect(await page.locator('#summary').innerText()).toMatch(/single band 61[\s\S]*dual band 61/);

    // Recent traffic, decoded: use case names, alert names, parties.
    const traffic = page.locator('#traffic tbody');
    await expect.poll(() => traffic.innerText()).toContain('Read ESME Energy Registers (Import Energy)');
    const text = await traffic.innerText();
    expect(text).toMatch(/ECS17b/);
    expect(text).toMatch(/GCS21e/);
    expect(text).toMatch(/0x8F2\w /);
    expect(text).toMatch(/supplier\s*→\s*ESME/);

    // One premises: HAN links, Sub GHz state and the chart.
    await house.click();
    const detail = page.locator('#detail');
    await expect.poll(() => detail.locator('h2').innerText()).toBe('house-1');
    // Read-only: started without actions, the page offers no controls.
    expect(await page.locator('#inject').count()).toBe(0);
    expect(await page.locator('button', { hasText: 'Inject interference' }).count()).toBe(0);
    const truth = source.detail('house-1')!;
    const esme = truth.devices.find((d) => d.kind === 'esme')!;
    expect(esme.link!.lqi).toBeLessThan(255); // the 2.4 GHz interference shows
    expect(await detail.locator(`#devices tr[data-eui="${EUI.esme1}"] .lqi-value`).innerText()).toBe(String(esme.link!.lqi));
    expect(await detail.locator('#operating').innerText()).toBe(truth.subGhz!.operating);
    expect(truth.subGhz!.operating).not.toMatch(/page 28 ch 3 /); // agility moved it off the noise
    expect(await detail.locator('#interference').innerText()).toMatch(/-62 dBm/);
    expect(await detail.locator('#channel-log').innerText()).toMatch(/Sub GHz Channel Changed/);
    const chart = detail.locator('#duty-chart svg.duty-chart');
    expect(Number(await chart.getAttribute('data-samples'))).toBeGreaterThan(10);
    for (const level of ['limited', 'critical', 'regulated']) expect(await chart.locator(`line.threshold.${level}`).count()).toBe(1);
    expect(await chart.locator('text.th-label').allTextContents()).toEqual(['Limited 0.02%', 'Critical 0.04%', 'Regulated 0.06%']);
    expect((await chart.locator('path.line').getAttribute('d'))!.split('V').length).toBeGreaterThan(10);
    const shot = await shoot(page, 'house-1');
    copyFileSync(shot, '/tmp/dashboard-shot.png');

    // Live: a command sent now shows up in the list and in the premises' own traffic without a reload.
    const before = await traffic.locator('tr').count();
    send('ECS17b', EUI.esme1);
    await expect.poll(() => traffic.locator('tr').count()).toBeGreaterThan(before);
    await expect.poll(async () => (await detail.innerText()).split('ECS17b').length).toBeGreaterThan(4);

    // A single band premises has no Sub GHz section; an idle one is built only when asked.
    await page.locator('#premises-table tbody tr[data-id="flat-2"]').click();
    await expect.poll(() => detail.locator('h2').innerText()).toBe('flat-2');
    expect(await detail.locator('#subghz').count()).toBe(0);
    expect(await detail.locator('#devices tbody tr').count()).toBe(2);
    expect(await detail.locator('#inject').count()).toBe(0);
    await page.locator('#premises-table tbody tr[data-id="street-003"]').click();
    await detail.locator('#build').waitFor();
    expect(estate.isLive('street-003')).toBe(false);
    await detail.locator('#build').click();
    await detail.locator('#subghz').waitFor();
    expect(estate.isLive('street-003')).toBe(true);
    expect(await detail.locator('.lqi-value').count()).toBe(2);
    await shoot(page, 'street-003');

    // Filtering asks the server; the list shrinks to what matches.
    await page.fill('#filters input[name=text]', 'flat');
    await expect.poll(() => page.locator('#premises-table tbody tr').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});

/** A raw /live client: what the server says, picked out by type as the test needs it. */
async function liveClient(d: Dashboard) {
  const ws = new WebSocket(`${d.url.replace('http:', 'ws:')}live`);
  const inbox: ServerMessage[] = [];
  let wake = () => {};
  ws.on('message', (data) => {
    inbox.push(JSON.parse(data.toString()) as ServerMessage);
    wake();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  async function next<T extends ServerMessage['t']>(types: T[], ms = 3000): Promise<Extract<ServerMessage, { t: T }>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = inbox.findIndex((m) => (types as string[]).includes(m.t));
      if (i >= 0) return inbox.splice(i, 1)[0] as Extract<ServerMessage, { t: T }>;
      if (Date.now() > deadline) throw new Error(`no ${types.join('/')} message within ${ms} ms`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
  }
  return { send: (m: unknown) => ws.send(JSON.stringify(m)), next, close: () => ws.close() };
}

const interferenceOf = (id: string) => source.detail(id)?.interference ?? [];

describe('dashboard actions', () => {
  it('injects interference from the page with exactly the form values', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.setDefaultTimeout(5000);
    await page.goto(operated.url);
    const detail = page.locator('#detail');

    // An idle dual band premises: both bands offered; the injection builds it, as a command would.
    expect(estate.isLive('street-005')).toBe(false);
    await page.locator('#premises-table tbody tr[data-id="street-005"]').click();
    const form = detail.locator('form#inject');
    await form.waitFor();
    expect(await form.locator('select[name=band] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['2.4GHz', 'subGHz']);
    expect(await form.locator('input[name=level]').inputValue()).toBe('-60');
    expect(await form.locator('input[name=minutes]').inputValue()).toBe('60');
    await form.locator('select[name=band]').selectOption('subGHz');
    await form.locator('input[name=level]').fill('-75.5');
    await form.locator('input[name=minutes]').fill('45');
    // What is typed survives the server's refreshes of the detail: simulated time moves, the detail is resent.
    await detail.locator('[data-part=top]').evaluate((el) => {
      const w = window as unknown as { redraws: number };
      w.redraws = 0;
      new MutationObserver(() => w.redraws++).observe(el, { childList: true });
    });
    for (let k = 1; k <= 2; k++) {
      advance(MINUTE);
      await expect.poll(() => page.evaluate(() => (window as unknown as { redraws: number }).redraws)).toBeGreaterThanOrEqual(k);
    }
    expect(await form.locator('input[name=level]').inputValue()).toBe('-75.5');
    expect(await form.locator('select[name=band]').inputValue()).toBe('subGHz');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('inject-minutes');

    const before = injectCalls.length;
    await form.locator('#inject-button').click();
    await expect.poll(() => form.locator('#inject-status').innerText()).toBe('Injected -75.5 dBm on Sub GHz for 45 min.');
    expect(injectCalls.slice(before)).toEqual([['street-005', 'subGHz', -75.5, 45 * MINUTE]]);
    expect(estate.isLive('street-005')).toBe(true);
    await expect.poll(() => page.locator('#premises-table tbody tr[data-id="street-005"] .status').innerText()).toBe('live');
    const truth = interferenceOf('street-005');
    expect(truth).toHaveLength(1);
    expect(truth[0]).toMatchObject({ band: 'subGHz', levelDbm: -75.5 });
    expect(truth[0]!.toMs - truth[0]!.fromMs).toBe(45 * MINUTE);
    // Shown in the premises' list straight away (the server pushes the fresh detail with its answer).
    await expect.poll(() => detail.locator('#interference').innerText()).toContain(`-75.5 dBm on ${truth[0]!.channel}`);
    expect(truth[0]!.channel).toMatch(/^Sub GHz page/);
    expect(await form.locator('#inject-button').isEnabled()).toBe(true);
    copyFileSync(await shoot(page, 'inject'), '/tmp/dashboard-inject-shot.png');

    // A single band hub: no Sub GHz to offer. A refusal from the estate is shown by the form, not lost.
    await page.locator('#premises-table tbody tr[data-id="flat-2"]').click();
    await expect.poll(() => detail.locator('h2').innerText()).toBe('flat-2');
    expect(await form.locator('select[name=band] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['2.4GHz']);
    const flatBefore = interferenceOf('flat-2').length;
    refuseNext = 'journal: disk full';
    await form.locator('#inject-button').click();
    await expect.poll(() => form.locator('#inject-status').innerText()).toBe('inject: journal: disk full');
    expect(await form.locator('#inject-status').getAttribute('class')).toMatch(/warn/);
    expect(injectCalls.at(-1)).toEqual(['flat-2', '2.4GHz', -60, 60 * MINUTE]);
    expect(interferenceOf('flat-2')).toHaveLength(flatBefore);
    expect(await form.locator('#inject-button').isEnabled()).toBe(true);
    // Out of range in the form: the browser stops it before anything is sent.
    await form.locator('input[name=level]').fill('20');
    const calls = injectCalls.length;
    await form.locator('#inject-button').click();
    expect(await form.locator('input[name=level]').evaluate((el) => (el as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    expect(injectCalls).toHaveLength(calls);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('answers a bad inject message with an error and injects nothing', async () => {
    const live = await liveClient(operated);
    expect((await live.next(['hello'])).actions).toEqual({ inject: true });
    const ok = { t: 'inject', premises: 'house-1', band: '2.4GHz', levelDbm: -60, durationMs: MINUTE };
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...ok, band: 'x', levelDbm: 50 }, /band must be/],
      [{ ...ok, levelDbm: 50 }, /levelDbm must be .* -120 to 0/],
      [{ ...ok, levelDbm: -121 }, /levelDbm/],
      [{ ...ok, levelDbm: null }, /levelDbm/],
      [{ ...ok, levelDbm: '-60' }, /levelDbm/],
      [{ ...ok, band: 'x' }, /band must be 2.4GHz or subGHz/],
      [{ ...ok, band: undefined }, /band/],
      [{ ...ok, durationMs: 999 }, /durationMs must be .* 1000 \(1 s\) to 604800000 \(7 days\)/],
      [{ ...ok, durationMs: 7 * 24 * 60 * MINUTE + 1 }, /durationMs/],
      [{ ...ok, durationMs: 1500.5 }, /durationMs/],
      [{ ...ok, premises: 42 }, /premises must be/],
      [{ ...ok, premises: '' }, /premises must be/],
      [{ ...ok, premises: 'nowhere' }, /no premises nowhere/],
      [{ ...ok, premises: 'flat-2', band: 'subGHz' }, /single band hub/],
    ];
    const calls = injectCalls.length;
    const house = JSON.stringify(interferenceOf('house-1'));
    const flat = JSON.stringify(interferenceOf('flat-2'));
    for (const [msg, why] of bad) {
      live.send(msg);
      const reply = await live.next(['error', 'injected']);
      expect(reply, JSON.stringify(msg)).toMatchObject({ t: 'error', re: 'inject' });
      expect(reply.t === 'error' && reply.msg).toMatch(why);
    }
    expect(injectCalls).toHaveLength(calls);
    expect(JSON.stringify(interferenceOf('house-1'))).toBe(house);
    expect(JSON.stringify(interferenceOf('flat-2'))).toBe(flat);

    // A good one is echoed, and the premises' fresh detail follows with the burst in it.
    live.send({ ...ok, premises: 'flat-2', levelDbm: -90.5, durationMs: 1000 });
    expect(await live.next(['error', 'injected'])).toEqual({ t: 'injected', premises: 'flat-2', band: '2.4GHz', levelDbm: -90.5, durationMs: 1000 });
    const fresh = await live.next(['detail']);
    expect(fresh.id).toBe('flat-2');
    expect(fresh.detail!.interference.some((i) => i.levelDbm === -90.5 && i.toMs - i.fromMs === 1000)).toBe(true);
    expect(injectCalls.slice(calls)).toEqual([['flat-2', '2.4GHz', -90.5, 1000]]);
    live.close();

    // Read-only: the same message is refused before anything is called.
    const ro = await liveClient(dashboard);
    expect((await ro.next(['hello'])).actions).toEqual({ inject: false });
    ro.send(ok);
    expect(await ro.next(['error', 'injected'])).toMatchObject({ t: 'error', re: 'inject', msg: expect.stringMatching(/read-only/) });
    expect(injectCalls).toHaveLength(calls + 1);
    ro.close();
  });
});
