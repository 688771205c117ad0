import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { parseDocument, isMap } from 'yaml';
import { ManualClock } from '../firmware-sim/clock.js';
import { Estate } from '../hub/estate.js';
import type { PremisesSpec } from '../hub/premises.js';
import { parseScenario } from '../hub/scenario.js';
import { Wan, type WanOptions } from '../hub/wan.js';
import { encodeEnvelope } from '../protocols/control/envelope.js';
import type { Eui64 } from '../protocols/eui.js';
import { isLoopback, refuse, sameSecret } from './http-guard.js';

/*
 * The WAN endpoint over WebSocket: one binary message = one envelope (protocols/control/envelope.ts), all
 * protocol logic in hub/wan.ts. The server is an estate's only door, so it listens on loopback unless given
 * a token, and checks the token before the upgrade (401) so an unauthenticated client never reaches a session.
 */

export class WsServerError extends Error {
  override readonly name = 'WsServerError';
}

export interface WsServerOptions {
  estate: Estate;
  /** Interface to listen on (default 127.0.0.1). Anything but loopback needs `token`. */
  bind?: string;
  /** TCP port (default 7373; 0 picks a free one). */
  port?: number;
  /** Shared secret: `Authorization: Bearer T` or `?token=T` (browsers cannot set headers on a WebSocket). */
  token?: string;
  wan?: WanOptions;
  /** Serve this WAN (and its sessions) instead of making one from `estate` and `wan`: an estate runner's. */
  useWan?: Wan;
  /** Largest accepted message (default 1 MiB; GBCS frames are a few kB at most). */
  maxPayload?: number;
}

export interface WsServer {
  /** `ws://host:port/`; add `?client=NAME` for redelivery across reconnects. */
  readonly url: string;
  readonly port: number;
  readonly wan: Wan;
  close(): Promise<void>;
}

export { isLoopback };

const CLIENT_RE = /^[A-Za-z0-9._:@-]{1,128}$/;


export async function startWsServer(opts: WsServerOptions): Promise<WsServer> {
  const bind = opts.bind ?? '127.0.0.1';
  const token = opts.token || undefined;
  if (!isLoopback(bind) && !token) {
    throw new WsServerError(`refusing to listen on ${bind} without a token: give --token or SMETS_SIM_TOKEN (or bind 127.0.0.1)`);
  }
  const wan = opts.useWan ?? new Wan(opts.estate, opts.wan);
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? 1 << 20, perMessageDeflate: false });
  const http = createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain' }).end('smets-sim WAN endpoint: connect with a WebSocket\n');
  });
  const live = new Map<string, WebSocket>();

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'ws://x');
    if (token) {
      const auth = req.headers.authorization;
      const given = auth?.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('token');
      if (given === null || given === undefined || !sameSecret(given, token)) return refuse(socket, 401, 'Unauthorized');
    }
    const named = url.searchParams.get('client');
    if (named !== null && !CLIENT_RE.test(named)) return refuse(socket, 400, 'Bad Request: client must be 1-128 of A-Z a-z 0-9 . _ : @ -');
    wss.handleUpgrade(req, socket, head, (ws) => connected(ws, named, socket));
  });

  function connected(ws: WebSocket, named: string | null, socket: Duplex): void {
    // Without a name there is nobody to redeliver to later: the session lives as long as the connection.
    const clientId = named ?? `anonymous-${randomUUID()}`;
    const previous = live.get(clientId);
    live.set(clientId, ws);
    if (previous) previous.close(4000, 'replaced by a newer connection for this client');
    const session = wan.session(clientId);
    // One incoming TCP chunk often holds many commands; corking until the end of the tick turns their acks
    // and responses into one write instead of a syscall per message (a fifth of the server's time otherwise).
    let corked = false;
    const uncork = () => {
      corked = false;
      socket.uncork();
    };
    const send = (bytes: Uint8Array) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      ws.send(bytes, { binary: true });
    };
    // A replaced connection's last messages still count: they belong to the same client identity.
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return send(textErr);
      session.receive(Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    });
    ws.on('close', () => {
      session.detach(send);
      if (live.get(clientId) === ws) {
        live.delete(clientId);
        if (!named) wan.forget(clientId);
      }
    });
    ws.on('error', (e) => wan.log(`client ${clientId}: ${e.message}`));
    session.attach(send);
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 7373, bind, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 7373);
  const host = bind.includes(':') ? `[${bind}]` : bind;
  return {
    url: `ws://${host}:${port}/`,
    port,
    wan,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
        wan.close();
      }),
  };
}

// Built once: the reply to a text frame never changes.
const textErr = encodeEnvelope({ t: 'err', msg: 'send binary WebSocket messages, one CBOR envelope each' });

// --- configuration --------------------------------------------------------------------------------------

export interface ServeConfig {
  seed: string;
  startMs: number;
  tickMs: number;
  premises: PremisesSpec[];
}

const eui = (s: string) => s as Eui64;

/** Two premises (a dual band hub with an electricity and a Sub GHz gas meter; a single band one) for a quick start. */
export const DEFAULT_SERVE_CONFIG: ServeConfig = {
  seed: 'serve',
  startMs: Date.UTC(2026, 0, 1),
  tickMs: 60_000,
  premises: [
    {
      id: 'house-1',
      hub: { eui: eui('00DB1234567890A2'), band: 'dual', chts: '1.1', gbcs: '2.0', channel24: 15 },
      devices: [
        { kind: 'esme', eui: eui('00DB1234567890A0'), band: '2.4GHz', rssiDbm: -65 },
        { kind: 'gsme', eui: eui('00DB1234567890A1'), band: 'subGHz', rssiDbm: -65 },
      ],
    },
    {
      id: 'flat-2',
      hub: { eui: eui('00DB1234567890B2'), band: 'single', chts: '1.0', gbcs: '1.1', channel24: 20 },
      devices: [
        { kind: 'esme', eui: eui('00DB1234567890B0'), band: '2.4GHz', rssiDbm: -60 },
        { kind: 'gsme', eui: eui('00DB1234567890B1'), band: '2.4GHz', rssiDbm: -70 },
      ],
    },
  ],
};

/**
 * A serve configuration: the `seed`, `start`, `tick` and `premises` of a scenario file, read by the scenario
 * parser so errors name the same file, line and field. `steps` may be present (a scenario file works) and is
 * ignored.
 */
export function parseServeConfig(text: string, source: string): ServeConfig {
  let doc = text;
  const parsed = parseDocument(text);
  if (!parsed.errors.length && isMap(parsed.contents) && !parsed.contents.has('steps')) {
    // Appending keeps every line number the user sees in an error; a flow mapping has to be rewritten.
    if (parsed.contents.flow) {
      parsed.set('steps', []);
      doc = parsed.toString();
    } else {
      doc = `${text}${text.endsWith('\n') ? '' : '\n'}steps: []\n`;
    }
  }
  const s = parseScenario(doc, source);
  return { seed: s.seed, startMs: s.startMs, tickMs: s.tickMs, premises: s.premises };
}

/** The estate a serve configuration describes, on a manual clock at its start (moved by `ctl advance`). */
export function estateOf(config: ServeConfig): Promise<Estate> {
  return Estate.create({ seed: config.seed, premises: config.premises, clock: new ManualClock(config.startMs) });
}
