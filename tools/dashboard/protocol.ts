import type { EstateSummary, PremisesDetail, PremisesFilter, PremisesPage, TrafficView } from './views.js';

/*
 * The /live WebSocket: JSON text messages, one object each, tagged by `t`. The page asks for what it shows
 * (a page of premises, one premises' detail); the server answers at once and then keeps that view fresh.
 */

export type ClientMessage =
  /** The premises list the page shows; refreshed by the server while it changes. */
  | { t: 'page'; offset: number; limit: number; filter?: PremisesFilter }
  /** Follow one premises' detail (null: none); `build` looks inside an idle premises. */
  | { t: 'select'; id: string | null; build?: boolean };

export type ServerMessage =
  | { t: 'hello'; summary: EstateSummary; recent: TrafficView[]; maxPageSize: number }
  | { t: 'summary'; summary: EstateSummary }
  | { t: 'page'; page: PremisesPage }
  | { t: 'detail'; id: string; detail: PremisesDetail | null }
  /** New traffic, oldest first; `skipped` lines were left out to keep up (the page says so). */
  | { t: 'traffic'; records: TrafficView[]; skipped: number }
  | { t: 'error'; msg: string };

export const MAX_PAGE_SIZE = 200;

const HUBS = new Set(['single', 'dual']);
const STATUSES = new Set(['live', 'idle', 'alerts']);
const DEVICE_RE = /^[a-z]{2,10}$/;
const MAX_TEXT = 100;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Reads one message from a page; an error string names what was wrong, for the page's console. */
export function parseClientMessage(text: string): ClientMessage | { error: string } {
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
    if (m.id !== null && (typeof m.id !== 'string' || m.id.length > 256)) return { error: 'select: id must be a premises id or null' };
    return { t: 'select', id: m.id, ...(m.build === true ? { build: true } : {}) };
  }
  return { error: `unknown message type ${JSON.stringify(m.t)} (use page, select)` };
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
