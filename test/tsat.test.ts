import { describe, expect, it } from 'vitest';
import { TSAT, type TsatEntry, checkTsat, compareVersions, knownVersions, tsatEntry } from '../hub/tsat.js';

const rules = (v: ReturnType<typeof checkTsat>) => v.map((x) => x.rule);

describe('the TSAT table', () => {
  it('covers the versions the simulator builds and speaks', () => {
    for (const v of ['2.0', '3.1']) expect(tsatEntry('SMETS2', v)).toBeDefined();
    for (const v of ['1.0', '1.1']) expect(tsatEntry('CHTS', v)).toBeDefined();
    for (const v of ['1.1', '2.0', '2.1']) expect(tsatEntry('GBCS', v)).toBeDefined();
  });

  it('gives every entry a source and only real calendar dates', () => {
    const seen = new Set<string>();
    for (const e of TSAT) {
      expect(e.source.length).toBeGreaterThan(10);
      const id = `${e.spec} ${e.version}`;
      expect(seen.has(id), id).toBe(false);
      seen.add(id);
      for (const d of [e.installFrom, e.installUntil, e.maintainUntil]) {
        if (d === undefined) continue;
        expect(new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10)).toBe(d);
      }
    }
  });

  it('has the sourced dates', () => {
    expect(tsatEntry('CHTS', '1.0')?.installUntil).toBe('2019-10-27');
    expect(tsatEntry('SMETS2', '2.0')?.installUntil).toBe('2020-10-27');
    expect(tsatEntry('SMETS2', '3.1')?.installUntil).toBe('2020-10-27');
  });

  it('orders versions numerically', () => {
    expect(compareVersions('2.10', '2.9')).toBe(1);
    expect(compareVersions('2.0', '2')).toBe(0);
    expect(compareVersions('1.1', '2.0')).toBe(-1);
    expect(knownVersions('GBCS')).toEqual(['1.0', '1.1', '2.0', '2.1', '3.2']);
  });
});

describe('checkTsat', () => {
  it('accepts a valid dual band installation', () => {
    expect(checkTsat({ smets2: '3.1', chts: '1.1', gbcs: '2.0', hubBand: 'dual', installedOn: '2020-06-01' })).toEqual([]);
    expect(checkTsat({ chts: '1.1', gbcs: '2.1', hubBand: 'dual', installedOn: '2024-06-01', asOf: '2026-01-01T00:00:00Z' })).toEqual([]);
  });

  it('refuses CHTS v1.0 installed after 27 October 2019, naming rule and dates', () => {
    expect(checkTsat({ chts: '1.0', gbcs: '1.1', installedOn: '2021-03-01' })).toEqual([
      { rule: 'CHTS-1.0-install', field: 'chts', message: 'CHTS v1.0 cannot be installed after 2019-10-27 (installed 2021-03-01)' },
    ]);
  });

  it('counts the last day of the installation period as inside it', () => {
    expect(checkTsat({ chts: '1.0', gbcs: '1.1', hubBand: 'single', installedOn: '2019-10-27' })).toEqual([]);
    expect(rules(checkTsat({ chts: '1.0', gbcs: '1.1', installedOn: '2019-10-28' }))).toEqual(['CHTS-1.0-install']);
  });

  it('refuses SMETS2 v2.0 and v3.1 installed after 27 October 2020', () => {
    const v = checkTsat({ smets2: '3.1', chts: '1.1', gbcs: '2.0', installedOn: '2020-10-28' });
    expect(v).toEqual([{ rule: 'SMETS2-3.1-install', field: 'smets2', message: 'SMETS2 v3.1 cannot be installed after 2020-10-27 (installed 2020-10-28)' }]);
    expect(rules(checkTsat({ smets2: '2.0', gbcs: '1.1', installedOn: '2021-01-01' }))).toEqual(['SMETS2-2.0-install']);
  });

  it('needs CHTS v1.1, GBCS v2.0 and a SMETS2 version that supports it for a dual band hub', () => {
    const v = checkTsat({ smets2: '2.0', chts: '1.0', gbcs: '1.1', hubBand: 'dual', installedOn: '2019-01-01' });
    expect(rules(v)).toEqual(['dual-band-chts', 'dual-band-gbcs', 'dual-band-smets2']);
    expect(v.map((x) => x.field)).toEqual(['chts', 'gbcs', 'smets2']);
    expect(v[0]!.message).toBe('a dual band comms hub needs CHTS v1.1 or later, not CHTS v1.0');
    expect(v[1]!.message).toBe('a dual band comms hub needs GBCS v2.0 or later, not GBCS v1.1');
    // The same equipment on a single band hub is fine.
    expect(checkTsat({ smets2: '2.0', chts: '1.0', gbcs: '1.1', hubBand: 'single', installedOn: '2019-01-01' })).toEqual([]);
  });

  it('lists the known versions when given an unknown one', () => {
    const v = checkTsat({ smets2: '9.9', chts: '1.2', gbcs: '0.8', installedOn: '2020-01-01' });
    expect(rules(v)).toEqual(['SMETS2-unknown', 'CHTS-unknown', 'GBCS-unknown']);
    expect(v[1]!.message).toBe('unknown CHTS version "1.2" (known: 1.0, 1.1)');
    expect(v[2]!.message).toBe('unknown GBCS version "0.8" (known: 1.0, 1.1, 2.0, 2.1, 3.2)');
  });

  it('reports dates that are not ISO dates', () => {
    expect(rules(checkTsat({ gbcs: '2.0', installedOn: '01/06/2020' }))).toEqual(['install-date']);
    expect(rules(checkTsat({ gbcs: '2.0', installedOn: '2021-02-30' }))).toEqual(['install-date']);
    expect(rules(checkTsat({ gbcs: '2.0', installedOn: '2020-06-01', asOf: 'tomorrow' }))).toEqual(['as-of-date']);
  });

  describe('with a table that has every kind of rule', () => {
    const table: TsatEntry[] = [
      { spec: 'SMETS2', version: '5.0', installFrom: '2022-01-01', installUntil: '2024-12-31', maintainUntil: '2030-12-31', gbcs: ['4.0'], source: 'test' },
      { spec: 'CHTS', version: '2.0', maintainUntil: '2025-06-30', dualBand: true, gbcs: ['4.0', '4.1'], source: 'test' },
      { spec: 'GBCS', version: '4.0', source: 'test' },
      { spec: 'GBCS', version: '4.1', source: 'test' },
    ];

    it('refuses installation before the period starts', () => {
      expect(checkTsat({ smets2: '5.0', gbcs: '4.0', installedOn: '2021-12-31' }, table)).toEqual([
        { rule: 'SMETS2-5.0-install', field: 'smets2', message: 'SMETS2 v5.0 cannot be installed before 2022-01-01 (installed 2021-12-31)' },
      ]);
    });

    it('refuses maintenance past its end only when asked as of a date', () => {
      const s = { smets2: '5.0', chts: '2.0', gbcs: '4.0', installedOn: '2023-01-01' };
      expect(checkTsat(s, table)).toEqual([]);
      expect(checkTsat({ ...s, asOf: '2025-06-30T23:00:00Z' }, table)).toEqual([]);
      expect(checkTsat({ ...s, asOf: '2025-07-01' }, table)).toEqual([
        { rule: 'CHTS-2.0-maintain', field: 'chts', message: 'CHTS v2.0 cannot be maintained after 2025-06-30 (as of 2025-07-01)' },
      ]);
    });

    it('refuses a GBCS version the table does not pair with the meter', () => {
      expect(checkTsat({ smets2: '5.0', chts: '2.0', gbcs: '4.1', installedOn: '2023-01-01' }, table)).toEqual([
        { rule: 'SMETS2-5.0-gbcs', field: 'gbcs', message: 'SMETS2 v5.0 works with GBCS v4.0, not GBCS v4.1' },
      ]);
    });
  });
});
