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
import { type Dashboard, startDashboard } from '../tools/dashboard/server.js';
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
let browser: Browser;
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
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
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
