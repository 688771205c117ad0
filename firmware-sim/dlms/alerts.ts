import type { Eui64 } from '../../protocols/eui.js';
import type { CipheredBlock } from '../../protocols/gbcs/ciphered.js';
import { type DlmsData, dlmsInvokeId } from '../../protocols/gbcs/dlms/index.js';
import type { Payload } from '../../protocols/gbcs/payload.js';
import { dtAt, enm, os, struct, u16, arr } from './data.js';

/*
 * DLMS alert payloads (gbcs-framing §3.2): a data-notification whose body is a structure of the alert code,
 * the time it was raised, then the alert's own fields. The invoke-id carries the alert counter.
 */

/** GBCS message codes of the DLMS alerts this engine raises. */
export const ALERT_MESSAGE = {
  futureDated: 0x00cc,
  billingDataLog: 0x0061,
  outageRestored: 0x0067,
  meterIntegrity: 0x00f0,
  deviceLogChanged: 0x0018,
  ecs100: 0x0120,
  ecs101: 0x0121,
  ecs200: 0x0123,
} as const;

/** Alert codes (the first body field). */
export const ALERT_CODE = {
  futureDatedOk: 0x8f66,
  futureDatedFailed: 0x8f67,
  billingDataLogUpdated: 0x8f0a,
  outageRestored: 0x8f35,
  outageRestoredLong: 0x8f36,
  integrityWarning: 0x81a0,
  deviceLogChanged: 0x8f12,
  creditAddedLocally: 0x810e,
  noAuthority: 0x8f30,
  supplyArmed: 0x8f32,
  utrnNotAuthentic: 0x8f63,
  utrnNotForDevice: 0x8f64,
  duplicateUtrn: 0x8f51,
  utrnExceedsMaxCredit: 0x8f5b,
  exceedsMaxMeterBalance: 0x8f47,
  creditBelowDisablement: 0x8f0f,
  emergencyCreditActivated: 0x81ab,
  clockAdjusted: 0x8145,
  clockNotAdjusted: 0x81c6,
  eventLogCleared: 0x8f52,
  supplyInterrupted: 0x8f57,
} as const;

export function notification(counter: bigint, body: DlmsData): Payload {
  return {
    family: 'dlms',
    dlms: { type: 'data-notification', invokeIdAndPriority: dlmsInvokeId(counter), dateTime: null, body },
  };
}

/** GCA / GNCA and every alert whose body is just code and time. */
export function plainAlert(counter: bigint, alertCode: number, at: Date, ...extra: DlmsData[]): Payload {
  return notification(counter, struct(u16(alertCode), dtAt(at), ...extra));
}

/** Octet-string of a ciphered block as DLMS protected data carries it (SC ‖ IC ‖ ciphertext ‖ tag). */
export function cipheredOctets(b: CipheredBlock): DlmsData {
  const ic = b.invocationCounter.toString(16).padStart(8, '0');
  return os(`${b.securityControl.toString(16).padStart(2, '0')}${ic}${b.ciphertext}${b.tag}`);
}

/**
 * Protection parameters of GBCS protected data (gbcs-framing §2.5): authentication and encryption, the
 * transaction id (04 ‖ counter), originator and recipient system titles, empty other-information and the
 * agreed-key info "C(0e, 2s ECC CDH)".
 */
export function protectionParameters(transactionId: string, originator: Eui64, recipient: Eui64): DlmsData {
  return arr([struct(enm(2), struct(os(transactionId), os(originator), os(recipient), os(''), struct(enm(2), struct(os('02'), os('')))))]);
}

export function transactionIdFor(counter: bigint): string {
  return `04${counter.toString(16).padStart(16, '0').toUpperCase()}`;
}
