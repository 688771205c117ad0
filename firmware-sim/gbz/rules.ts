import { utcFromSeconds } from '../../protocols/gbcs/gbz/index.js';
import type { UtcTime } from '../../protocols/gbcs/gbz/index.js';

/*
 * Per use case facts GBCS fixes in its use-case tables rather than in the ZCL commands themselves: which
 * responses carry sensitive data (encrypted components), which future-dated commands report their outcome
 * by alert, which reads are stamped with the meter's reading clock. Keyed by GBCS message code, like the
 * backbone's date-time table, because that is how GBCS defines them.
 */

/** Use cases whose data-bearing response components are encrypted for the requester (GBCS "sensitive"). */
export const SENSITIVE_RESPONSE = new Set([
  0x0074, // GCS13a read consumption register
  0x0075, // GCS14 read prepayment registers
  0x0076, // GCS15c billing data log (billing calendar)
  0x0077, // GCS16a daily read log
  0x0078, // GCS17 profile data log
  0x0079, // GCS18 network data log
  0x0096, // GCS16b daily read log (unknown remote party)
  0x00a0, // GCS61 daily consumption log
  0x00b6, // GCS13c TOU registers
  0x00b8, // GCS13b block registers
  0x00c3, // GCS15b billing data log (mode / tariff change)
  0x00c4, // GCS15d billing data log (debt payments)
]);

/** Future-dateable use cases whose execution is reported by a 0x00CD alert (8F66 success / 8F67 failure). */
export const FUTURE_DATED_WITH_OUTCOME = new Set([
  0x006b, // GCS01a set tariff and price (block)
  0x00a3, // GCS01b set tariff and price (TOU)
  0x006c, // GCS02 payment mode to credit
  0x006d, // GCS03 payment mode to prepayment
  0x006f, // GCS05 prepayment configuration
]);

/** Reads whose response header carries the time of the reading and the state of the clock it came from. */
export const READING_TIMESTAMP = new Set([0x0074, 0x0075, 0x00b6, 0x00b8, 0x012a]);

/** Log-style replies a GSME sends with "disable default response" set: nobody answers a published record. */
const DDR_REPLIES = new Set([
  'publishSnapshot',
  'publishPrepaySnapshot',
  'publishTopUpLog',
  'publishDebtLog',
  'publishEventLog',
  'publishCalendar',
  'publishDayProfile',
  'publishWeekProfile',
  'publishSeasons',
  'publishSpecialDays',
  'changePaymentModeResponse',
  'getSampledDataResponse',
]);

/** Use cases whose replies leave the bit clear although their command would set it (RTDS GCS18). */
const DDR_CLEAR = new Set([0x0079]);

export function replyDisablesDefaultResponse(messageCode: number, command: string, encrypted: boolean): boolean {
  if (DDR_CLEAR.has(messageCode)) return false;
  if (command === 'readAttributesResponse') return encrypted;
  return DDR_REPLIES.has(command);
}

// ---- time -----------------------------------------------------------------------------------------------

const EPOCH_2000_MS = Date.UTC(2000, 0, 1);

/** When a command says something should happen: now (0 or a past instant), at a future instant, or cancel. */
export type Activation = { kind: 'now' } | { kind: 'at'; at: Date } | { kind: 'cancel' };

export function utcToDate(v: UtcTime | undefined | null): Date | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v === 0 || v >= 0xfffffffe ? undefined : new Date(EPOCH_2000_MS + v * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t);
}

export function activationOf(v: UtcTime | undefined, now: Date): Activation {
  if (v === undefined || v === 0) return { kind: 'now' };
  if (typeof v === 'number' && v >= 0xfffffffe) return { kind: 'cancel' };
  const at = utcToDate(v);
  if (!at || at.getTime() <= now.getTime()) return { kind: 'now' };
  return { kind: 'at', at };
}

export function utc(d: Date): UtcTime {
  return utcFromSeconds(Math.max(0, Math.floor((d.getTime() - EPOCH_2000_MS) / 1000)));
}
