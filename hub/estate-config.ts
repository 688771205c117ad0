import { type Document, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';
import { parseDuration } from '../firmware-sim/clock.js';
import type { ChtsVersion, GbcsVersion } from './premises.js';
import { type TsatSubject, type TsatViolation, checkTsat, tsatEntry } from './tsat.js';
import { editDistance } from '../protocols/text.js';
import { premisesId } from './mix.js';

/*
 * The fake estate's configuration (`smets-sim up --config estate.yaml`): what premises exist, how they are
 * equipped, the clock, the WAN endpoint and the dashboard. Pure: text or object in, a fully resolved config
 * (every default filled) or an EstateConfigError out. Validation never stops at the first problem, because a
 * user fixing a file one error per run gives up; every problem carries the key's path and, from YAML, its
 * line.
 *
 * Equipment versions are checked against the TSAT (hub/tsat.ts): a head-end tested only against equipment
 * that could legally be on a wall is tested against the wrong thing when it meets one that could not, so
 * invalid combinations are refused unless `allowInvalidTsat`, which turns them into warnings.
 */

export interface Mix {
  /** Shares of premises, 0..1, each drawn independently from the seed. */
  dualBand: number;
  /** A gas meter (GSME) joined to the hub's gas proxy. */
  gas: number;
  /** Meters in prepayment mode. */
  prepayment: number;
  /** A prepayment interface device. */
  ppmid: number;
  /** An in-home display. */
  ihd: number;
}

export interface Versions {
  smets2: string;
  chts: ChtsVersion;
  gbcs: GbcsVersion;
  /** The day the equipment was installed (ISO date): the TSAT's validity periods are judged on it. */
  installedOn: string;
}

export interface ProfileMix {
  /** Mean annual import per premises, kWh. */
  annualKWh: number;
  /** Share of premises with PV export, 0..1. */
  solarShare: number;
  /** Share of each premises' load that is electric heating, 0..1 (as firmware-sim/profile.ts). */
  heatingShare: number;
}

export interface PremisesOverride {
  /** A premises id, e.g. P000042. */
  premises: string;
  hub?: 'single' | 'dual';
  gas?: boolean;
  prepayment?: boolean;
  ppmid?: boolean;
  ihd?: boolean;
  versions?: Partial<Versions>;
  annualKWh?: number;
}

export type ClockConfig = { mode: 'real' } | { mode: 'accelerated'; factor: number; start: string } | { mode: 'manual'; start: string };

export interface EstateConfig {
  seed: string;
  premises: { count: number; idPrefix: string; mix: Mix; versions: Versions; profile: ProfileMix };
  overrides: PremisesOverride[];
  /** `start` is normalised to an ISO instant (2026-01-01T00:00:00.000Z). */
  clock: ClockConfig;
  wan: { bind: string; port: number; token?: string; queueLimit: number };
  dashboard: { enabled: boolean; port: number };
  dataDir: string;
  /** A duration as firmware-sim/clock.ts parseDuration reads it, e.g. 30s. */
  snapshotEvery: string;
}

export interface ConfigIssue {
  /** The key at fault, e.g. `premises.mix.gas` or `overrides[2].versions.chts`. */
  path: string;
  /** 1-based, when the config came from YAML. */
  line?: number;
  column?: number;
  message: string;
}

/** A valid config and what was let through: TSAT violations when `allowInvalidTsat`. */
export interface EstateConfigResult {
  config: EstateConfig;
  warnings: ConfigIssue[];
}

export interface EstateConfigOptions {
  /** Report TSAT violations as warnings instead of refusing the config. */
  allowInvalidTsat?: boolean;
}

export class EstateConfigError extends Error {
  override readonly name = 'EstateConfigError';
  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly file?: string,
  ) {
    super(issues.map((i) => formatIssue(i, file)).join('\n'));
  }
}

/** `file:line: path: message`, or `path: message` for a config that was not read from a file. */
export function formatIssue(i: ConfigIssue, file?: string): string {
  const where = file !== undefined ? `${file}:${i.line ?? 0}: ` : i.line !== undefined ? `${i.line}: ` : '';
  return `${where}${i.path || '(top)'}: ${i.message}`;
}

export { premisesId };

export const CHTS_SIMULATED: readonly ChtsVersion[] = ['1.0', '1.1'];
export const GBCS_SIMULATED: readonly GbcsVersion[] = ['1.1', '2.0', '2.1'];

const DEFAULT_START = '2026-01-01T00:00:00.000Z';
const DEFAULT_FACTOR = 60;

/** Every default, as `DEFAULT_CONFIG_YAML` spells it out. A fresh object each call. */
export function defaultEstateConfig(): EstateConfig {
  return {
    seed: 'smets-sim',
    premises: {
      count: 1000,
      idPrefix: 'P',
      mix: { dualBand: 0.3, gas: 0.8, prepayment: 0.15, ppmid: 0.5, ihd: 0.2 },
      versions: { smets2: '3.1', chts: '1.1', gbcs: '2.0', installedOn: '2020-06-01' },
      profile: { annualKWh: 2700, solarShare: 0.05, heatingShare: 0.1 },
    },
    overrides: [],
    clock: { mode: 'accelerated', factor: DEFAULT_FACTOR, start: DEFAULT_START },
    wan: { bind: '127.0.0.1', port: 7373, queueLimit: 1024 },
    dashboard: { enabled: true, port: 7374 },
    dataDir: '.smets-sim',
    snapshotEvery: '30s',
  };
}

/*
 * Why these versions: SMETS2 v3.1 is the first version whose meters may use a dual band hub, and CHTS v1.1
 * with GBCS v2.0 is what a dual band hub needs, so one set of versions serves the whole estate. Its
 * Installation Validity Period ended on 2020-10-27, hence an install date in 2020: the TSAT sources found
 * give no version with a validity period reaching 2024 that this simulator speaks (GBCS <= 2.1).
 */
export const DEFAULT_CONFIG_YAML = `# smets-sim estate: what \`npm start\` runs when given no --config.
# A missing key, or one left empty, takes the value shown here.

seed: smets-sim                # same seed, same estate: EUIs, keys, who has gas, consumption

premises:
  count: 1000                  # 1 to 1,000,000
  idPrefix: P                  # ids P000001 to P001000
  mix:                         # shares of premises (0 to 1), each drawn from the seed
    dualBand: 0.3              # dual band comms hub (2.4 GHz and Sub GHz HAN)
    gas: 0.8                   # gas meter (GSME) behind the hub's gas proxy
    prepayment: 0.15           # meters in prepayment mode
    ppmid: 0.5                 # prepayment interface device
    ihd: 0.2                   # in-home display
  versions:                    # checked against the TSAT (SEC Schedule 11, see hub/tsat.ts)
    smets2: '3.1'              # quote versions: YAML reads 2.0 as the number 2
    chts: '1.1'                # 1.0 or 1.1; dual band needs 1.1
    gbcs: '2.0'                # 1.1, 2.0 or 2.1; dual band needs 2.0 or later
    installedOn: 2020-06-01    # SMETS2 3.1 could be installed until 2020-10-27
  profile:
    annualKWh: 2700            # mean electricity import per premises (GB typical domestic)
    solarShare: 0.05           # share of premises with PV export
    heatingShare: 0.1          # share of each premises' load that is electric heating

# Premises that differ from the mix, by id, e.g.
#   - { premises: P000007, hub: single, gas: false, versions: { chts: '1.0', installedOn: 2019-05-01 } }
overrides: []

clock:
  mode: accelerated            # real, accelerated (factor, start) or manual (start)
  factor: 60                   # one simulated hour per real minute
  start: 2026-01-01T00:00:00Z

wan:
  bind: 127.0.0.1              # anything but loopback (127.0.0.1, ::1, localhost) needs a token
  port: 7373
  queueLimit: 1024             # unacknowledged messages per client before the rest wait on disk
  # token: a-long-shared-secret

dashboard:
  enabled: true
  port: 7374

dataDir: .smets-sim            # snapshots and captures
snapshotEvery: 30s             # how often the estate's state is written to dataDir
`;

// --- validation ---------------------------------------------------------------------------------------

type Seg = string | number;

interface Found {
  path: Seg[];
  /** Where to point in the file when it is not `path` (a missing key is best shown by its neighbour). */
  at?: Seg[];
  /** Point at the key itself rather than its value (unknown keys). */
  key?: boolean;
  message: string;
}

class Checker {
  readonly errors: Found[] = [];
  readonly warnings: Found[] = [];
  fail(path: Seg[], message: string, extra: { at?: Seg[]; key?: boolean } = {}): undefined {
    this.errors.push({ path, message, ...extra });
    return undefined;
  }
}

export function pathText(path: readonly Seg[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

function describe(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return `the date ${Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()}`;
  if (typeof v === 'object') return 'a mapping';
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function didYouMean(key: string, allowed: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of allowed) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(k.toLowerCase(), key.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  const near = best !== undefined && bestD <= Math.max(1, Math.floor(key.length / 3));
  return near ? `unknown key (did you mean ${best}?)` : `unknown key (use ${allowed.join(', ')})`;
}

/** A mapping with only `allowed` keys; absent or empty gives {}, anything else an error and undefined. */
function section(c: Checker, v: unknown, path: Seg[], allowed: readonly string[]): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) return c.fail(path, `expected a mapping with ${allowed.join(', ')}, got ${describe(v)}`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) c.fail([...path, k], didYouMean(k, allowed), { key: true });
  return v;
}

interface NumRule {
  min: number;
  max: number;
  integer?: boolean;
  /** `min` itself is not allowed. */
  aboveMin?: boolean;
  what: string;
}

function num(c: Checker, v: unknown, path: Seg[], def: number, r: NumRule): number {
  if (v === undefined || v === null) return def;
  const ok = typeof v === 'number' && Number.isFinite(v) && (r.aboveMin ? v > r.min : v >= r.min) && v <= r.max && (!r.integer || Number.isInteger(v));
  if (!ok) c.fail(path, `expected ${r.what}, got ${describe(v)}`);
  return ok ? v : def;
}

const SHARE: NumRule = { min: 0, max: 1, what: 'a share from 0 to 1 (e.g. 0.3 for 30 %)' };
const PORT: NumRule = { min: 0, max: 65535, integer: true, what: 'a TCP port from 0 to 65535 (0: any free port)' };
const ANNUAL: NumRule = { min: 0, max: 1_000_000, aboveMin: true, what: 'kWh per year, more than 0 and at most 1,000,000' };

function bool(c: Checker, v: unknown, path: Seg[]): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') return c.fail(path, `expected true or false, got ${describe(v)}`);
  return v;
}

function text(c: Checker, v: unknown, path: Seg[], what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') return c.fail(path, `expected ${what}, got ${describe(v)}`);
  return v;
}

/** YAML reads an unquoted 2.0 as the number 2; a version is text, so numbers are read back as written. */
function version(c: Checker, v: unknown, path: Seg[]): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'number' && Number.isFinite(v) ? (Number.isInteger(v) ? `${v}.0` : String(v)) : v;
  if (typeof s !== 'string' || !/^\d{1,3}(\.\d{1,3}){1,2}$/.test(s)) return c.fail(path, `expected a version such as '1.1', got ${describe(v)}`);
  return s;
}

function isoDay(v: unknown): string | null {
  // A YAML 1.1 document (%YAML 1.1) reads 2020-06-01 as a timestamp.
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10);
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return null;
  const ms = Date.parse(`${v}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === v ? v : null;
}

function day(c: Checker, v: unknown, path: Seg[]): string | undefined {
  if (v === undefined || v === null) return undefined;
  return isoDay(v) ?? c.fail(path, `expected a date such as 2020-06-01, got ${describe(v)}`);
}

function instant(c: Checker, v: unknown, path: Seg[]): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString();
  const d = isoDay(v);
  if (d) return `${d}T00:00:00.000Z`;
  // A time without a zone would be read in the host's zone, and the same file would start at different times.
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms) && isoDay(v.slice(0, 10))) return new Date(ms).toISOString();
  }
  return c.fail(path, `expected a UTC time such as 2026-01-01T00:00:00Z, got ${describe(v)}`);
}

function duration(c: Checker, v: unknown, path: Seg[]): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return c.fail(path, `expected a duration such as 30s or 5m, got ${describe(v)}`);
  try {
    if (parseDuration(v) > 0) return v;
  } catch (e) {
    return c.fail(path, (e as Error).message);
  }
  return c.fail(path, 'expected a duration longer than 0, e.g. 30s');
}

function oneOf<T extends string>(c: Checker, v: unknown, path: Seg[], allowed: readonly T[]): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  return c.fail(path, `expected ${allowed.join(' or ')}, got ${describe(v)}`);
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const TOP_KEYS = ['seed', 'premises', 'overrides', 'clock', 'wan', 'dashboard', 'dataDir', 'snapshotEvery'] as const;
const PREMISES_KEYS = ['count', 'idPrefix', 'mix', 'versions', 'profile'] as const;
const MIX_KEYS = ['dualBand', 'gas', 'prepayment', 'ppmid', 'ihd'] as const;
const VERSION_KEYS = ['smets2', 'chts', 'gbcs', 'installedOn'] as const;
const PROFILE_KEYS = ['annualKWh', 'solarShare', 'heatingShare'] as const;
const OVERRIDE_KEYS = ['premises', 'hub', 'gas', 'prepayment', 'ppmid', 'ihd', 'versions', 'annualKWh'] as const;
const WAN_KEYS = ['bind', 'port', 'token', 'queueLimit'] as const;
const DASHBOARD_KEYS = ['enabled', 'port'] as const;
const CLOCK_KEYS: Record<ClockConfig['mode'], readonly string[]> = { real: ['mode'], accelerated: ['mode', 'factor', 'start'], manual: ['mode', 'start'] };

/** Reads `versions` (full for the estate, partial for an override) and checks what the simulator speaks. */
function versionsOf(c: Checker, v: unknown, path: Seg[]): Partial<Versions> | undefined {
  const o = section(c, v, path, VERSION_KEYS);
  if (!o) return undefined;
  const out: Partial<Versions> = {};
  const smets2 = version(c, o.smets2, [...path, 'smets2']);
  if (smets2 !== undefined) out.smets2 = smets2;
  const chts = version(c, o.chts, [...path, 'chts']);
  if (chts !== undefined) {
    if ((CHTS_SIMULATED as readonly string[]).includes(chts)) out.chts = chts as ChtsVersion;
    else c.fail([...path, 'chts'], `expected ${CHTS_SIMULATED.join(' or ')} (the CHTS versions this simulator builds hubs to), got ${chts}`);
  }
  const gbcs = version(c, o.gbcs, [...path, 'gbcs']);
  if (gbcs !== undefined) {
    if ((GBCS_SIMULATED as readonly string[]).includes(gbcs)) out.gbcs = gbcs as GbcsVersion;
    else c.fail([...path, 'gbcs'], `expected ${GBCS_SIMULATED.join(', ')} (the GBCS versions this simulator speaks), got ${gbcs}`);
  }
  const installedOn = day(c, o.installedOn, [...path, 'installedOn']);
  if (installedOn !== undefined) out.installedOn = installedOn;
  return out;
}

/** `clock`, present: its mode decides which other keys it may have. */
function clockOf(c: Checker, clk: unknown): ClockConfig {
  const fallback = defaultEstateConfig().clock;
  if (!isRecord(clk)) return c.fail(['clock'], `expected a mapping with mode (real, accelerated or manual), got ${describe(clk)}`) ?? fallback;
  const absent = clk.mode === undefined || clk.mode === null;
  const mode = absent ? 'accelerated' : oneOf(c, clk.mode, ['clock', 'mode'], ['real', 'accelerated', 'manual'] as const);
  if (!mode) return fallback;
  for (const k of Object.keys(clk)) {
    if (CLOCK_KEYS[mode].includes(k)) continue;
    const known = Object.values(CLOCK_KEYS).some((ks) => ks.includes(k));
    c.fail(['clock', k], known ? `a ${mode} clock has no ${k} (it takes ${CLOCK_KEYS[mode].join(', ')})` : didYouMean(k, ['mode', 'factor', 'start']), { key: true });
  }
  if (mode === 'real') return { mode };
  const start = instant(c, clk.start, ['clock', 'start']) ?? DEFAULT_START;
  if (mode === 'manual') return { mode, start };
  const factor = num(c, clk.factor, ['clock', 'factor'], DEFAULT_FACTOR, { min: 0, max: 1e9, aboveMin: true, what: 'an acceleration factor greater than 0 (60: an hour a minute)' });
  return { mode, factor, start };
}

function wanOf(c: Checker, v: unknown): EstateConfig['wan'] {
  const d = defaultEstateConfig();
  const w = section(c, v, ['wan'], WAN_KEYS) ?? {};
  const wan: EstateConfig['wan'] = {
    bind: d.wan.bind,
    port: num(c, w.port, ['wan', 'port'], d.wan.port, PORT),
    queueLimit: num(c, w.queueLimit, ['wan', 'queueLimit'], d.wan.queueLimit, { min: 1, max: 10_000_000, integer: true, what: 'a whole number of messages, at least 1' }),
  };
  const bind = text(c, w.bind, ['wan', 'bind'], 'an interface address such as 127.0.0.1');
  if (bind !== undefined) {
    if (/^[A-Za-z0-9.:%_-]{1,253}$/.test(bind)) wan.bind = bind;
    else c.fail(['wan', 'bind'], `expected an interface address such as 127.0.0.1 or ::1, got ${describe(bind)}`);
  }
  const token = text(c, w.token, ['wan', 'token'], 'a shared secret (text)');
  if (token !== undefined) wan.token = token;
  if (!isLoopback(wan.bind) && (w.token === undefined || w.token === null)) {
    c.fail(['wan', 'token'], `required when wan.bind is ${wan.bind}: anything but loopback (127.0.0.1, ::1, localhost) lets others on the network drive the estate, so give a token clients must present`, { at: ['wan', 'bind'] });
  }
  return wan;
}

function overridesOf(c: Checker, raw: unknown, idPrefix: string | undefined, count: number): PremisesOverride[] {
  const overrides: PremisesOverride[] = [];
  const overridden = new Map<string, number>();
  const prefix = idPrefix ?? defaultEstateConfig().premises.idPrefix;
  const idRe = new RegExp(`^${prefix}(\\d+)$`);
  const list = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : (c.fail(['overrides'], `expected a list of premises overrides, got ${describe(raw)}`), []);
  for (const [i, item] of list.entries()) {
    const path: Seg[] = ['overrides', i];
    const o = section(c, item, path, OVERRIDE_KEYS);
    if (!o) {
      overrides.push({ premises: '' });
      continue;
    }
    const id = o.premises;
    const example = premisesId(prefix, 1, count);
    if (id === undefined || id === null) c.fail([...path, 'premises'], `missing: which premises this overrides, e.g. ${example}`, { at: path });
    else if (typeof id !== 'string') c.fail([...path, 'premises'], `expected a premises id such as ${example}, got ${describe(id)}`);
    else if (idPrefix !== undefined) {
      const match = idRe.exec(id);
      const n = match ? Number(match[1]) : NaN;
      const range = `${example} to ${premisesId(prefix, count, count)}`;
      // Ids are written with a fixed width (premisesId): P7 or P0000007 is not P000007.
      if (!match || premisesId(prefix, Number(match[1]), count) !== id) c.fail([...path, 'premises'], `expected an id from ${range}, got ${describe(id)}`);
      else if (n < 1 || n > count) c.fail([...path, 'premises'], `${id} is not in the estate: premises.count is ${count} (${range})`);
      else if (overridden.has(id)) c.fail([...path, 'premises'], `${id} is already overridden at overrides[${overridden.get(id)}]; give each premises one entry`);
      else overridden.set(id, i);
    }
    // Kept even when wrong, so that overrides[i] in later messages is the user's i (the config is refused anyway).
    const out: PremisesOverride = { premises: typeof id === 'string' ? id : '' };
    const hub = oneOf(c, o.hub, [...path, 'hub'], ['single', 'dual'] as const);
    if (hub) out.hub = hub;
    for (const k of ['gas', 'prepayment', 'ppmid', 'ihd'] as const) {
      const b = bool(c, o[k], [...path, k]);
      if (b !== undefined) out[k] = b;
    }
    if (o.versions !== undefined && o.versions !== null) {
      const v = versionsOf(c, o.versions, [...path, 'versions']);
      if (v) out.versions = v;
    }
    if (o.annualKWh !== undefined && o.annualKWh !== null) {
      const annual = num(c, o.annualKWh, [...path, 'annualKWh'], NaN, ANNUAL);
      if (!Number.isNaN(annual)) out.annualKWh = annual;
    }
    overrides.push(out);
  }
  return overrides;
}

function check(root: unknown, c: Checker, allowInvalidTsat: boolean): EstateConfig {
  const d = defaultEstateConfig();
  const top = section(c, root, [], TOP_KEYS) ?? {};

  const seedRaw = top.seed;
  let seed = d.seed;
  if (typeof seedRaw === 'number' && Number.isFinite(seedRaw)) seed = String(seedRaw);
  else if (seedRaw !== undefined && seedRaw !== null) seed = text(c, seedRaw, ['seed'], 'seed text') ?? d.seed;

  // premises
  const P = ['premises'];
  const p = section(c, top.premises, P, PREMISES_KEYS) ?? {};
  const count = num(c, p.count, [...P, 'count'], d.premises.count, { min: 1, max: 1_000_000, integer: true, what: 'a whole number of premises from 1 to 1,000,000' });
  let idPrefix = d.premises.idPrefix;
  let idPrefixOk = true;
  if (p.idPrefix !== undefined && p.idPrefix !== null) {
    if (typeof p.idPrefix === 'string' && /^[A-Za-z][A-Za-z0-9_-]{0,15}$/.test(p.idPrefix)) idPrefix = p.idPrefix;
    else {
      idPrefixOk = false;
      c.fail([...P, 'idPrefix'], `expected a letter then up to 15 letters, digits, _ or -, e.g. P, got ${describe(p.idPrefix)}`);
    }
  }
  const m = section(c, p.mix, [...P, 'mix'], MIX_KEYS) ?? {};
  const mix: Mix = { ...d.premises.mix };
  for (const k of MIX_KEYS) mix[k] = num(c, m[k], [...P, 'mix', k], d.premises.mix[k], SHARE);
  const given = versionsOf(c, p.versions, [...P, 'versions']) ?? {};
  const versions: Versions = { ...d.premises.versions, ...given };
  const pr = section(c, p.profile, [...P, 'profile'], PROFILE_KEYS) ?? {};
  const profile: ProfileMix = {
    annualKWh: num(c, pr.annualKWh, [...P, 'profile', 'annualKWh'], d.premises.profile.annualKWh, ANNUAL),
    solarShare: num(c, pr.solarShare, [...P, 'profile', 'solarShare'], d.premises.profile.solarShare, SHARE),
    heatingShare: num(c, pr.heatingShare, [...P, 'profile', 'heatingShare'], d.premises.profile.heatingShare, SHARE),
  };

  const clock = top.clock === undefined || top.clock === null ? d.clock : clockOf(c, top.clock);
  const wan = wanOf(c, top.wan);
  // dashboard
  const db = section(c, top.dashboard, ['dashboard'], DASHBOARD_KEYS) ?? {};
  const dashboard = { enabled: bool(c, db.enabled, ['dashboard', 'enabled']) ?? d.dashboard.enabled, port: num(c, db.port, ['dashboard', 'port'], d.dashboard.port, PORT) };
  if (dashboard.enabled && dashboard.port !== 0 && dashboard.port === wan.port) {
    const mine = db.port !== undefined && db.port !== null;
    c.fail(mine ? ['dashboard', 'port'] : ['wan', 'port'], `${wan.port} is ${mine ? 'wan.port' : 'dashboard.port'} too; give each its own port (or 0 for any free one)`);
  }

  const dataDir = text(c, top.dataDir, ['dataDir'], 'a directory path such as .smets-sim') ?? d.dataDir;
  const snapshotEvery = duration(c, top.snapshotEvery, ['snapshotEvery']) ?? d.snapshotEvery;

  const overrides = overridesOf(c, top.overrides, idPrefixOk ? idPrefix : undefined, count);

  const config: EstateConfig = { seed, premises: { count, idPrefix, mix, versions, profile }, overrides, clock, wan, dashboard, dataDir, snapshotEvery };
  checkVersions(c, config, given, allowInvalidTsat);
  return config;
}

/*
 * TSAT: the estate's versions, then each override that changes versions or hub. An override inherits what it
 * does not set, so a violation it shares with the estate is reported once, at the estate's key.
 */
function checkVersions(c: Checker, cfg: EstateConfig, given: Partial<Versions>, allowInvalidTsat: boolean): void {
  const asOf = cfg.clock.mode === 'real' ? undefined : cfg.clock.start;
  const dual = cfg.premises.mix.dualBand;
  // A key that is already wrong was replaced by its default; what TSAT says of the default is noise.
  const wrong = new Set(c.errors.map((f) => pathText(f.path)));
  const report = (path: Seg[], v: TsatViolation, note = '', at?: Seg[]) => {
    if (wrong.has(pathText(path))) return;
    const found: Found = { path, message: `${v.message}${note} [TSAT ${v.rule}]`, ...(at ? { at } : {}) };
    (allowInvalidTsat ? c.warnings : c.errors).push(found);
  };
  const subjectOf = (vs: Versions, hubBand: 'single' | 'dual'): TsatSubject => ({ smets2: vs.smets2, chts: vs.chts, gbcs: vs.gbcs, installedOn: vs.installedOn, hubBand, ...(asOf ? { asOf } : {}) });
  const dualBand = (v: TsatViolation) => v.rule.startsWith('dual-band-');

  const base = checkTsat(subjectOf(cfg.premises.versions, dual > 0 ? 'dual' : 'single'));
  const seen = new Set(base.map((v) => `${v.rule}|${v.message}`));
  for (const v of base) {
    const f = v.field;
    const path: Seg[] = f === 'asOf' ? ['clock', 'start'] : f === 'hubBand' ? ['premises', 'mix', 'dualBand'] : ['premises', 'versions', f];
    // A default the user did not write is blamed on the key that made it wrong, when there is one.
    let at: Seg[] | undefined;
    if ((f === 'smets2' || f === 'chts' || f === 'gbcs') && given[f] === undefined) {
      if (v.rule.endsWith('-install') && given.installedOn !== undefined) at = ['premises', 'versions', 'installedOn'];
      else if (v.rule.endsWith('-maintain')) at = ['clock', 'start'];
      else if (dualBand(v)) at = ['premises', 'mix', 'dualBand'];
    }
    report(path, v, dualBand(v) ? ` (premises.mix.dualBand is ${dual})` : '', at);
  }

  for (const [i, o] of cfg.overrides.entries()) {
    if (!o.versions && !o.hub) continue;
    const vs: Versions = { ...cfg.premises.versions, ...o.versions };
    // Without its own hub, a premises may be drawn dual band whenever the estate has any.
    const band = o.hub ?? (dual > 0 ? 'dual' : 'single');
    const here = o.versions ?? {};
    for (const v of checkTsat(subjectOf(vs, band))) {
      const f = v.field;
      let path: Seg[] | undefined;
      if ((f === 'smets2' || f === 'chts' || f === 'gbcs' || f === 'installedOn') && here[f] !== undefined) path = ['overrides', i, 'versions', f];
      else if (v.rule.endsWith('-install') && here.installedOn !== undefined) path = ['overrides', i, 'versions', 'installedOn'];
      else if (dualBand(v) && o.hub) path = ['overrides', i, 'hub'];
      if (!path) {
        if (seen.has(`${v.rule}|${v.message}`)) continue;
        path = ['overrides', i];
      }
      const note = dualBand(v) && !o.hub ? ` (${o.premises} may be drawn dual band: premises.mix.dualBand is ${dual}; set hub: single)` : '';
      report(path, v, note);
    }
  }
}

// --- entry points --------------------------------------------------------------------------------------

function toIssues(found: readonly Found[], where?: (f: Found) => { line: number; column: number }): ConfigIssue[] {
  return found.map((f) => ({ path: pathText(f.path), ...(where ? where(f) : {}), message: f.message }));
}

/**
 * The in-process form (createEstate takes an object): the same rules as `parseEstateConfig`, issues without
 * lines. Throws EstateConfigError with every problem; returns the resolved config and any warnings.
 */
export function validateEstateConfig(obj: unknown, opts: EstateConfigOptions = {}): EstateConfigResult {
  const c = new Checker();
  const config = check(obj, c, opts.allowInvalidTsat === true);
  if (c.errors.length) throw new EstateConfigError(toIssues(c.errors));
  return { config, warnings: toIssues(c.warnings) };
}

/**
 * Reads a YAML estate config. Throws EstateConfigError carrying every problem, each with its key's path and
 * line; `.message` has one `file:line: path: message` line per problem. With `allowInvalidTsat`, TSAT
 * violations come back in `warnings` (same shape) instead.
 */
export function parseEstateConfig(text: string, file: string, opts: EstateConfigOptions = {}): EstateConfigResult {
  const lines = new LineCounter();
  const pos = (offset: number) => {
    const lp = lines.linePos(offset);
    return { line: lp.line, column: lp.col };
  };
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  } catch (e) {
    throw new EstateConfigError([{ path: '', line: 1, message: `invalid YAML: ${(e as Error).message}` }], file);
  }
  if (doc.errors.length) {
    throw new EstateConfigError(doc.errors.map((e) => ({ path: '', ...pos(e.pos[0]), message: `invalid YAML: ${e.message.split('\n')[0]}` })), file);
  }
  // yaml would stringify a list, mapping or binary key, with a process warning; no config key is one.
  const complexKeys: ConfigIssue[] = [];
  visit(doc, {
    Pair(_, pair) {
      const k = pair.key;
      const plain = k === null || (isScalar(k) && (k.value === null || ['string', 'number', 'boolean'].includes(typeof k.value)));
      if (!plain) complexKeys.push({ path: '', ...pos(rangeStart(pair.key) ?? 0), message: 'a key must be a plain word, not a list or mapping' });
    },
  });
  if (complexKeys.length) throw new EstateConfigError(complexKeys, file);
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new EstateConfigError([{ path: '', line: 1, message: `invalid YAML: ${(e as Error).message.split('\n')[0]}` }], file);
  }
  const c = new Checker();
  const config = check(root, c, opts.allowInvalidTsat === true);
  const where = (f: Found) => pos(locate(doc, f.at ?? f.path, f.key === true && !f.at));
  // In file order, as an editor lists them; sort is stable, so one line's problems keep their order.
  const byLine = (a: ConfigIssue, b: ConfigIssue) => (a.line ?? 0) - (b.line ?? 0);
  if (c.errors.length) throw new EstateConfigError(toIssues(c.errors, where).sort(byLine), file);
  return { config, warnings: toIssues(c.warnings, where).sort(byLine) };
}

/** The offset of the node at `path` (or of its key, or of the nearest ancestor present). */
function locate(doc: Document, path: readonly Seg[], key: boolean): number {
  let node: unknown = doc.contents;
  let best = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const seg = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      const keyAt = rangeStart(pair.key);
      const v = pair.value;
      // An empty value has no place of its own; its key is where the user looks.
      const valueAt = v === null || (isScalar(v) && v.value === null) ? undefined : rangeStart(v);
      if ((i === path.length - 1 && key) || valueAt === undefined) {
        best = keyAt ?? best;
        break;
      }
      best = valueAt;
      node = v;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
      best = rangeStart(node) ?? best;
    } else break;
  }
  return best;
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const r = (node as { range?: unknown }).range;
  return Array.isArray(r) && typeof r[0] === 'number' ? r[0] : undefined;
}
