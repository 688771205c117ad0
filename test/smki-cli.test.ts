import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeystoreDir } from '../tools/keystore-dir.js';
import { registerPkiCommands } from '../tools/commands/pki.js';
import type { Eui64 } from '../protocols/eui.js';
import { POLICY_SETS, Pki, readCertificate } from '../protocols/smki/index.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'smki-cli-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `smets-sim <args>` with only the pki commands registered; returns printed lines or the error message. */
async function run(...args: string[]): Promise<{ lines: string[]; error?: string }> {
  const lines: string[] = [];
  const program = new Command('smets-sim').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerPkiCommands(program, (s) => lines.push(...s.split('\n')));
  try {
    await program.parseAsync(['node', 'smets-sim', ...args]);
    return { lines };
  } catch (e) {
    return { lines, error: (e as Error).message };
  }
}

function read(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, prefix: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${n}/`);
      else out.set(`${prefix}${n}`, readFileSync(p, 'utf8'));
    }
  };
  walk(dir, '');
  return out;
}

describe('smets-sim pki', () => {
  it('init writes the CA hierarchy, keystore and config; the same seed writes identical files', async () => {
    const a = join(work, 'a');
    const b = join(work, 'b');
    const r = await run('pki', 'init', '--out', a, '--seed', '42');
    expect(r.error).toBeUndefined();
    expect(r.lines[0]).toMatch(/^SMKI root OU=00, CN=SR \(key id 4[0-9A-F]{15}\), policy set rtds, seed 42$/);
    expect(r.lines.at(-1)).toBe(`41 file(s) written under ${a}`);
    await run('pki', 'init', '--out', b, '--seed', '42');
    const fa = read(a);
    expect([...fa.keys()].filter((k) => k.startsWith('ca/'))).toEqual(['ca/device-issuing.key', 'ca/device-issuing.pem', 'ca/org-issuing.key', 'ca/org-issuing.pem', 'ca/root.key', 'ca/root.pem']);
    expect(fa.has('keystore/90b3d51f30010000-pp-ka.key')).toBe(true);
    expect(JSON.parse(fa.get('pki.json')!)).toEqual({ format: 'smets-sim-pki/1', seed: '42', policy: 'rtds' });
    expect(read(b)).toEqual(fa);
    expect(statSync(join(a, 'ca', 'root.key')).mode & 0o777).toBe(0o600);
    // Re-running is harmless; a different seed over the same directory is refused before anything is written.
    expect((await run('pki', 'init', '--out', a, '--seed', '42')).lines.at(-1)).toBe(`0 file(s) written under ${a}`);
    const clash = await run('pki', 'init', '--out', a, '--seed', '43');
    expect(clash.error).toMatch(/ca\/root\.pem already exists with different content \(use --force to replace it\)$/);
    expect(read(a)).toEqual(fa);
  });

  it('the keystore directory loads with loadKeystoreDir and verifies with openssl', async () => {
    const dir = join(work, 'v');
    await run('pki', 'init', '--out', dir, '--seed', '7', '--policy', 'zaz1');
    await run('pki', 'device', '--pki', dir, '--eui', '00-DB-12-34-56-78-90-A0', '--type', 'gsme');
    const ks = loadKeystoreDir(join(dir, 'keystore'));
    expect(ks.warnings).toEqual([]);
    expect(ks.acb()).toBe('90B3D51F30000002');
    expect(ks.privateKey('00DB1234567890A0' as Eui64, 'ka')).toBeDefined();
    const pems = readdirSync(join(dir, 'keystore')).filter((n) => n.endsWith('.pem'));
    const devices = pems.filter((n) => n.startsWith('00db')).map((n) => join(dir, 'keystore', n));
    const orgs = pems.filter((n) => !n.startsWith('00db')).map((n) => join(dir, 'keystore', n));
    const verifyWith = (ca: string, policy: string, files: string[]) =>
      spawnSync('openssl', ['verify', '-x509_strict', '-policy_check', '-explicit_policy', '-policy', policy, '-CAfile', join(dir, 'ca', 'root.pem'), '-untrusted', join(dir, 'ca', ca), ...files], { encoding: 'utf8' });
    const d = verifyWith('device-issuing.pem', POLICY_SETS.zaz1.device, devices);
    const o = verifyWith('org-issuing.pem', POLICY_SETS.zaz1.organisation, orgs);
    expect(d.stdout.trim().split('\n')).toEqual(devices.map((f) => `${f}: OK`));
    expect(o.stdout.trim().split('\n')).toEqual(orgs.map((f) => `${f}: OK`));
    expect(orgs).toHaveLength(17);
  });

  it('device adds DS and KA credentials deterministically and refuses bad input in one line', async () => {
    const dir = join(work, 'd');
    await run('pki', 'init', '--out', dir, '--seed', '99');
    const r = await run('pki', 'device', '--pki', dir, '--eui', '00DB1234567890A1', '--type', 'chf');
    expect(r.lines[0]).toMatch(/^00DB1234567890A1 device chf: ds, ka/);
    const files = ['00db1234567890a1-ds.pem', '00db1234567890a1-ds.key', '00db1234567890a1-ka.pem', '00db1234567890a1-ka.key'];
    for (const f of files) expect(existsSync(join(dir, 'keystore', f))).toBe(true);
    const cert = readCertificate(readFileSync(join(dir, 'keystore', '00db1234567890a1-ka.pem'), 'utf8'));
    expect(cert).toMatchObject({ kind: 'device', eui: '00DB1234567890A1', usage: 'keyAgreement' });
    expect((await run('pki', 'device', '--pki', dir, '--eui', '00DB1234567890A1')).lines.at(-1)).toMatch(/0 file\(s\) written, 4 already up to date/);
    // The directory replays: issuing the same device in memory from the seed gives the same bytes.
    const mem = await (await Pki.create({ seed: '99' })).issueDevice({ eui: '00DB1234567890A1' });
    expect(readFileSync(join(dir, 'keystore', '00db1234567890a1-ds.pem'), 'utf8')).toBe(mem.credentials.ds!.certificate.pem);
    expect(readFileSync(join(dir, 'keystore', '00db1234567890a1-ka.key'), 'utf8')).toBe(mem.credentials.ka!.keyPem);

    const errors = [
      [await run('pki', 'device', '--pki', dir, '--eui', 'zz'), /--eui: not an EUI-64/],
      [await run('pki', 'device', '--pki', dir, '--eui', '00DB1234567890A2', '--type', 'ihd'), /ihd is a GBCS Type 2 device: it holds no SMKI certificates/],
      [await run('pki', 'device', '--pki', dir, '--eui', '00DB1234567890A2', '--type', 'toaster'), /unknown device type "toaster"/],
      [await run('pki', 'device', '--pki', join(work, 'missing'), '--eui', '00DB1234567890A2'), /PKI directory .* not found \(create one with: smets-sim pki init/],
      [await run('pki', 'init', '--out', join(work, 'p'), '--policy', 'nope'), /unknown policy set "nope"/],
    ] as const;
    for (const [res, re] of errors) {
      expect(res.error).toMatch(re);
      expect(res.error).not.toMatch(/\n/);
    }
  });

  it('organisation adds credentials for a named role', async () => {
    const dir = join(work, 'o');
    await run('pki', 'init', '--out', dir, '--seed', '5');
    const r = await run('pki', 'organisation', '--pki', dir, '--eui', '90B3D51F30030000', '--role', 'supplier', '--name', 'SUPPLIER2', '--prepayment');
    expect(r.lines[0]).toMatch(/^90B3D51F30030000 organisation role 02: ds, ka, pp-ka/);
    expect((await run('pki', 'organisation', '--pki', dir, '--eui', '90B3D51F30030001', '--role', 'king')).error).toMatch(/unknown remote party role "king"/);
  });

  it('show prints the SMKI reading of issued and real certificates', async () => {
    const dir = join(work, 's');
    await run('pki', 'init', '--out', dir, '--seed', '11');
    const org = await run('pki', 'show', join(dir, 'keystore', '90b3d51f30010000-ds.pem'));
    expect(org.lines).toEqual(
      expect.arrayContaining([
        'kind:      organisation',
        'role:      02 supplier',
        'eui:       90-B3-D5-1F-30-01-00-00 (x500UniqueIdentifier)',
        'usage:     digitalSignature',
        'policy:    1.2.826.0.1.8641679.1.2.1.4 (ZAZ1)',
        'profile:   conformant',
      ]),
    );
    expect(org.lines.find((l) => l.startsWith('issuer:'))).toMatch(/^issuer: {4}OU=07, CN=S1 \(key id 4[0-9A-F]{15}\)$/);
    const real = await run('pki', 'show', '/work/shared/rtds/keystore/00db123456789001-ka.pem');
    expect(real.lines).toEqual(expect.arrayContaining(['kind:      device', 'eui:       00-DB-12-34-56-78-90-01 (hwModuleName)', 'usage:     keyAgreement', 'issuer:    CN=E357 (key id 47D40AF3412904A0)', 'profile:   conformant']));
    const root = await run('pki', 'show', join(dir, 'ca', 'root.pem'));
    expect(root.lines).toEqual(expect.arrayContaining(['kind:      root', 'role:      00 root', 'usage:     keyCertSign, cRLSign']));
    const bad = join(work, 'bad.pem');
    writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n');
    expect((await run('pki', 'show', bad)).error).toMatch(/SMKI malformed-pem: .*bad\.pem: the CERTIFICATE block is not valid base64/);
    expect((await run('pki', 'show', join(work, 'none.pem'))).error).toMatch(/cannot read .*none\.pem: ENOENT/);
  });

  it('verify checks chain, role, EUI and usage', async () => {
    const dir = join(work, 'c');
    await run('pki', 'init', '--out', dir, '--seed', '12');
    const supplierDs = join(dir, 'keystore', '90b3d51f30010000-ds.pem');
    expect((await run('pki', 'verify', supplierDs, '--pki', dir, '--role', 'supplier', '--usage', 'ds', '--eui', '90B3D51F30010000')).lines[0]).toMatch(/: OK \(.* <- OU=07, CN=S1 <- OU=00, CN=SR\)$/);
    expect((await run('pki', 'verify', supplierDs, '--pki', dir, '--role', 'acb')).error).toMatch(/^SMKI wrong-role: /);
    expect((await run('pki', 'verify', supplierDs, '--pki', dir, '--usage', 'ka')).error).toMatch(/^SMKI wrong-usage: /);
    const other = join(work, 'c2');
    await run('pki', 'init', '--out', other, '--seed', '13');
    expect((await run('pki', 'verify', supplierDs, '--pki', other)).error).toMatch(/^SMKI broken-chain: .* is not a trusted CA$/);
  });

  it('import-dccboxed converts keystore.json into a keystore directory', async () => {
    const dir = join(work, 'i');
    await run('pki', 'init', '--out', dir, '--seed', '21');
    const { toDccBoxedKeystore, importKeystoreFiles, partiesFromImport } = await import('../protocols/smki/index.js');
    const files = [...read(join(dir, 'keystore'))].map(([name, text]) => ({ name, text }));
    const json = join(work, 'keystore.json');
    writeFileSync(json, toDccBoxedKeystore(partiesFromImport(importKeystoreFiles(files))));
    const out = join(work, 'imported');
    const r = await run('pki', 'import-dccboxed', json, '--out', out);
    expect(r.error).toBeUndefined();
    expect(r.lines.at(-1)).toBe(`34 file(s) written, 0 already up to date in ${out}`);
    expect(read(out)).toEqual(read(join(dir, 'keystore')));
    expect((await run('pki', 'import-dccboxed', json, '--out', out, '--prefer', '(')).error).toMatch(/^--prefer: Invalid regular expression/);
  });
});
