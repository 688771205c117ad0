import { LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { type Eui64, parseEui64 } from '../protocols/eui.js';
import { GbcsEncodeError } from '../protocols/errors.js';
import { decodeFrame } from '../protocols/gbcs/frame.js';
import { hex4, messageCodeInfo } from '../protocols/gbcs/codes.js';
import { CommandError } from '../protocols/gbcs/commands/build.js';
import { HeadEnd } from '../protocols/gbcs/commands/headend.js';
import { ManualClock, parseDuration } from '../firmware-sim/clock.js';
import type { Emitted } from '../firmware-sim/device.js';
import type { Band, HanChannel } from './radio/channels.js';
import { Estate } from './estate.js';
import type { DeviceSpec, PremisesSpec, TrafficRecord } from './premises.js';
import type { SubGhzOptions } from './subghz/controller.js';

/*
 * Scenario files: what users write instead of code. YAML with a seed, premises (hub kind and devices) and
 * steps: send a use case, inject interference, advance the clock, expect a response or an alert. Every
 * error names the file, line and field; the run prints one line per step and `N passed, M failed`.
 */

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

type Step =
  | { kind: 'send'; line: number; premises: string; to: Eui64; useCase: string; as: string; params: unknown; count: number }
  | { kind: 'inject'; line: number; premises: string; channel: HanChannel | 'operating'; level: number; durationMs: number }
  | { kind: 'advance'; line: number; byMs: number }
  | { kind: 'expect'; line: number; what: 'response' | 'alert'; code: number; withinMs: number; fields: Record<string, unknown>; premises?: string };

export interface Scenario {
  source: string;
  seed: string;
  startMs: number;
  tickMs: number;
  premises: PremisesSpec[];
  steps: Step[];
}

// --- parsing ----------------------------------------------------------------------------------------

class Located {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    readonly source: string,
  ) {}
  lineOf(path: readonly (string | number)[]): number {
    const node = this.doc.getIn(path, true) as YamlNode | undefined;
    const at = node?.range?.[0] ?? (path.length ? this.lineOfParent(path) : 0);
    return this.lines.linePos(at).line;
  }
  private lineOfParent(path: readonly (string | number)[]): number {
    const node = this.doc.getIn(path.slice(0, -1), true) as YamlNode | undefined;
    return node?.range?.[0] ?? 0;
  }
  fail(path: readonly (string | number)[], reason: string): never {
    throw new ScenarioError(`${this.source}:${this.lineOf(path)}: ${path.join('.') || '(top)'}: ${reason}`);
  }
}

function str(v: unknown, at: Located, path: (string | number)[]): string {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || !v) at.fail(path, `expected text, got ${JSON.stringify(v)}`);
  return v;
}

function eui(v: unknown, at: Located, path: (string | number)[]): Eui64 {
  try {
    return parseEui64(v, path.join('.'));
  } catch (e) {
    if (e instanceof GbcsEncodeError) at.fail(path, e.reason);
    throw e;
  }
}

function duration(v: unknown, at: Located, path: (string | number)[]): number {
  try {
    return parseDuration(v as string | number);
  } catch (e) {
    return at.fail(path, (e as Error).message);
  }
}

function code(v: unknown, at: Located, path: (string | number)[]): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v)) return parseInt(v, 16);
  return at.fail(path, `expected a code like 0x8F26, got ${JSON.stringify(v)}`);
}

const KINDS = ['esme', 'gsme', 'gpf', 'ppmid', 'ihd', 'hcalcs'] as const;

export function parseScenario(text: string, source = 'scenario'): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new ScenarioError(`${source}:${lines.linePos(e.pos[0]).line}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const at: Located = new Located(doc, lines, source);
  const root = doc.toJS() as Record<string, unknown> | null;
  if (!root || typeof root !== 'object' || Array.isArray(root)) at.fail([], 'a scenario is a mapping with seed, premises and steps');
  for (const k of Object.keys(root)) if (!['seed', 'start', 'tick', 'premises', 'steps'].includes(k)) at.fail([k], 'unknown key (use seed, start, tick, premises, steps)');
  const seed = root.seed === undefined ? 'scenario' : str(root.seed, at, ['seed']);
  const startMs = root.start === undefined ? Date.UTC(2026, 0, 1) : Date.parse(str(root.start, at, ['start']));
  if (Number.isNaN(startMs)) at.fail(['start'], 'expected an ISO time such as 2026-01-01T00:00:00Z');
  const tickMs = root.tick === undefined ? 60_000 : duration(root.tick, at, ['tick']);
  if (!Array.isArray(root.premises) || root.premises.length === 0) at.fail(['premises'], 'expected a list of premises');
  const premises = root.premises.map((p, i) => parsePremises(p, at, ['premises', i]));
  const ids = new Set<string>();
  for (const [i, p] of premises.entries()) {
    if (ids.has(p.id)) at.fail(['premises', i, 'id'], `premises id ${p.id} is used twice`);
    ids.add(p.id);
  }
  if (!Array.isArray(root.steps)) at.fail(['steps'], 'expected a list of steps');
  const steps = root.steps.map((s, i) => parseStep(s, at, ['steps', i], ids, premises[0]!.id));
  return { source, seed, startMs, tickMs, premises, steps };
}

function parsePremises(v: unknown, at: Located, path: (string | number)[]): PremisesSpec {
  if (!v || typeof v !== 'object') at.fail(path, 'expected a mapping with id, hub and devices');
  const p = v as Record<string, unknown>;
  const id = str(p.id, at, [...path, 'id']);
  const h = (p.hub ?? {}) as Record<string, unknown>;
  const band = h.band ?? h.kind ?? 'dual';
  if (band !== 'single' && band !== 'dual') at.fail([...path, 'hub', 'band'], `expected single or dual, got ${JSON.stringify(band)}`);
  const chts = String(h.chts ?? (band === 'dual' ? '1.1' : '1.0'));
  const gbcs = String(h.gbcs ?? (band === 'dual' ? '2.0' : '1.1'));
  if (chts !== '1.0' && chts !== '1.1') at.fail([...path, 'hub', 'chts'], `expected 1.0 or 1.1, got ${chts}`);
  if (!['1.1', '2.0', '2.1'].includes(gbcs)) at.fail([...path, 'hub', 'gbcs'], `expected 1.1, 2.0 or 2.1, got ${gbcs}`);
  if (band === 'dual' && (chts !== '1.1' || gbcs === '1.1')) at.fail([...path, 'hub'], 'a dual band hub needs chts 1.1 and gbcs 2.0 or later');
  const hub = {
    eui: eui(h.eui ?? '00DB1234567890A2', at, [...path, 'hub', 'eui']),
    band: band as 'single' | 'dual',
    chts: chts as '1.0' | '1.1',
    gbcs: gbcs as '1.1' | '2.0' | '2.1',
    channel24: typeof h.channel24 === 'number' ? h.channel24 : 15,
    ...(h.subGhz !== undefined ? { subGhz: parseSubGhz(h.subGhz, at, [...path, 'hub', 'subGhz']) } : {}),
  };
  if (hub.subGhz && hub.band === 'single') at.fail([...path, 'hub', 'subGhz'], 'a single band hub has no Sub GHz radio');
  if (!Array.isArray(p.devices)) at.fail([...path, 'devices'], 'expected a list of devices');
  const devices: DeviceSpec[] = p.devices.map((d, i) => {
    const dp = [...path, 'devices', i];
    const o = (d ?? {}) as Record<string, unknown>;
    if (!KINDS.includes(o.kind as (typeof KINDS)[number])) at.fail([...dp, 'kind'], `expected one of ${KINDS.join(', ')}`);
    const b = o.band ?? '2.4GHz';
    if (b !== '2.4GHz' && b !== 'subGHz') at.fail([...dp, 'band'], 'expected 2.4GHz or subGHz');
    if (b === 'subGHz' && hub.band === 'single') at.fail([...dp, 'band'], 'a single band hub has no Sub GHz radio');
    return { kind: o.kind as DeviceSpec['kind'], eui: eui(o.eui, at, [...dp, 'eui']), band: b as Band, rssiDbm: typeof o.rssi === 'number' ? o.rssi : -65 };
  });
  return { id, hub, devices };
}

function parseSubGhz(v: unknown, at: Located, path: (string | number)[]): SubGhzOptions {
  const o = (v ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['regulatedLimit', 'capacity', 'operating'].includes(k)) at.fail([...path, k], 'unknown key (use regulatedLimit, capacity, operating)');
  const out: SubGhzOptions = {};
  if (o.regulatedLimit !== undefined) {
    if (typeof o.regulatedLimit !== 'number' || o.regulatedLimit <= 0) at.fail([...path, 'regulatedLimit'], 'expected hundredths of a percent, e.g. 250 for 2.5 %');
    out.regulatedLimit = o.regulatedLimit;
  }
  if (o.capacity !== undefined) {
    if (typeof o.capacity !== 'number' || !Number.isInteger(o.capacity) || o.capacity < 0) at.fail([...path, 'capacity'], 'expected a whole number of devices');
    out.capacity = o.capacity;
  }
  if (o.operating !== undefined) {
    const c = parseChannel(o.operating, at, [...path, 'operating'], 'subGHz');
    if (c !== 'operating' && c.band === 'subGHz') out.operating = { page: c.page, index: c.index };
  }
  return out;
}

function parseChannel(v: unknown, at: Located, path: (string | number)[], band: Band): HanChannel | 'operating' {
  if (v === 'operating' || v === undefined) return 'operating';
  if (band === '2.4GHz') {
    if (typeof v !== 'number') at.fail(path, 'expected a 2.4 GHz channel number 11-26');
    return { band, channel: v };
  }
  const c = v as { page?: unknown; index?: unknown };
  if (![28, 29, 30, 31].includes(c?.page as number) || typeof c.index !== 'number') at.fail(path, 'expected {page: 28-31, index: n} or "operating"');
  return { band, page: c.page as 28, index: c.index };
}

function parseStep(v: unknown, at: Located, path: (string | number)[], ids: Set<string>, first: string): Step {
  if (!v || typeof v !== 'object' || Array.isArray(v)) at.fail(path, 'expected a step: send, inject, advance or expect');
  const keys = Object.keys(v);
  if (keys.length !== 1) at.fail(path, `a step has exactly one of send, inject, advance, expect (has ${keys.join(', ')})`);
  const kind = keys[0]!;
  const body = (v as Record<string, unknown>)[kind];
  const line = at.lineOf(path);
  const p = [...path, kind];
  const premisesOf = (x: unknown) => {
    const id = x === undefined ? first : str(x, at, [...p, 'premises']);
    if (!ids.has(id)) at.fail([...p, 'premises'], `no premises ${id}`);
    return id;
  };
  switch (kind) {
    case 'advance':
      return { kind, line, byMs: duration(body, at, p) };
    case 'send': {
      const b = (body ?? {}) as Record<string, unknown>;
      const count = b.count === undefined ? 1 : Number(b.count);
      if (!Number.isInteger(count) || count < 1) at.fail([...p, 'count'], 'expected a whole number ≥ 1');
      return { kind, line, premises: premisesOf(b.premises), to: eui(b.to, at, [...p, 'to']), useCase: str(b.useCase, at, [...p, 'useCase']), as: b.as === undefined ? 'supplier' : str(b.as, at, [...p, 'as']), params: b.params ?? {}, count };
    }
    case 'inject': {
      const b = (body ?? {}) as Record<string, unknown>;
      const band = (b.band ?? 'subGHz') as Band;
      if (band !== '2.4GHz' && band !== 'subGHz') at.fail([...p, 'band'], 'expected 2.4GHz or subGHz');
      if (typeof b.level !== 'number') at.fail([...p, 'level'], 'expected a level in dBm, e.g. -60');
      return { kind, line, premises: premisesOf(b.premises), channel: parseChannel(b.channel, at, [...p, 'channel'], band), level: b.level, durationMs: duration(b.duration ?? '1h', at, [...p, 'duration']) };
    }
    case 'expect': {
      const b = (body ?? {}) as Record<string, unknown>;
      const what = b.alert !== undefined ? 'alert' : b.response !== undefined ? 'response' : at.fail(p, 'expected `alert: 0x8F26` or `response: DBCH01`');
      let c: number;
      if (what === 'alert') c = code(b.alert, at, [...p, 'alert']);
      else {
        const r = b.response;
        c = typeof r === 'string' && !r.startsWith('0x') ? messageCodeOf(r, at, [...p, 'response']) : code(r, at, [...p, 'response']);
      }
      const fields = (b.fields ?? {}) as Record<string, unknown>;
      return { kind, line, what, code: c, withinMs: b.within === undefined ? 0 : duration(b.within, at, [...p, 'within']), fields, ...(b.premises ? { premises: premisesOf(b.premises) } : {}) };
    }
    default:
      return at.fail([...path, kind], 'unknown step (use send, inject, advance, expect)');
  }
}

function messageCodeOf(useCase: string, at: Located, path: (string | number)[]): number {
  for (let c = 0; c <= 0x1001; c++) {
    const info = messageCodeInfo(c);
    if (info && info.useCase.toUpperCase() === useCase.toUpperCase()) return c;
  }
  return at.fail(path, `unknown use case ${useCase}`);
}

// --- running ------------------------------------------------------------------------------------------

export interface ScenarioResult {
  lines: string[];
  passed: number;
  failed: number;
  traffic: TrafficRecord[];
}

/** A traffic record as one JSON line (time, direction, from, to, message code, hex). */
export function trafficLine(t: TrafficRecord): string {
  return JSON.stringify({
    time: new Date(t.atMs).toISOString(),
    premises: t.premises,
    direction: t.direction,
    from: t.from,
    to: t.to,
    messageCode: hex4(t.messageCode),
    cra: t.cra,
    hex: t.hex,
    ...(t.note ? { note: t.note } : {}),
  });
}

function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function normal(v: unknown): unknown {
  if (v === undefined) return undefined;
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
}

export async function runScenario(s: Scenario): Promise<ScenarioResult> {
  const clock = new ManualClock(s.startMs);
  const estate = await Estate.create({ seed: s.seed, premises: s.premises, clock, materialise: 'eager', trafficPerPremises: Number.POSITIVE_INFINITY });
  const { keystore, cache } = estate;
  const premises = new Map([...estate.livePremises()].map((p) => [p.id, p]));
  const pending: Array<{ premises: string; e: Emitted; atMs: number }> = estate.takeStartupAlerts().map((e) => ({ premises: e.premises, e, atMs: clock.nowMs() }));
  const headEnd = new HeadEnd(keystore, { now: () => clock.now(), cache });
  const lines: string[] = [];
  let passed = 0;
  let failed = 0;

  const collect = (id: string, out: Emitted[]) => {
    for (const e of out) pending.push({ premises: id, e, atMs: clock.nowMs() });
  };
  const tickAll = () => {
    for (const e of estate.tick()) pending.push({ premises: e.premises, e, atMs: clock.nowMs() });
  };
  const advance = (ms: number) => clock.advanceInSteps(ms, s.tickMs, tickAll);
  const say = (ok: boolean, step: Step, text: string) => {
    lines.push(`${ok ? 'ok  ' : 'FAIL'} ${s.source}:${step.line} ${text}`);
    if (ok) passed++;
    else failed++;
  };

  for (const step of s.steps) {
    switch (step.kind) {
      case 'advance':
        advance(step.byMs);
        say(true, step, `advance ${step.byMs / 60_000} min → ${clock.now().toISOString()}`);
        break;
      case 'inject': {
        const p = premises.get(step.premises)!;
        const ch = step.channel === 'operating' ? (p.subGhz ? p.subGhz.operatingChannel : { band: '2.4GHz' as const, channel: p.spec.hub.channel24 }) : step.channel;
        p.inject(ch, step.level, step.durationMs);
        say(true, step, `inject ${step.level} dBm on ${JSON.stringify(ch)} for ${step.durationMs / 60_000} min`);
        break;
      }
      case 'send': {
        const p = premises.get(step.premises)!;
        let sent = 0;
        try {
          for (let i = 0; i < step.count; i++) {
            const bytes = headEnd.command(step.useCase, step.to, step.as, step.params);
            collect(step.premises, p.fromWan(bytes));
            sent++;
          }
          say(true, step, `send ${step.useCase} to ${step.to}${step.count > 1 ? ` ×${sent}` : ''}`);
        } catch (e) {
          if (!(e instanceof CommandError || e instanceof GbcsEncodeError)) throw e;
          say(false, step, `send ${step.useCase}: ${e.message}`);
        }
        break;
      }
      case 'expect': {
        const deadline = clock.nowMs() + step.withinMs;
        const match = (): { found: boolean; why?: string } => {
          let why: string | undefined;
          for (let i = 0; i < pending.length; i++) {
            const { e, premises: pid } = pending[i]!;
            if (step.premises && pid !== step.premises) continue;
            if (step.what === 'alert' ? e.kind !== 'alert' || e.alertCode !== step.code && e.messageCode !== step.code : e.kind !== 'response' || e.messageCode !== step.code) continue;
            const frame = normal(decodeFrame(e.bytes));
            const bad = Object.entries(step.fields).find(([k, want]) => JSON.stringify(normal(valueAt(frame, k))) !== JSON.stringify(normal(want)));
            if (bad) {
              why = `${bad[0]} is ${JSON.stringify(normal(valueAt(frame, bad[0])))}, expected ${JSON.stringify(bad[1])}`;
              continue;
            }
            pending.splice(0, i + 1);
            return { found: true };
          }
          return { found: false, ...(why ? { why } : {}) };
        };
        let m = match();
        while (!m.found && clock.nowMs() < deadline) {
          clock.set(Math.min(deadline, clock.nowMs() + s.tickMs));
          tickAll();
          m = match();
        }
        const label = `expect ${step.what} ${hex4(step.code)}${step.withinMs ? ` within ${step.withinMs / 60_000} min` : ''}`;
        say(m.found, step, m.found ? `${label} (at ${clock.now().toISOString()})` : `${label}: ${m.why ?? 'not seen'}`);
        break;
      }
    }
  }
  const traffic = [...premises.values()].flatMap((p) => p.traffic).sort((a, b) => a.atMs - b.atMs);
  return { lines, passed, failed, traffic };
}

