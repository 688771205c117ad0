import { allMessageCodes, messageCodeInfo, messageCodesForUseCase } from '../codes.js';
import { ASN1_USE_CASES } from './asn1-cases.js';
import { DLMS_USE_CASES } from './dlms-cases.js';
import { GBZ_USE_CASES } from './gbz-cases.js';
import type { UseCaseBuilder } from './types.js';
import { editDistance } from '../../text.js';

/** Every use case with a payload builder, keyed by name; each has exactly one message code. */
export const USE_CASES: readonly UseCaseBuilder[] = [...DLMS_USE_CASES, ...GBZ_USE_CASES, ...ASN1_USE_CASES];

const BY_NAME = new Map(USE_CASES.map((u) => [u.useCase.toLowerCase(), u]));
const BY_CODE = new Map(USE_CASES.map((u) => [u.messageCode, u]));
if (BY_NAME.size !== USE_CASES.length || BY_CODE.size !== USE_CASES.length) {
  throw new Error('commands table: duplicate use case name or message code');
}

/*
 * RTDS folder names that are variants of one use case (same message code, different payload values):
 * they resolve to the builder, so a name copied from the corpus works.
 */
const ALIASES: Record<string, string> = {
  cs03a2critical: 'CS03A2',
  cs03a2noncritical: 'CS03A2',
  cs03ccritical: 'CS03C',
  cs03cnoncritical: 'CS03C',
  cs04a: 'CS04AC',
  cs04c: 'CS04AC',
  cs04accritical: 'CS04AC',
  cs04acnoncritical: 'CS04AC',
  cs02amac: 'CS02a',
  cs02asignature: 'CS02a',
  cs02fmac: 'CS02f',
  cs02fsignature: 'CS02f',
  cs02bsupplierbysupplierhandover: 'CS02bSupplierBySupplier',
  cs02bnobynohandover: 'CS02bNOByNO',
  ecs70commission: 'ECS70',
  gcs28commission: 'GCS28',
  ecs62add: 'ECS62',
  ecs62remove: 'ECS62',
  ccs04: 'CCS05',
  ccs05ccs04: 'CCS05',
};

export type Resolution =
  | { kind: 'builder'; builder: UseCaseBuilder }
  /** A real message code, but no builder: the caller must supply the payload. */
  | { kind: 'payload-only'; messageCode: number; useCase: string }
  /** A name with several message codes (CS02b modes): the caller must pick one. */
  | { kind: 'ambiguous'; choices: Array<{ useCase: string; messageCode: number }> }
  | { kind: 'unknown'; suggestions: string[] };

/** `0x0027`, `0027` or a use case name (`ECS17b`, case-insensitive, RTDS variant names allowed). */
export function resolveUseCase(text: string): Resolution {
  const t = text.trim();
  const code = /^(?:0x)?([0-9a-f]{4})$/i.exec(t) ?? /^0x([0-9a-f]{1,4})$/i.exec(t);
  if (code) {
    const n = parseInt(code[1]!, 16);
    const b = BY_CODE.get(n);
    if (b) return { kind: 'builder', builder: b };
    const info = messageCodeInfo(n);
    if (info) return { kind: 'payload-only', messageCode: n, useCase: info.useCase };
    return { kind: 'unknown', suggestions: [] };
  }
  const key = t.toLowerCase();
  const direct = BY_NAME.get(key) ?? BY_NAME.get(ALIASES[key]?.toLowerCase() ?? '');
  if (direct) return { kind: 'builder', builder: direct };
  const codes = messageCodesForUseCase(t);
  if (codes.length === 1) {
    const b = BY_CODE.get(codes[0]!);
    return b ? { kind: 'builder', builder: b } : { kind: 'payload-only', messageCode: codes[0]!, useCase: messageCodeInfo(codes[0]!)!.useCase };
  }
  if (codes.length > 1) {
    return {
      kind: 'ambiguous',
      choices: codes.map((c) => ({ useCase: BY_CODE.get(c)?.useCase ?? messageCodeInfo(c)!.name, messageCode: c })),
    };
  }
  return { kind: 'unknown', suggestions: suggestUseCases(t) };
}

/** Known use case names closest to `text` (prefix matches first, then by edit distance). */
export function suggestUseCases(text: string, max = 5): string[] {
  const want = text.toLowerCase();
  const names = new Set<string>([...USE_CASES.map((u) => u.useCase), ...allMessageCodes().map((m) => m.useCase).filter((u) => /^[A-Z]+\d/.test(u))]);
  const scored = [...names].map((n) => {
    const l = n.toLowerCase();
    const prefix = l.startsWith(want) || want.startsWith(l) ? 0 : 1;
    return { n, score: prefix * 100 + editDistance(want, l) };
  });
  scored.sort((a, b) => a.score - b.score || a.n.localeCompare(b.n));
  const best = scored[0]?.score ?? Infinity;
  // Only offer names that are plausibly what was meant.
  return scored.filter((s) => s.score <= Math.max(best, 3) && s.score < 100 + Math.max(3, want.length / 2)).slice(0, max).map((s) => s.n);
}

export function builderForCode(code: number): UseCaseBuilder | undefined {
  return BY_CODE.get(code);
}
