import type { Command } from 'commander';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHexInput, toHex } from '../../protocols/bytes.js';
import { type FolderFile, type VectorKind, runFolder } from '../../firmware-sim/conformance.js';
import { createModelWithHubs } from '../../hub/chf.js';
import { loadKeystoreDir } from '../keystore-dir.js';
import { UsageError, ensureDir, readTextFile } from '../io.js';

function kindOf(name: string): VectorKind | undefined {
  if (name.includes('_PRECOMMAND')) return 'PRECOMMAND';
  if (name.includes('_COMMAND')) return 'COMMAND';
  if (name.includes('_RESPONSE')) return 'RESPONSE';
  if (name.includes('_ALERT')) return 'ALERT';
  return undefined;
}

function readFolder(dir: string): FolderFile[] {
  const out: FolderFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.hex$/i.test(name)) continue;
    const kind = kindOf(name);
    if (!kind) continue;
    const path = join(dir, name);
    out.push({ name, kind, bytes: parseHexInput(readTextFile(path), path) });
  }
  return out;
}

export function registerConformanceCommand(program: Command, out: (s: string) => void): void {
  program
    .command('conformance')
    .description('run RTDS use-case folders against simulated devices and compare their answers with the reference')
    .argument('<rtds-dir>', 'folder holding one sub-folder of .HEX files per use case')
    .requiredOption('--keystore <dir>', 'organisation keys of the RTDS (trust anchors, ACB key to re-MAC commands)')
    .option('--out <dir>', 'write every frame the devices emitted, and their keys')
    .option('--only <folders...>', 'run only these folders')
    .option('--seed <text>', 'seed for device keys', 'smets-sim conformance')
    .action((root: string, opts: { keystore: string; out?: string; only?: string[]; seed: string }) => {
      let folders: string[];
      try {
        folders = readdirSync(root).filter((f) => statSync(join(root, f)).isDirectory()).sort();
      } catch (e) {
        throw new UsageError(`cannot read ${root}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (opts.only) {
        const missing = opts.only.filter((f) => !folders.includes(f));
        if (missing.length) throw new UsageError(`no such folder in ${root}: ${missing.join(', ')}`);
        folders = opts.only;
      }
      const keystore = loadKeystoreDir(opts.keystore);
      let passed = 0;
      let failed = 0;
      for (const folder of folders) {
        const r = runFolder(folder, readFolder(join(root, folder)), { keystore, createModel: createModelWithHubs, seed: opts.seed });
        if (r.ok) passed++;
        else failed++;
        out(`${folder}: ${r.ok ? 'ok' : `FAIL ${r.detail}`}`);
        if (opts.out) {
          const dir = join(opts.out, folder);
          ensureDir(dir, '--out');
          for (const f of r.emitted) writeFileSync(join(dir, f.name), toHex(f.bytes));
          const ks = join(opts.out, 'keystore');
          ensureDir(ks, '--out');
          for (const d of r.devices) {
            const eui = d.eui.toLowerCase();
            writeFileSync(join(ks, `${eui}-ds.key`), d.ds.export({ type: 'pkcs8', format: 'pem' }));
            writeFileSync(join(ks, `${eui}-ka.key`), d.ka.export({ type: 'pkcs8', format: 'pem' }));
          }
        }
      }
      out(`${passed} passed, ${failed} failed`);
      if (failed) process.exitCode = 1;
    });
}
