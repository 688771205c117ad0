// This file is the README's library example: test/readme.test.ts checks the README quotes it verbatim.
import { describe, expect, it } from 'vitest';
import { createEstate } from '../tools/estate/api.js';

describe('a head-end test against an in-process estate', () => {
  it('reads a meter, injects interference, lets time pass and gets the alerts', async () => {
    const estate = await createEstate({ seed: 'my-test', premises: { count: 2, mix: { dualBand: 1, gas: 1 } } });
    const home = estate.premises[0]!;

    // Commands are built, signed and MAC'd as a supplier would (or 'acb', 'network-operator' ...).
    const [reading] = await estate.send(estate.command('ECS17b', home.esme!));
    expect(reading!.kind).toBe('response');
    expect(reading!.from).toBe(home.esme);

    // Noise on the hub's Sub GHz channel: as time passes it scans (alerts 0x8F27, 0x8F28) and moves (0x8F26).
    estate.inject({ premises: home.id, band: 'subGHz', levelDbm: -60, duration: '3h' });
    estate.clock.advance('1h');
    const codes: number[] = [];
    for await (const alert of estate.alerts) {
      expect(alert.from).toBe(home.hub);
      codes.push(alert.alertCode!);
      if (alert.alertCode === 0x8f26) break;
    }
    expect(codes).toEqual([0x8f27, 0x8f28, 0x8f26]);

    // A month of half-hourly consumption later, the meter's registers have moved on.
    estate.clock.advance('30d');
    const [later] = await estate.send(estate.command('ECS17b', home.esme!));
    expect(later!.kind).toBe('response');
    expect(Buffer.from(later!.bytes).equals(Buffer.from(reading!.bytes))).toBe(false);
    await estate.close();
  });
});
