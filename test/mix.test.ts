import { describe, expect, it } from 'vitest';
import { premisesAt, premisesOfMix, type MixPlan } from '../hub/mix.js';
import { createEstate } from '../tools/estate/api.js';

const plan: MixPlan = {
  seed: 'mix',
  count: 20_000,
  idPrefix: 'P',
  shares: { dualBand: 0.3, gas: 0.8, prepayment: 0.15, ppmid: 0.5, ihd: 0.2 },
  chts: '1.1',
  gbcs: '2.0',
  annualKWh: 2700,
};

describe('premises mix', () => {
  it('draws each feature at its share, with unique EUIs, from the seed alone', () => {
    const all = [...premisesOfMix(plan)];
    const share = (f: (p: (typeof all)[number]) => boolean) => all.filter(f).length / all.length;
    expect(share((p) => p.hub.band === 'dual')).toBeCloseTo(0.3, 1);
    expect(share((p) => p.devices.some((d) => d.kind === 'gsme'))).toBeCloseTo(0.8, 1);
    expect(share((p) => p.devices.some((d) => d.kind === 'ppmid'))).toBeCloseTo(0.5, 1);
    expect(share((p) => p.devices.some((d) => d.kind === 'ihd'))).toBeCloseTo(0.2, 1);
    expect(share((p) => p.devices[0]!.paymentMode === 'prepayment')).toBeCloseTo(0.15, 1);
    expect(share((p) => p.devices[0]!.solarKwp! > 0)).toBeCloseTo(0.05, 1);
    // Sub GHz only on dual band hubs; a gas meter always comes with its gas proxy.
    expect(all.every((p) => p.hub.band === 'dual' || p.devices.every((d) => d.band === '2.4GHz'))).toBe(true);
    expect(all.every((p) => p.devices.some((d) => d.kind === 'gsme') === p.devices.some((d) => d.kind === 'gpf'))).toBe(true);
    const euis = all.flatMap((p) => [p.hub.eui, ...p.devices.map((d) => d.eui)]);
    expect(new Set(euis).size).toBe(euis.length);
    expect(all[41]!.id).toBe('P000042');
    expect(premisesAt(plan, 41)).toEqual(all[41]);
    expect([...premisesOfMix({ ...plan, seed: 'other', count: 50 })].map((p) => p.hub.band)).not.toEqual(all.slice(0, 50).map((p) => p.hub.band));
  });

  it('an override changes its premises only', () => {
    const overrides = new Map([['P000007', { hub: 'single' as const, gas: false, prepayment: true }]]);
    const base = [...premisesOfMix({ ...plan, count: 30 })];
    const over = [...premisesOfMix({ ...plan, count: 30, overrides })];
    expect(over[6]!.hub.band).toBe('single');
    expect(over[6]!.devices.map((d) => d.kind)).not.toContain('gsme');
    expect(over[6]!.devices[0]!.paymentMode).toBe('prepayment');
    expect(over.filter((_, i) => i !== 6)).toEqual(base.filter((_, i) => i !== 6));
  });

  it('the meters of a prepayment premises are in prepayment mode (ECS26j reads it back)', async () => {
    const modeOf = async (prepayment: number) => {
      const estate = await createEstate({ seed: 'pp', premises: { count: 1, mix: { prepayment, gas: 1 } } });
      const [r] = await estate.send(estate.command('ECS26j', estate.premises[0]!.esme!));
      const p = r!.frame.kind !== 'gbt' && r!.frame.payload.family === 'dlms' ? r!.frame.payload.dlms : undefined;
      await estate.close();
      return JSON.stringify(p);
    };
    const credit = await modeOf(0);
    const prepay = await modeOf(1);
    // account_mode_and_status: {payment mode (1 credit, 2 prepayment), account status}
    expect(credit).toMatch(/"type":"structure","items":\[\{"type":"enum","value":1\}/);
    expect(prepay).toMatch(/"type":"structure","items":\[\{"type":"enum","value":2\}/);
  });
});
