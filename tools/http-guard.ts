import { createHash, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';

/*
 * What the WAN endpoint and the dashboard both check before a WebSocket upgrade: a shared secret, and a plain
 * HTTP refusal when it is missing or wrong. Loopback detection lives with the config (hub/estate-config.ts),
 * which refuses a non-loopback bind without a token before anything listens.
 */
export { isLoopback } from '../hub/estate-config.js';

/** Constant-time comparison of a presented token with the expected one. */
export function sameSecret(a: string, b: string): boolean {
  // Hash first: timingSafeEqual needs equal lengths, and the length must not leak either.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Answers an upgrade request with an HTTP status and closes the socket. */
export function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
}
