import { WebSocket } from 'ws';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../protocols/control/envelope.js';

/** A head-end connection that collects envelopes and lets a test wait for one. */
export class Client {
  readonly inbox: Envelope[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      this.inbox.push(decodeEnvelope(d));
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const c = new Client(ws); // listening before open: hello can arrive with the upgrade
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }
  send(e: Envelope): void {
    this.ws.send(encodeEnvelope(e));
  }
  /** Waits until `pred` holds for the inbox (or the socket closed); fails after `ms`. */
  async until(pred: (inbox: Envelope[]) => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.inbox)) {
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error(`timed out; inbox has ${this.inbox.length}: ${JSON.stringify(this.inbox.slice(-3).map((e) => e.t))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
}
