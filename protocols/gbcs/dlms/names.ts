/*
 * Display names for COSEM interface classes, the OBIS codes RTDS addresses and DLMS result codes
 * (gbcs-framing §3.2, rtds-decoded §5). For people only: no codec reads these tables. Names are partial by
 * nature; a lookup miss returns undefined.
 */

export const COSEM_CLASS_NAMES: Readonly<Record<number, string>> = {
  1: 'Data',
  3: 'Register',
  4: 'Extended register',
  5: 'Demand register',
  7: 'Profile generic',
  8: 'Clock',
  9: 'Script table',
  10: 'Schedule',
  11: 'Special days table',
  15: 'Association LN',
  18: 'Image transfer',
  20: 'Activity calendar',
  21: 'Register monitor',
  22: 'Single action schedule',
  30: 'Data protection',
  40: 'Push setup',
  64: 'Security setup',
  70: 'Disconnect control',
  71: 'Limiter',
  104: 'ZigBee network control',
  111: 'Account',
  112: 'Credit',
  113: 'Charge',
  115: 'Token gateway',
  9000: 'GBCS extended data',
};

/** Keyed by OBIS text "a-b:c.d.e.f" (see obisHexToText); use cases from gbcs-framing §3.2 in brackets. */
export const OBIS_NAMES: Readonly<Record<string, string>> = {
  '0-0:94.44.10.0': 'Sub GHz configuration settings',
  '0-0:94.44.10.1': 'CHF Sub GHz channel scan',
  '0-0:94.44.10.2': 'Operating Sub GHz channel',
  '0-0:94.44.10.3': 'Sub GHz channel log',
  '0-0:94.44.100.255': 'Sub GHz channel log time (range restricting object)',
  '0-0:0.2.1.255': 'Firmware version',
  '0-0:94.44.34.11': 'MPAN',
  '1-0:0.0.2.255': 'Export MPAN',
  '0-0:94.44.3.1': 'Privacy PIN',
  '0-0:94.44.3.2': 'Change of tenancy date',
  '0-0:1.0.0.255': 'Clock',
  '0-0:10.0.100.255': 'Script table (tariff block counter matrix reset)',
  '0-0:10.0.103.255': 'Script table (ALCS state)',
  '0-0:10.0.106.255': 'Script table (load switch)',
  '0-0:13.0.0.255': 'Tariff switching table (activity calendar)',
  '0-0:15.0.0.255': 'Billing calendar',
  '0-0:30.3.0.255': 'CHF device log (ZigBee network control)',
  '0-0:19.40.0.255': 'Token gateway',
  '1-0:2.8.0.255': 'Active energy export register',
  '1-0:4.8.0.255': 'Reactive energy export register',
  '0-0:99.98.0.255': 'Event log',
  '0-0:99.98.1.255': 'Security log',
  '0-0:99.98.4.255': 'Power event log',
  '0-17:99.98.2.255': 'ALCS event log',
  '0-0:99.1.1.255': 'Half-hour profile data (export)',
  '0-0:99.1.2.255': 'Half-hour profile data (reactive import)',
  '0-0:43.2.1.255': 'Protected data: prepayment registers (ECS19)',
  '0-0:43.2.2.255': 'Protected data: billing data log, billing calendar triggered (ECS20c)',
  '0-0:43.2.3.255': 'Protected data: billing data log, change of mode or tariff (ECS20b)',
  '0-0:43.2.4.255': 'Protected data: daily consumption log (ECS66)',
  '0-0:43.2.5.255': 'Protected data: daily read log (ECS21a)',
  '0-0:43.2.6.255': 'Protected data: prepayment daily read log (ECS21b)',
  '0-0:43.2.7.255': 'Protected data: half-hour profile, active import (ECS22b)',
  '0-0:43.2.8.255': 'Protected data: import register collection (ECS17b)',
  '0-0:43.2.9.255': 'Protected data: TOU registers (ECS17d)',
  '0-0:43.2.10.255': 'Protected data: TOU with blocks registers (ECS17e)',
  '0-2:96.13.1.255': 'Message (ECS10)',
  '0-3:96.13.1.255': 'Consumer information number (ECS50)',
  '0-0:63.1.1.255': 'Threshold matrix',
};

/** "a-b:c.d.e.f" for 12 hex digits of OBIS; undefined if `obis` is not that. */
export function obisHexToText(obis: string): string | undefined {
  if (typeof obis !== 'string' || !/^[0-9A-Fa-f]{12}$/.test(obis)) return undefined;
  const p: number[] = [];
  for (let i = 0; i < 12; i += 2) p.push(parseInt(obis.slice(i, i + 2), 16));
  return `${p[0]}-${p[1]}:${p[2]}.${p[3]}.${p[4]}.${p[5]}`;
}

export const DATA_ACCESS_RESULT_NAMES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'hardware-fault',
  2: 'temporary-failure',
  3: 'read-write-denied',
  4: 'object-undefined',
  9: 'object-class-inconsistent',
  11: 'object-unavailable',
  12: 'type-unmatched',
  13: 'scope-of-access-violated',
  14: 'data-block-unavailable',
  15: 'long-get-aborted',
  16: 'no-long-get-in-progress',
  17: 'long-set-aborted',
  18: 'no-long-set-in-progress',
  19: 'data-block-number-invalid',
  250: 'other-reason',
};

export const ACTION_RESULT_NAMES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'hardware-fault',
  2: 'temporary-failure',
  3: 'read-write-denied',
  4: 'object-undefined',
  9: 'object-class-inconsistent',
  11: 'object-unavailable',
  12: 'type-unmatched',
  13: 'scope-of-access-violated',
  14: 'data-block-unavailable',
  15: 'long-action-aborted',
  16: 'no-long-action-in-progress',
  250: 'other-reason',
};

export function cosemClassName(classId: number): string | undefined {
  return COSEM_CLASS_NAMES[classId];
}

/** Display name of an OBIS code given as its 12 hex digits. */
export function obisName(obis: string): string | undefined {
  const text = obisHexToText(obis);
  return text === undefined ? undefined : OBIS_NAMES[text];
}

/** Name of a response spec result, using the action-result table for actions. */
export function accessResultName(type: 'get' | 'set' | 'action', result: number): string | undefined {
  return (type === 'action' ? ACTION_RESULT_NAMES : DATA_ACCESS_RESULT_NAMES)[result];
}
