import type { BandName, EstateSummary, PremisesDetail, PremisesFilter, PremisesPage, TrafficView } from './views.js';

/*
 * The /live WebSocket: JSON text messages, one object each, tagged by `t`. The page asks for what it shows
 * (a page of premises, one premises' detail); the server answers at once and then keeps that view fresh.
 */

export type ClientMessage =
  /** The premises list the page shows; refreshed by the server while it changes. */
  | { t: 'page'; offset: number; limit: number; filter?: PremisesFilter }
  /** Follow one premises' detail (null: none); `build` looks inside an idle premises. */
  | { t: 'select'; id: string | null; build?: boolean }
  /**
   * Operator action (only when the server was started with `actions`): interference on the channel the hub
   * uses now on that band, `levelDbm` for `durationMs` of simulated time. Answered by `injected` or by an
   * `error` with `re: 'inject'`.
   */
  | InjectMessage;

export interface InjectMessage {
  t: 'inject';
  premises: string;
  band: BandName;
  /** INJECT_LEVEL_DBM.min .. max */
  levelDbm: number;
  /** Whole milliseconds, INJECT_DURATION_MS.min .. max */
  durationMs: number;
}

/** What the server may do besides showing the estate; the page offers only these. */
export interface ActionsOffered {
  inject: boolean;
}

export type ServerMessage =
  | { t: 'hello'; summary: EstateSummary; recent: TrafficView[]; maxPageSize: number; actions: ActionsOffered }
  | { t: 'summary'; summary: EstateSummary }
  | { t: 'page'; page: PremisesPage }
  | { t: 'detail'; id: string; detail: PremisesDetail | null }
  /** New traffic, oldest first; `skipped` lines were left out to keep up (the page says so). */
  | { t: 'traffic'; records: TrafficView[]; skipped: number }
  /** An `inject` was applied (it echoes what was asked); the premises' fresh `detail` follows. */
  | { t: 'injected'; premises: string; band: BandName; levelDbm: number; durationMs: number }
  /** `re`: the type of the message that failed, when it had a known one (the page shows inject errors by its form). */
  | { t: 'error'; msg: string; re?: ClientMessage['t'] };

export type ParseError = { error: string; re?: ClientMessage['t'] };

export const MAX_PAGE_SIZE = 200;
export const INJECT_LEVEL_DBM = { min: -120, max: 0 } as const;
export const INJECT_DURATION_MS = { min: 1000, max: 7 * 24 * 3_600_000 } as const;
const MAX_ID = 256;

const HUBS = new Set(['single', 'dual']);
const BANDS = new Set<string>(['2.4GHz', 'subGHz'] satisfies BandName[]);
const STATUSES = new Set(['live', 'idle', 'alerts']);
const DEVICE_RE = /^[a-z]{2,10}$/;
const MAX_TEXT = 100;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Reads one message from a page; an error string names what was wrong, for the page's console. */
export function parseClientMessage(text: string): ClientMessage | ParseError {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  if (!isObject(m)) return { error: 'expected a JSON object' };
  if (m.t === 'page') {
    if (!isCount(m.offset)) return { error: 'page: offset must be a whole number ≥ 0' };
    if (!isCount(m.limit) || m.limit < 1 || m.limit > MAX_PAGE_SIZE) return { error: `page: limit must be 1-${MAX_PAGE_SIZE}` };
    const filter = parseFilter(m.filter);
    if (typeof filter === 'string') return { error: `page: filter: ${filter}` };
    return { t: 'page', offset: m.offset, limit: m.limit, ...(filter ? { filter } : {}) };
  }
  if (m.t === 'select') {
    if (m.id !== null && (typeof m.id !== 'string' || m.id.length > MAX_ID)) return { error: 'select: id must be a premises id or null' };
    return { t: 'select', id: m.id, ...(m.build === true ? { build: true } : {}) };
  }
  if (m.t === 'inject') {
    const bad = (what: string): ParseError => ({ error: `inject: ${what}`, re: 'inject' });
    if (typeof m.premises !== 'string' || m.premises === '' || m.premises.length > MAX_ID) return bad('premises must be a premises id');
    if (typeof m.band !== 'string' || !BANDS.has(m.band)) return bad('band must be 2.4GHz or subGHz');
    const { min: lmin, max: lmax } = INJECT_LEVEL_DBM;
    if (typeof m.levelDbm !== 'number' || !Number.isFinite(m.levelDbm) || m.levelDbm < lmin || m.levelDbm > lmax) return bad(`levelDbm must be a number of dBm, ${lmin} to ${lmax}`);
    const { min: dmin, max: dmax } = INJECT_DURATION_MS;
    if (typeof m.durationMs !== 'number' || !Number.isSafeInteger(m.durationMs) || m.durationMs < dmin || m.durationMs > dmax) {
      return bad(`durationMs must be whole milliseconds, ${dmin} (1 s) to ${dmax} (7 days)`);
    }
    return { t: 'inject', premises: m.premises, band: m.band as BandName, levelDbm: m.levelDbm, durationMs: m.durationMs };
  }
  return { error: `unknown message type ${JSON.stringify(m.t)} (use page, select, inject)` };
}

function parseFilter(f: unknown): PremisesFilter | undefined | string {
  if (f === undefined || f === null) return undefined;
  if (!isObject(f)) return 'expected an object';
  const out: PremisesFilter = {};
  if (f.text !== undefined && f.text !== '') {
    if (typeof f.text !== 'string' || f.text.length > MAX_TEXT) return `text must be a string of at most ${MAX_TEXT} characters`;
    out.text = f.text;
  }
  if (f.hub !== undefined && f.hub !== '') {
    if (typeof f.hub !== 'string' || !HUBS.has(f.hub)) return 'hub must be single or dual';
    out.hub = f.hub as PremisesFilter['hub'];
  }
  if (f.device !== undefined && f.device !== '') {
    if (typeof f.device !== 'string' || !DEVICE_RE.test(f.device)) return 'device must be a device kind, e.g. esme';
    out.device = f.device;
  }
  if (f.status !== undefined && f.status !== '') {
    if (typeof f.status !== 'string' || !STATUSES.has(f.status)) return 'status must be live, idle or alerts';
    out.status = f.status as PremisesFilter['status'];
  }
  return out;
}
