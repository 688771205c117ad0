import { firstDifference } from '../bytes.js';
import { GbcsDecodeError, GbcsEncodeError } from '../errors.js';
import { hex4, messageCodeInfo } from './codes.js';
import { type FrameLayout, type GbcsFrame, decodeFrameWithLayout, encodeFrame, messageCodeOf, protectionOf } from './frame.js';
import { countUntyped } from './payload.js';
import { type SecurityContext, type SecurityReport, verifyFrame } from './security.js';

/** Outcome of checking one frame: round trip, then whatever the keystore lets us verify. */
export type CheckOutcome =
  | { status: 'ok'; frame: GbcsFrame; security?: SecurityReport; untyped: number }
  | { status: 'unverifiable'; reason: string; frame: GbcsFrame; security: SecurityReport; untyped: number }
  | { status: 'fail'; reason: string; frame?: GbcsFrame; security?: SecurityReport };

export interface DecodedSummary {
  messageCode: string;
  useCase: string;
  name: string;
  protection: string;
}

export function summarize(frame: GbcsFrame): DecodedSummary {
  const code = messageCodeOf(frame);
  const info = messageCodeInfo(code);
  return { messageCode: hex4(code), useCase: info?.useCase ?? '?', name: info?.name ?? 'unknown', protection: protectionOf(frame) };
}

export function checkFrame(bytes: Uint8Array, sec?: SecurityContext): CheckOutcome {
  let frame: GbcsFrame;
  let layout: FrameLayout;
  try {
    ({ frame, layout } = decodeFrameWithLayout(bytes));
  } catch (e) {
    if (e instanceof GbcsDecodeError) return { status: 'fail', reason: `decode: ${e.message}` };
    throw e;
  }
  let again: Uint8Array;
  try {
    again = encodeFrame(frame);
  } catch (e) {
    if (e instanceof GbcsEncodeError) return { status: 'fail', reason: `re-encode: ${e.message}`, frame };
    throw e;
  }
  const diff = firstDifference(bytes, again);
  if (diff >= 0) {
    return { status: 'fail', reason: `re-encode differs at offset ${diff} (${bytes.length} bytes in, ${again.length} out)`, frame };
  }
  const untyped = frame.kind === 'gbt' ? 0 : countUntyped(frame.payload);
  if (!sec) return { status: 'ok', frame, untyped };
  const security = verifyFrame(bytes, frame, layout, sec);
  const bad = [
    security.mac.status === 'invalid' ? `MAC: ${security.mac.reason}` : '',
    security.signature.status === 'invalid' ? `signature: ${security.signature.reason}` : '',
    ...security.decrypted.filter((d) => d.status === 'invalid').map((d) => `decrypt ${d.path}: ${d.reason}`),
  ].filter(Boolean);
  if (bad.length) return { status: 'fail', reason: bad.join('; '), frame, security };
  const why = [
    security.mac.status === 'unverifiable' ? `MAC: ${security.mac.reason}` : '',
    security.signature.status === 'unverifiable' ? `signature: ${security.signature.reason}` : '',
    ...security.decrypted.filter((d) => d.status === 'unverifiable').map((d) => `decrypt: ${d.reason}`),
  ].filter(Boolean);
  if (why.length) return { status: 'unverifiable', reason: why.join('; '), frame, security, untyped };
  return { status: 'ok', frame, security, untyped };
}
