import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ScenarioError, parseScenario, runScenario, trafficLine } from '../hub/scenario.js';

const DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const load = (f: string) => parseScenario(readFileSync(join(DIR, f), 'utf8'), `scenarios/${f}`);

describe('scenarios in the repository', () => {
  it('covers interference, duty cycle, agility, capacity and single band', () => {
    expect(files).toEqual(['agility-forbidden.yaml', 'capacity.yaml', 'duty-cycle.yaml', 'single-band.yaml', 'subghz-interference.yaml']);
  });
  for (const f of files) {
    it(`${f} passes every step`, async () => {
      const r = await runScenario(load(f));
      expect(r.lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
      expect(r.passed).toBeGreaterThan(0);
      expect(r.traffic.length).toBeGreaterThan(0);
    });
  }

  it('the same seed gives a byte-identical traffic log', async () => {
    const a = (await runScenario(load('subghz-interference.yaml'))).traffic.map(trafficLine).join('\n');
    const b = (await runScenario(load('subghz-interference.yaml'))).traffic.map(trafficLine).join('\n');
    expect(b).toBe(a);
    const other = parseScenario(readFileSync(join(DIR, 'subghz-interference.yaml'), 'utf8').replace('seed: interference-1', 'seed: interference-2'), 'x');
    const c = (await runScenario(other)).traffic.map(trafficLine).join('\n');
    expect(c).not.toBe(a);
  });

  it('a failing expectation is reported, not thrown', async () => {
    const s = parseScenario(
      `premises:\n  - id: p\n    hub: { band: dual }\n    devices: []\nsteps:\n  - expect: { alert: 0x8F26, within: 5m }\n`,
      't.yaml',
    );
    const r = await runScenario(s);
    expect(r.failed).toBe(1);
    expect(r.lines[0]).toMatch(/^FAIL t\.yaml:6 expect alert 0x8F26 within 5 min: not seen/);
  });
});

describe('bad scenario files name file, line and field', () => {
  const bad: Array<[string, RegExp]> = [
    ['premises: []\nsteps: []\n', /s\.yaml:1: premises: expected a list of premises/],
    ['premises:\n  - id: p\n    hub: { band: triple }\n    devices: []\nsteps: []\n', /s\.yaml:3: premises\.0\.hub\.band: expected single or dual/],
    ['premises:\n  - id: p\n    hub: { band: single }\n    devices:\n      - { kind: gsme, eui: 00DB000000000001, band: subGHz }\nsteps: []\n', /s\.yaml:5: premises\.0\.devices\.0\.band: a single band hub has no Sub GHz radio/],
    ['premises:\n  - id: p\n    hub: { band: dual, chts: "1.0" }\n    devices: []\nsteps: []\n', /chts 1\.1 and gbcs 2\.0/],
    ['premises:\n  - id: p\n    hub: {}\n    devices: []\nsteps:\n  - advance: soon\n', /s\.yaml:6: steps\.0\.advance: bad duration "soon"/],
    ['premises:\n  - id: p\n    hub: {}\n    devices: []\nsteps:\n  - teleport: 1\n', /s\.yaml:6: steps\.0\.teleport: unknown step/],
    ['premises: [\n', /s\.yaml:\d+: invalid YAML/],
  ];
  for (const [text, re] of bad) {
    it(re.source, () => {
      expect(() => parseScenario(text, 's.yaml')).toThrow(ScenarioError);
      expect(() => parseScenario(text, 's.yaml')).toThrow(re);
    });
  }
});
