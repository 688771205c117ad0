import { createHash } from 'node:crypto';
import type { EstateConfig } from '../../hub/estate-config.js';
import type { MixPlan, PremisesOverride } from '../../hub/mix.js';
import type { ClockPlan } from './runner.js';

/** The premises mix a configuration describes. */
export function mixPlanOf(c: EstateConfig): MixPlan {
  const overrides = new Map<string, PremisesOverride>();
  for (const o of c.overrides) {
    const v = o.versions ?? {};
    overrides.set(o.premises, {
      ...(o.hub !== undefined ? { hub: o.hub } : {}),
      ...(o.gas !== undefined ? { gas: o.gas } : {}),
      ...(o.prepayment !== undefined ? { prepayment: o.prepayment } : {}),
      ...(o.ppmid !== undefined ? { ppmid: o.ppmid } : {}),
      ...(o.ihd !== undefined ? { ihd: o.ihd } : {}),
      ...(v.chts !== undefined ? { chts: v.chts } : {}),
      ...(v.gbcs !== undefined ? { gbcs: v.gbcs } : {}),
      ...(o.annualKWh !== undefined ? { annualKWh: o.annualKWh } : {}),
    });
  }
  const p = c.premises;
  return {
    seed: c.seed,
    count: p.count,
    idPrefix: p.idPrefix,
    shares: { ...p.mix },
    chts: p.versions.chts,
    gbcs: p.versions.gbcs,
    annualKWh: p.profile.annualKWh,
    solarShare: p.profile.solarShare,
    heatingShare: p.profile.heatingShare,
    overrides,
  };
}

/**
 * What makes two estates the same estate: seed, premises and their versions. The clock, WAN and dashboard
 * may change between runs over the same data directory; these may not, or the journal would replay onto
 * different devices.
 */
export function fingerprintOf(c: EstateConfig): string {
  const basis = JSON.stringify({ seed: c.seed, premises: c.premises, overrides: c.overrides });
  return createHash('sha256').update(basis).digest('hex').slice(0, 32);
}

export function clockPlanOf(c: EstateConfig): ClockPlan {
  const k = c.clock;
  if (k.mode === 'real') return { mode: 'real' };
  if (k.mode === 'manual') return { mode: 'manual', startMs: Date.parse(k.start) };
  return { mode: 'accelerated', factor: k.factor, startMs: Date.parse(k.start) };
}

/** `--clock real | manual | accelerated:N`, without its start (which the config or scenario gives). */
export type ClockFlag = { mode: 'real' } | { mode: 'manual' } | { mode: 'accelerated'; factor: number };

export function parseClockFlag(text: string): ClockFlag | undefined {
  if (text === 'real' || text === 'manual') return { mode: text };
  const m = /^accelerated:(\d+(?:\.\d+)?)$/.exec(text);
  return m && Number(m[1]) > 0 ? { mode: 'accelerated', factor: Number(m[1]) } : undefined;
}

export const CLOCK_FLAG_HELP = 'real, manual, or accelerated:N (N times faster than real time)';

/** The plan for a clock flag, starting at `startMs` where the mode has a start. */
export function clockPlanFromFlag(flag: ClockFlag, startMs: number): ClockPlan {
  return flag.mode === 'real' ? flag : { ...flag, startMs };
}
