import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEYSTORE_DIR, loadVectors } from './vectors.js';

const BIN = fileURLToPath(new URL('../tools/bin/smets-sim.mjs', import.meta.url));
const vectors = loadVectors();
const DBCH01 = vectors.find((v) => v.name === 'DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX')!;
const hex = Buffer.from(DBCH01.bytes).toString('hex').toUpperCase();

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('smets-sim decode / encode', () => {
  it('decode prints JSON that encode turns back into the same hex', () => {
    const d = run(['decode', DBCH01.path]);
    expect(d.code).toBe(0);
    const doc = JSON.parse(d.out);
    expect(doc.summary).toMatchObject({ messageCode: '0x010A', useCase: 'DBCH01', protection: 'mac' });
    expect(doc.frame.header.counter).toBe('1300');
    const e = run(['encode', '-'], d.out);
    expect(e.code).toBe(0);
    expect(e.out.trim()).toBe(hex);
  });

  it('decode --keystore reports verification and decrypted content', () => {
    const v = vectors.find((x) => x.name === 'ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX')!;
    const d = run(['decode', '--keystore', KEYSTORE_DIR, v.path]);
    expect(d.code).toBe(0);
    const doc = JSON.parse(d.out);
    expect(doc.security.mac.status).toBe('valid');
    expect(doc.security.decrypted[0].status).toBe('decrypted');
  });

  it('reads hex from stdin and from the command line', () => {
    expect(JSON.parse(run(['decode', '-'], `${hex}\n`).out).summary.useCase).toBe('DBCH01');
    expect(JSON.parse(run(['decode', hex]).out).summary.useCase).toBe('DBCH01');
  });
});

describe('bad input: one line with offset and field, exit 1, no stack trace', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['odd hex', `${hex}A`, /odd number of hex digits/],
    ['not hex', 'DDZZ', /no such file, and not hex|not hex/],
    ['truncated frame', hex.slice(0, 80), /offset \d+: /],
    ['wrong tag', `AB${hex.slice(2)}`, /offset 0: frame.tag: expected 0xDD/],
    ['length past the end', hex.slice(0, 124) + '7F' + hex.slice(126), /offset \d+: contentLength: payload length 127 runs past the end/],
    ['unknown message code', hex.slice(0, 88) + '7FEE' + hex.slice(92), /offset 44: header.otherInfo.messageCode: unknown message code 0x7FEE/],
  ];
  for (const [what, input, re] of cases) {
    it(what, () => {
      const r = run(['decode', input]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }

  it('invalid JSON for encode names file:line:column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smets-'));
    const f = join(dir, 'bad.json');
    writeFileSync(f, '{\n  "frame": {\n    "kind": "ciphered",,\n}');
    const r = run(['encode', f]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.json:3:\d+: invalid JSON/);
  });

  it('a wrong field in JSON names its path', () => {
    const doc = JSON.parse(run(['decode', hex]).out);
    doc.frame.header.originator = 'not-an-eui';
    const r = run(['encode', '-'], JSON.stringify(doc));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/frame\.header\.originator: not an EUI-64/);
  });
});

describe('smets-sim check', () => {
  it('checks the whole shared corpus in one call', () => {
    const r = run(['check', '--keystore', KEYSTORE_DIR, ...vectors.map((v) => v.path)]);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(vectors.length + 1);
    expect(lines.at(-1)).toBe(`${vectors.length} passed, 0 failed`);
    expect(r.code).toBe(0);
    expect(lines.filter((l) => l.includes('unverifiable')).every((l) => l.includes('PCS02'))).toBe(true);
  });

  it('reports a tampered file as FAIL and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smets-'));
    const f = join(dir, 'tampered.HEX');
    writeFileSync(f, hex.slice(0, -2) + (hex.endsWith('00') ? '01' : '00'));
    const r = run(['check', '--keystore', KEYSTORE_DIR, DBCH01.path, f]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/tampered\.HEX: FAIL MAC: MAC does not verify/);
    expect(r.out.trim().split('\n').at(-1)).toBe('1 passed, 1 failed');
  });
});
