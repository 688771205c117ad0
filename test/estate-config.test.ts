import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'yaml';
import {
  DEFAULT_CONFIG_YAML,
  EstateConfigError,
  defaultEstateConfig,
  parseEstateConfig,
  premisesId,
  validateEstateConfig,
} from '../hub/estate-config.js';
import { checkTsat } from '../hub/tsat.js';

function refused(f: () => unknown): EstateConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EstateConfigError);
    return e as EstateConfigError;
  }
  throw new Error('expected an EstateConfigError');
}

const parse = (text: string, opts = {}) => parseEstateConfig(text, 'estate.yaml', opts);
const where = (e: EstateConfigError) => e.issues.map((i) => `${i.line} ${i.path}`);

describe('defaults', () => {
  it('the embedded default YAML parses to exactly the defaults, with no warnings', () => {
    const r = parse(DEFAULT_CONFIG_YAML);
    expect(r.config).toEqual(defaultEstateConfig());
    expect(r.warnings).toEqual([]);
  });

  it('an empty file or object means every default', () => {
    expect(parse('').config).toEqual(defaultEstateConfig());
    expect(parse('# nothing but a comment\n').config).toEqual(defaultEstateConfig());
    expect(validateEstateConfig({}).config).toEqual(defaultEstateConfig());
    expect(validateEstateConfig(undefined).config).toEqual(defaultEstateConfig());
  });

  it('are a believable GB estate that passes the TSAT on its own', () => {
    const d = defaultEstateConfig();
    expect(d.premises.count).toBe(1000);
    expect(d.premises.mix).toEqual({ dualBand: 0.3, gas: 0.8, prepayment: 0.15, ppmid: 0.5, ihd: 0.2 });
    expect(d.wan).toEqual({ bind: '127.0.0.1', port: 7373, queueLimit: 1024 });
    expect(d.dashboard).toEqual({ enabled: true, port: 7374 });
    expect(d.clock).toEqual({ mode: 'accelerated', factor: 60, start: '2026-01-01T00:00:00.000Z' });
    expect(checkTsat({ ...d.premises.versions, hubBand: 'dual', asOf: '2026-01-01' })).toEqual([]);
  });

  it('fills what a partial file leaves out', () => {
    const { config } = parse('premises:\n  count: 5\n  mix: { gas: 1 }\nclock: { mode: manual }\n');
    expect(config.premises.count).toBe(5);
    expect(config.premises.mix).toEqual({ ...defaultEstateConfig().premises.mix, gas: 1 });
    expect(config.clock).toEqual({ mode: 'manual', start: '2026-01-01T00:00:00.000Z' });
    expect(config.wan.port).toBe(7373);
  });
});

describe('premises ids', () => {
  it('have at least six digits, more when the estate needs them', () => {
    expect(premisesId('P', 1, 1000)).toBe('P000001');
    expect(premisesId('P', 1000, 1000)).toBe('P001000');
    expect(premisesId('flat-', 42, 1_000_000)).toBe('flat-0000042');
  });
});

describe('every problem at once, with its line and path', () => {
  const text = [
    'seed: demo', //                                   1
    'premises:', //                                    2
    '  count: 2000000', //                             3
    '  idPrefx: Q', //                                 4
    '  mix:', //                                       5
    '    gas: 1.5', //                                 6
    '    dualBand: -0.1', //                           7
    '    ihd: lots', //                                8
    '  versions:', //                                  9
    '    gbcs: 9.9', //                               10
    '    installedOn: 2020-02-30', //                 11
    '  profile: { annualKWh: 0 }', //                 12
    'overrides:', //                                  13
    '  - premises: P000003', //                       14
    '    hub: triple', //                             15
    '  - { premises: P9 }', //                        16
    '  - premises: P000003', //                       17
    '  - hub: single', //                             18
    'clock:', //                                      19
    '  mode: accelerated', //                         20
    '  factor: 0', //                                 21
    '  start: 2026-01-01T00:00:00', //                22
    'wan: { bind: 0.0.0.0, port: 70000, queueLimit: 0 }', // 23
    'dashboard: { enabled: yes }', //                 24
    'snapshotEvery: soon', //                         25
    'dataDir: 7', //                                  26
    'extra: 1', //                                    27
  ].join('\n');

  it('reports them all, in file order', () => {
    const e = refused(() => parse(text));
    expect(where(e)).toEqual([
      '3 premises.count',
      '4 premises.idPrefx',
      '6 premises.mix.gas',
      '7 premises.mix.dualBand',
      '8 premises.mix.ihd',
      '10 premises.versions.gbcs',
      '11 premises.versions.installedOn',
      '12 premises.profile.annualKWh',
      '15 overrides[0].hub',
      '16 overrides[1].premises',
      '17 overrides[2].premises',
      '18 overrides[3].premises',
      '21 clock.factor',
      '22 clock.start',
      '23 wan.port',
      '23 wan.queueLimit',
      '23 wan.token',
      '24 dashboard.enabled',
      '25 snapshotEvery',
      '26 dataDir',
      '27 extra',
    ]);
  });

  it('writes one `file:line: path: message` line per problem', () => {
    const lines = refused(() => parse(text)).message.split('\n');
    expect(lines).toHaveLength(21);
    for (const l of lines) expect(l).toMatch(/^estate\.yaml:\d+: [\w.[\]]+: \S/);
    expect(lines).toContain('estate.yaml:4: premises.idPrefx: unknown key (did you mean idPrefix?)');
    expect(lines).toContain('estate.yaml:6: premises.mix.gas: expected a share from 0 to 1 (e.g. 0.3 for 30 %), got 1.5');
    expect(lines).toContain('estate.yaml:10: premises.versions.gbcs: expected 1.1, 2.0, 2.1 (the GBCS versions this simulator speaks), got 9.9');
    expect(lines).toContain('estate.yaml:11: premises.versions.installedOn: expected a date such as 2020-06-01, got "2020-02-30"');
    expect(lines).toContain('estate.yaml:16: overrides[1].premises: expected an id from P000001 to P001000, got "P9"');
    expect(lines).toContain('estate.yaml:17: overrides[2].premises: P000003 is already overridden at overrides[0]; give each premises one entry');
    expect(lines).toContain('estate.yaml:22: clock.start: expected a UTC time such as 2026-01-01T00:00:00Z, got "2026-01-01T00:00:00"');
    expect(lines.find((l) => l.includes('wan.token'))).toMatch(/required when wan\.bind is 0\.0\.0\.0: anything but loopback \(127\.0\.0\.1, ::1, localhost\)/);
    expect(lines).toContain('estate.yaml:25: snapshotEvery: bad duration "soon" (use e.g. 500ms, 90s, 30m, 2h, 30d, 1h30m)');
    expect(lines).toContain('estate.yaml:27: extra: unknown key (use seed, premises, overrides, clock, wan, dashboard, dataDir, snapshotEvery)');
  });

  it('gives the same paths, without lines, for an object', () => {
    const e = refused(() => validateEstateConfig({ premises: { count: 0, mix: { gas: 2 } }, wan: { bind: '192.168.1.2' } }));
    expect(e.issues).toEqual([
      { path: 'premises.count', message: 'expected a whole number of premises from 1 to 1,000,000, got 0' },
      { path: 'premises.mix.gas', message: 'expected a share from 0 to 1 (e.g. 0.3 for 30 %), got 2' },
      expect.objectContaining({ path: 'wan.token' }),
    ]);
    expect(e.message.split('\n')[0]).toBe('premises.count: expected a whole number of premises from 1 to 1,000,000, got 0');
  });

  it('names the line of invalid YAML', () => {
    const e = refused(() => parse('premises:\n  count: 5\n  mix: [\n'));
    expect(e.issues[0]!.line).toBeGreaterThanOrEqual(3);
    expect(e.message).toMatch(/^estate\.yaml:\d+: \(top\): invalid YAML/);
    expect(where(refused(() => parse('seed: a\nseed: b\n')))).toEqual(['2 ']);
  });

  it('refuses a file that is not a mapping', () => {
    expect(refused(() => parse('- 1\n- 2\n')).message).toMatch(/^estate\.yaml:1: \(top\): expected a mapping/);
  });
});

describe('values', () => {
  it('reads unquoted versions as written, not as numbers', () => {
    const { config } = parse("premises:\n  versions: { smets2: 3.1, chts: 1.1, gbcs: 2.0 }\n");
    expect(config.premises.versions).toMatchObject({ smets2: '3.1', chts: '1.1', gbcs: '2.0' });
  });

  it('takes each clock mode and only its own keys', () => {
    expect(parse('clock: { mode: real }\n').config.clock).toEqual({ mode: 'real' });
    expect(parse('clock: { mode: accelerated, factor: 3600, start: 2026-03-01T12:00:00+01:00 }\n').config.clock).toEqual({
      mode: 'accelerated',
      factor: 3600,
      start: '2026-03-01T11:00:00.000Z',
    });
    expect(refused(() => parse('clock:\n  mode: manual\n  factor: 2\n')).message).toBe('estate.yaml:3: clock.factor: a manual clock has no factor (it takes mode, start)');
    expect(where(refused(() => parse('clock: { mode: warp }\n')))).toEqual(['1 clock.mode']);
  });

  it('needs a token only off loopback', () => {
    for (const bind of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(validateEstateConfig({ wan: { bind } }).config.wan.bind).toBe(bind);
    expect(refused(() => parse('wan:\n  port: 8080\n  bind: 0.0.0.0\n')).issues).toEqual([
      expect.objectContaining({ path: 'wan.token', line: 3 }),
    ]);
    expect(validateEstateConfig({ wan: { bind: '0.0.0.0', token: 'shared-secret' } }).config.wan).toEqual({ bind: '0.0.0.0', port: 7373, queueLimit: 1024, token: 'shared-secret' });
  });

  it('keeps the dashboard off the WAN port', () => {
    expect(where(refused(() => parse('dashboard:\n  port: 7373\n')))).toEqual(['2 dashboard.port']);
    expect(parse('dashboard: { enabled: false, port: 7373 }\n').config.dashboard).toEqual({ enabled: false, port: 7373 });
  });

  it('reads overrides', () => {
    const { config } = parse(
      [
        'premises: { count: 20 }',
        'overrides:',
        '  - { premises: P000020, hub: single, gas: false, ihd: true, annualKWh: 6000 }',
        "  - { premises: P000001, versions: { chts: '1.0', gbcs: '1.1', installedOn: 2019-05-01 }, hub: single }",
      ].join('\n'),
    );
    expect(config.overrides).toEqual([
      { premises: 'P000020', hub: 'single', gas: false, ihd: true, annualKWh: 6000 },
      { premises: 'P000001', hub: 'single', versions: { chts: '1.0', gbcs: '1.1', installedOn: '2019-05-01' } },
    ]);
  });

  it('refuses override ids beyond the estate', () => {
    const e = refused(() => parse('premises: { count: 20 }\noverrides:\n  - premises: P000021\n'));
    expect(e.message).toBe('estate.yaml:3: overrides[0].premises: P000021 is not in the estate: premises.count is 20 (P000001 to P000020)');
  });
});

describe('TSAT', () => {
  const oldHubs = ['premises:', '  versions:', "    chts: '1.0'", "    gbcs: '1.1'", '    installedOn: 2021-03-01'].join('\n');

  it('refuses invalid combinations, naming rule, date and key', () => {
    const e = refused(() => parse(oldHubs));
    expect(e.message.split('\n')).toEqual([
      'estate.yaml:3: premises.versions.chts: CHTS v1.0 cannot be installed after 2019-10-27 (installed 2021-03-01) [TSAT CHTS-1.0-install]',
      'estate.yaml:3: premises.versions.chts: a dual band comms hub needs CHTS v1.1 or later, not CHTS v1.0 (premises.mix.dualBand is 0.3) [TSAT dual-band-chts]',
      'estate.yaml:4: premises.versions.gbcs: a dual band comms hub needs GBCS v2.0 or later, not GBCS v1.1 (premises.mix.dualBand is 0.3) [TSAT dual-band-gbcs]',
      // smets2 is the default 3.1; the date the user wrote is what makes it wrong.
      'estate.yaml:5: premises.versions.smets2: SMETS2 v3.1 cannot be installed after 2020-10-27 (installed 2021-03-01) [TSAT SMETS2-3.1-install]',
    ]);
  });

  it('refuses a dual band share with CHTS 1.0 or GBCS 1.1 even when installed in time', () => {
    const e = refused(() => validateEstateConfig({ premises: { versions: { chts: '1.0', gbcs: '1.1', installedOn: '2019-06-01' } } }));
    expect(e.issues.map((i) => i.path)).toEqual(['premises.versions.chts', 'premises.versions.gbcs']);
    expect(validateEstateConfig({ premises: { mix: { dualBand: 0 }, versions: { chts: '1.0', gbcs: '1.1', installedOn: '2019-06-01' } } }).warnings).toEqual([]);
  });

  it('points at the override that breaks it', () => {
    const text = [
      'overrides:',
      '  - premises: P000001',
      '    gas: false',
      '  - premises: P000002',
      '    hub: single',
      '  - premises: P000003',
      '    hub: single',
      '    versions:',
      "      chts: '1.0'",
      '      installedOn: 2021-03-01',
      '  - premises: P000004',
      "    versions: { chts: '1.0', installedOn: 2019-01-01 }",
    ].join('\n');
    const e = refused(() => parse(text));
    expect(e.issues).toEqual([
      { path: 'overrides[2].versions.chts', line: 9, column: 13, message: 'CHTS v1.0 cannot be installed after 2019-10-27 (installed 2021-03-01) [TSAT CHTS-1.0-install]' },
      { path: 'overrides[2].versions.installedOn', line: 10, column: 20, message: 'SMETS2 v3.1 cannot be installed after 2020-10-27 (installed 2021-03-01) [TSAT SMETS2-3.1-install]' },
      {
        path: 'overrides[3].versions.chts',
        line: 12,
        column: 23,
        message: 'a dual band comms hub needs CHTS v1.1 or later, not CHTS v1.0 (P000004 may be drawn dual band: premises.mix.dualBand is 0.3; set hub: single) [TSAT dual-band-chts]',
      },
    ]);
  });

  it('lets invalid combinations through as warnings when allowed', () => {
    const r = parse(oldHubs, { allowInvalidTsat: true });
    expect(r.config.premises.versions).toEqual({ smets2: '3.1', chts: '1.0', gbcs: '1.1', installedOn: '2021-03-01' });
    expect(r.warnings.map((w) => `${w.line} ${w.path} ${/\[TSAT ([\w.-]+)\]/.exec(w.message)?.[1]}`)).toEqual([
      '3 premises.versions.chts CHTS-1.0-install',
      '3 premises.versions.chts dual-band-chts',
      '4 premises.versions.gbcs dual-band-gbcs',
      '5 premises.versions.smets2 SMETS2-3.1-install',
    ]);
    const o = validateEstateConfig({ premises: { versions: { smets2: '9.9' } } }, { allowInvalidTsat: true });
    expect(o.warnings).toEqual([{ path: 'premises.versions.smets2', message: 'unknown SMETS2 version "9.9" (known: 2.0, 3.0, 3.1, 4.2) [TSAT SMETS2-unknown]' }]);
  });

  it('still refuses what is not TSAT when TSAT is waived', () => {
    const e = refused(() => parse(`${oldHubs}\nwan: { port: -1 }\n`, { allowInvalidTsat: true }));
    expect(where(e)).toEqual(['6 wan.port']);
  });

  it('refuses an unknown SMETS2 version, listing the known ones', () => {
    expect(refused(() => validateEstateConfig({ premises: { versions: { smets2: '9.9' } } })).issues[0]!.message).toContain('(known: 2.0, 3.0, 3.1, 4.2)');
  });
});

describe('never anything but an EstateConfigError', () => {
  const keys = ['seed', 'premises', 'count', 'idPrefix', 'mix', 'gas', 'dualBand', 'versions', 'chts', 'gbcs', 'smets2', 'installedOn', 'overrides', 'clock', 'mode', 'start', 'factor', 'wan', 'bind', 'token', 'port', 'dashboard', 'snapshotEvery', 'hub'];
  const token = fc.constantFrom(...keys, ': ', ':', '\n', '  ', '- ', '{', '}', '[', ']', ',', "'", '"', '#', '&a ', '*a', '!!binary ', '!!set ', '? ', '|', '>', '---\n', '%YAML 1.1\n', '1.0', '2020-06-01', '0.3', 'null', 'true', '~', '-1', '1e999', 'P000001', '\t', '\\', '@');
  const yamlish = fc.array(token, { maxLength: 60 }).map((t) => t.join(''));
  const anyConfig = fc.dictionary(fc.constantFrom(...keys), fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...keys), fc.jsonValue())));

  const onlyConfigErrors = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof EstateConfigError)) throw e;
      expect(e.issues.length).toBeGreaterThan(0);
      for (const i of e.issues) expect(i.line).toBeGreaterThanOrEqual(1);
    }
  };

  it('for YAML-ish text', () => {
    fc.assert(fc.property(yamlish, (t) => onlyConfigErrors(() => parse(t))), { numRuns: 2000 });
  });

  it('for the default file with lines cut or swapped', () => {
    const lines = DEFAULT_CONFIG_YAML.split('\n');
    const edit = fc.array(fc.tuple(fc.nat(lines.length - 1), fc.oneof(fc.constant(''), fc.string(), yamlish)), { maxLength: 5 });
    fc.assert(
      fc.property(edit, (edits) => {
        const copy = [...lines];
        for (const [at, s] of edits) copy[at] = s;
        onlyConfigErrors(() => parse(copy.join('\n')));
        onlyConfigErrors(() => parse(copy.join('\n'), { allowInvalidTsat: true }));
      }),
      { numRuns: 500 },
    );
  });

  it('for arbitrary config-shaped data, as YAML and as an object', () => {
    fc.assert(
      fc.property(anyConfig, (o) => {
        onlyConfigErrors(() => parse(stringify(o)));
        try {
          validateEstateConfig(o);
        } catch (e) {
          if (!(e instanceof EstateConfigError)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('keys', () => {
  it('must be plain words', () => {
    expect(refused(() => parse('seed: a\n? [premises]\n: 1\n')).message).toBe('estate.yaml:2: (top): a key must be a plain word, not a list or mapping');
  });
});
