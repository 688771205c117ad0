import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { TrafficRecord } from '../../hub/premises.js';
import { isLoopback, refuse, sameSecret } from '../http-guard.js';
import { type ClientMessage, type InjectMessage, MAX_PAGE_SIZE, type ServerMessage, parseClientMessage } from './protocol.js';
import { Ring } from './ring.js';
import type { DashboardSource } from './source.js';

/*
 * The live dashboard: the page's three static files and a WebSocket at /live. Each client says what it
 * looks at (a page of premises, one premises); the server sends the summary every interval, refreshes those
 * views when the estate changed, and pushes new traffic in batches, so a busy estate costs the dashboard one
 * message per batch rather than one per frame, and a slow browser is skipped rather than buffered without end.
 */

export class DashboardError extends Error {
  override readonly name = 'DashboardError';
}

/**
 * What the operator may do from the page. Each action applies and records the change itself (the estate
 * runner journals it, so a restart replays it); it throws to refuse, and the page shows the message.
 */
export interface DashboardActions {
  /** Interference on the channel the premises' hub uses now on `band`. */
  inject(premises: string, band: '2.4GHz' | 'subGHz', levelDbm: number, durationMs: number): void;
}

export interface DashboardOptions {
  source: DashboardSource;
  /** Lets the page change the estate; without it the dashboard is read-only and the page offers no controls. */
  actions?: DashboardActions;
  /** Interface to listen on (default 127.0.0.1). Anything but loopback needs `token`. */
  bind?: string;
  /** TCP port (default 7374; 0 picks a free one). */
  port?: number;
  /** Shared secret the page passes on as `?token=T` (open `url?token=T`). */
  token?: string;
  /** How often the summary and the views a client follows are refreshed (default 1000 ms). */
  intervalMs?: number;
  /** How often new traffic is pushed (default 250 ms). */
  pushMs?: number;
  /** Most traffic lines in one push; older ones in the batch are counted as skipped (default 200). */
  maxPush?: number;
  log?: (line: string) => void;
}

export interface Dashboard {
  /** `http://host:port/` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Lines of traffic a client gets when it connects. */
const HELLO_RECENT = 100;
/** A client with this much unsent data is not sent more until it drains. */
const MAX_BUFFERED = 4 << 20;

const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

interface Client {
  ws: WebSocket;
  page: Extract<ClientMessage, { t: 'page' }> | null;
  selected: string | null;
  build: boolean;
  /** Estate version (traffic count, clock) its views were last sent at. */
  seen: string;
}


async function loadPage(): Promise<Map<string, { body: Buffer; type: string }>> {
  const dir = new URL('./page/', import.meta.url);
  const out = new Map<string, { body: Buffer; type: string }>();
  for (const [path, { file, type }] of Object.entries(PAGE_FILES)) out.set(path, { body: await readFile(new URL(file, dir)), type });
  return out;
}

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const { source, actions } = opts;
  const bind = opts.bind ?? '127.0.0.1';
  const token = opts.token || undefined;
  if (!isLoopback(bind) && !token) throw new DashboardError(`refusing to serve the dashboard on ${bind} without a token (or bind 127.0.0.1)`);
  const log = opts.log ?? ((l: string) => process.stderr.write(`smets-sim dashboard: ${l}\n`));
  const maxPush = opts.maxPush ?? 200;
  const files = await loadPage();
  const clients = new Set<Client>();

  // A page on another site (or a DNS name rebound to this machine) must not read the estate: on loopback
  // only loopback names are accepted, and a browser's WebSocket must come from the page this server served.
  const hostAllowed = (host: string | undefined): boolean => {
    if (!host) return false;
    if (!isLoopback(bind)) return true;
    const name = host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    return isLoopback(name);
  };

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host)) return void res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected Request\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Method Not Allowed\n');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const f = files.get(path);
    if (!f) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
    res.writeHead(200, { 'Content-Type': f.type, 'Content-Length': f.body.length, ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : f.body);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 << 10, perMessageDeflate: false });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'ws://x');
    if (url.pathname !== '/live') return refuse(socket, 404, 'Not Found');
    if (!hostAllowed(req.headers.host)) return refuse(socket, 421, 'Misdirected Request');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}` && origin !== `https://${req.headers.host}`) return refuse(socket, 403, 'Forbidden');
    if (token) {
      const given = url.searchParams.get('token');
      if (given === null || !sameSecret(given, token)) return refuse(socket, 401, 'Unauthorized');
    }
    wss.handleUpgrade(req, socket, head, connected);
  });

  const guard = (fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      // A dashboard bug must not take the estate down with it: say so and keep serving.
      log(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  };

  const send = (c: Client, m: ServerMessage | string): void => {
    if (c.ws.readyState !== WebSocket.OPEN || c.ws.bufferedAmount > MAX_BUFFERED) return;
    c.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  };

  // What the views depend on: traffic seen and simulated time. Unchanged, a refresh would send the same.
  let trafficSeen = 0;

  const sendPage = (c: Client) => {
    if (c.page) send(c, { t: 'page', page: source.page(c.page.offset, c.page.limit, c.page.filter) });
  };
  const sendDetail = (c: Client) => {
    if (c.selected !== null) send(c, { t: 'detail', id: c.selected, detail: source.detail(c.selected, { build: c.build }) ?? null });
  };

  const inject = (c: Client, m: InjectMessage): void => {
    const fail = (msg: string) => send(c, { t: 'error', msg: `inject: ${msg}`, re: 'inject' });
    if (!actions) return fail('this dashboard is read-only (started without actions)');
    // Checked here too, before the action records anything: a refused injection must not reach a journal.
    const hub = source.hubKind(m.premises);
    if (hub === undefined) return fail(`no premises ${m.premises}`);
    if (m.band === 'subGHz' && hub !== 'dual') return fail(`premises ${m.premises} has a single band hub: no Sub GHz radio`);
    try {
      actions.inject(m.premises, m.band, m.levelDbm, m.durationMs);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log(`inject ${m.premises} ${m.band} ${m.levelDbm} dBm ${m.durationMs} ms refused: ${msg}`);
      return fail(msg);
    }
    log(`inject ${m.premises} ${m.band} ${m.levelDbm} dBm for ${m.durationMs} ms`);
    const { t: _, ...what } = m;
    send(c, { t: 'injected', ...what });
    // The asker sees the result at once, and so does everyone else following that premises.
    const detail = source.detail(m.premises) ?? null;
    const text = JSON.stringify({ t: 'detail', id: m.premises, detail } satisfies ServerMessage);
    for (const other of clients) {
      if (other === c || other.selected === m.premises) send(other, text);
      // Neither traffic nor time moved, yet a list may now show the premises live: refresh all views next time.
      other.seen = '';
    }
  };

  function connected(ws: WebSocket): void {
    const c: Client = { ws, page: null, selected: null, build: false, seen: '' };
    clients.add(c);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return send(c, { t: 'error', msg: 'send JSON text messages' });
      const m = parseClientMessage(data.toString());
      if ('error' in m) return send(c, { t: 'error', msg: m.error, ...(m.re ? { re: m.re } : {}) });
      guard(() => {
        if (m.t === 'page') {
          c.page = m;
          sendPage(c);
        } else if (m.t === 'inject') {
          inject(c, m);
        } else {
          c.selected = m.id;
          // Building is asked once, for the premises it was asked for; following it later needs no rebuild.
          c.build = m.build === true;
          sendDetail(c);
        }
      });
    });
    ws.on('close', () => clients.delete(c));
    ws.on('error', (e) => log(`client: ${e.message}`));
    guard(() => send(c, { t: 'hello', summary: source.summary(), recent: source.recent(HELLO_RECENT), maxPageSize: MAX_PAGE_SIZE, actions: { inject: actions !== undefined } }));
  }

  // New traffic waits here for the next push; only the newest `maxPush` are kept.
  let pending = new Ring<TrafficRecord>(maxPush);
  let pendingCount = 0;
  const unsubscribe = source.subscribe((r) => {
    trafficSeen++;
    if (!clients.size) return;
    pending.push(r);
    pendingCount++;
  });

  const push = setInterval(
    () =>
      guard(() => {
        if (!pendingCount) return;
        const batch = pending.toArray();
        const skipped = pendingCount - batch.length;
        pending = new Ring<TrafficRecord>(maxPush);
        pendingCount = 0;
        const text = JSON.stringify({ t: 'traffic', records: batch.map((r) => source.describe(r)), skipped } satisfies ServerMessage);
        const touched = new Set(batch.map((r) => r.premises));
        for (const c of clients) {
          send(c, text);
          // The premises someone watches just talked: show it now rather than at the next refresh.
          if (c.selected !== null && touched.has(c.selected)) sendDetail(c);
        }
      }),
    opts.pushMs ?? 250,
  );

  const refresh = setInterval(
    () =>
      guard(() => {
        if (!clients.size) return;
        const summary = source.summary();
        const text = JSON.stringify({ t: 'summary', summary } satisfies ServerMessage);
        const v = `${trafficSeen}/${summary.nowMs}`;
        for (const c of clients) {
          send(c, text);
          if (c.seen === v) continue;
          c.seen = v;
          sendPage(c);
          sendDetail(c);
        }
      }),
    opts.intervalMs ?? 1000,
  );

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 7374, bind, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 7374);
  const host = bind.includes(':') ? `[${bind}]` : bind;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(push);
        clearInterval(refresh);
        unsubscribe();
        for (const c of clients) c.ws.terminate();
        clients.clear();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
