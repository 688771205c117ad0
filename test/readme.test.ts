import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const here = import.meta.dirname;
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');

describe('README', () => {
  it('quotes the library example exactly as test/estate-api.test.ts runs it', () => {
    const example = readFileSync(join(here, 'estate-api.test.ts'), 'utf8').split('\n').slice(1).join('\n').trim();
    expect(readme).toContain(example);
  });

  it('gives the two commands of a fresh machine, and they are what package.json runs', () => {
    expect(readme).toContain('npm ci && npm test');
    expect(readme).toContain('npm ci && npm start');
    const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/smets-sim\.mjs up$/);
    expect(pkg.scripts.test).toMatch(/vitest run/);
  });
});
