import type { Hex } from '../../bytes.js';
import { GbcsEncodeError } from '../../errors.js';
import type { ActivateFirmwareOutcome, DeviceLogEntry, UpdateSecurityCredentialsExecutionOutcome } from './messages.js';
import { encodeAsn1Value } from './payload.js';

/*
 * Small helpers for device models that answer ASN.1 use cases. Each returns the payload bytes that go into
 * the General-Signing content; all go through the same schema encoders as user JSON.
 */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `YYYYMMDDhhmmssZ` in UTC, as GBCS GeneralizedTime fields use (milliseconds dropped). */
export function formatGeneralizedTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new GbcsEncodeError('time', 'invalid Date');
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new GbcsEncodeError('time', `year ${y} does not fit GeneralizedTime`);
  return `${pad(y, 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}

/** Reads `YYYYMMDDhhmmss[.f]Z`; undefined when the text is not that form. */
export function parseGeneralizedTime(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(text);
  if (!m) return undefined;
  const ms = m[7] ? Math.round(Number(`0${m[7]}`) * 1000) : 0;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms));
  d.setUTCFullYear(+m[1]!); // Date.UTC maps years 0-99 to 1900-1999
  return d;
}

function timeText(t: Date | string): string {
  return typeof t === 'string' ? t : formatGeneralizedTime(t);
}

/** `INTEGER code`: the whole response of CS02d, CS03, CS04 (and the error form of CS02c/CS02e). */
export function responseCodePayload(responseCode: number): Uint8Array {
  return encodeAsn1Value('JoinDeviceResponse', { responseCode });
}

/** CS07 response: join details from the device log. */
export function readDeviceJoinDetailsResponsePayload(entries: DeviceLogEntry[] | undefined, responseCode = 0): Uint8Array {
  return encodeAsn1Value('ReadDeviceJoinDetailsResponse', entries ? { responseCode, deviceLogEntries: entries } : { responseCode });
}

/** GCS28 response. */
export function setTimeResponsePayload(deviceTime: Date | string, deviceTimeStatus: number): Uint8Array {
  return encodeAsn1Value('SetTimeResponse', { deviceTime: timeText(deviceTime), deviceTimeStatus });
}

/** CS06 response: NULL for an accepted future-dated activation, else the outcome. */
export function activateFirmwareResponsePayload(outcome: ActivateFirmwareOutcome | 'accepted'): Uint8Array {
  return encodeAsn1Value(
    'ActivateFirmwareResponse',
    outcome === 'accepted' ? { commandAccepted: null } : { executionOutcome: outcome },
  );
}

/** CS06 future-dated outcome alert (message code 0x00CA; alert 0x8F66 success / 0x8F67 failure). */
export function activateFirmwareAlertPayload(
  alertCode: number,
  executionDateTime: Date | string,
  originatorCounter: bigint,
  outcome: ActivateFirmwareOutcome,
): Uint8Array {
  return encodeAsn1Value('ActivateFirmwareAlert', {
    alertCode,
    executionDateTime: timeText(executionDateTime),
    originatorCounter,
    executionOutcome: outcome,
  });
}

/** CS08 response. */
export function readFirmwareVersionResponsePayload(firmwareVersion: Hex, responseCode = 0): Uint8Array {
  return encodeAsn1Value('ReadFirmwareVersionResponse', { firmwareVersion, responseCode });
}

/** CCS08 alert (message code 0x0128; 0x8F8A success / 0x8F89 failure). */
export function firmwareTransferAlertPayload(
  alertCode: number,
  executionDateTime: Date | string,
  entityId: Hex,
  firmwareVersion: Hex,
  responseCode: number,
): Uint8Array {
  return encodeAsn1Value('FirmwareTransferAlert', {
    alertCode,
    executionDateTime: timeText(executionDateTime),
    entityId,
    firmwareVersion,
    responseCode,
  });
}

/** CS02b/CS02g response: accepted, with the outcome when executed immediately. */
export function updateSecurityCredentialsResponsePayload(outcome?: UpdateSecurityCredentialsExecutionOutcome): Uint8Array {
  return encodeAsn1Value('UpdateSecurityCredentialsResponse', outcome ? { commandAccepted: null, executionOutcome: outcome } : { commandAccepted: null });
}
