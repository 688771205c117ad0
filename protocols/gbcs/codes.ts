import { ALERT_CODE_ROWS, MESSAGE_CODE_ROWS } from './code-tables.js';

export interface MessageCodeInfo {
  code: number;
  /** Use case identifier as GBCS/DUIS name it, e.g. `ECS17b`, `DBCH01`, or `GCA` for generic alerts. */
  useCase: string;
  name: string;
}

const GENERIC: Record<number, string> = { 0x1000: 'GCA', 0x1001: 'GNCA', 0x00ca: 'FDFA', 0x00cb: 'FDUSCA', 0x00cc: 'FDA-DLMS', 0x00cd: 'FDA-GBZ', 0x00ce: 'FDRA-DLMS', 0x00cf: 'FDRA-GBZ', 0x00d5: 'FDRPM', 0x00f0: 'MIIWA-DLMS', 0x00f2: 'MIIWA-GBZ' };

function useCaseOf(code: number, name: string): string {
  const g = GENERIC[code];
  if (g) return g;
  const m = /^([A-Z]+\d+[A-Za-z0-9]*)/.exec(name);
  return m ? m[1]! : `0x${code.toString(16).padStart(4, '0').toUpperCase()}`;
}

const MESSAGE_CODES: ReadonlyMap<number, MessageCodeInfo> = new Map(
  MESSAGE_CODE_ROWS.map(([code, name]) => [code, { code, name, useCase: useCaseOf(code, name) }]),
);
const ALERT_CODES: ReadonlyMap<number, string> = new Map(ALERT_CODE_ROWS);

export function messageCodeInfo(code: number): MessageCodeInfo | undefined {
  return MESSAGE_CODES.get(code);
}

export function isKnownMessageCode(code: number): boolean {
  return MESSAGE_CODES.has(code);
}

export function allMessageCodes(): MessageCodeInfo[] {
  return [...MESSAGE_CODES.values()];
}

/** Message codes by use case name (`ECS17b` → 0x0027); several codes can share one (CS02b modes). */
export function messageCodesForUseCase(useCase: string): number[] {
  const want = useCase.toUpperCase();
  return [...MESSAGE_CODES.values()].filter((m) => m.useCase.toUpperCase() === want).map((m) => m.code);
}

export function alertCodeName(code: number): string | undefined {
  return ALERT_CODES.get(code);
}

export function isKnownAlertCode(code: number): boolean {
  return ALERT_CODES.has(code);
}

export function hex4(code: number): string {
  return `0x${code.toString(16).padStart(4, '0').toUpperCase()}`;
}
