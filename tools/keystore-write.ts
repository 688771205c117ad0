import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, ensureDir } from './io.js';

export interface WriteResult {
  written: string[];
  unchanged: string[];
}

/**
 * Writes `files` into `dir` (created if needed). A file that exists with the same text is left alone, so
 * re-running a deterministic command is harmless; one with different text is refused unless `overwrite`,
 * and the check happens before anything is written so a refused run leaves the directory as it was.
 * Private keys (`.key`) are written owner-readable only.
 */
export function writeFilesInto(dir: string, files: ReadonlyArray<{ name: string; text: string }>, options: { overwrite?: boolean } = {}): WriteResult {
  const plan = planWrite(dir, files, options);
  try {
    ensureDir(dir, 'keystore directory');
    const result: WriteResult = { written: [], unchanged: [] };
    for (const p of plan) {
      if (p.same) {
        result.unchanged.push(p.path);
        continue;
      }
      const secret = p.path.endsWith('.key');
      writeFileSync(p.path, p.text, { mode: secret ? 0o600 : 0o644 });
      // writeFileSync's mode applies only to new files; an overwritten key must not keep looser bits.
      if (secret) chmodSync(p.path, 0o600);
      result.written.push(p.path);
    }
    return result;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot write into ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The conflict check of `writeFilesInto` alone, for commands that write into several directories. */
export function checkFilesInto(dir: string, files: ReadonlyArray<{ name: string; text: string }>, options: { overwrite?: boolean } = {}): void {
  planWrite(dir, files, options);
}

function planWrite(dir: string, files: ReadonlyArray<{ name: string; text: string }>, options: { overwrite?: boolean }): Array<{ path: string; text: string; same: boolean }> {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${dir} exists and is not a directory`);
  const plan: Array<{ path: string; text: string; same: boolean }> = [];
  for (const f of files) {
    if (f.name.includes('/') || f.name.includes('\\') || f.name.startsWith('.')) throw new UsageError(`refusing to write odd file name ${JSON.stringify(f.name)}`);
    const path = join(dir, f.name);
    let same = false;
    if (existsSync(path)) {
      if (!statSync(path).isFile()) throw new UsageError(`${path} exists and is not a file`);
      same = readFileSync(path, 'utf8') === f.text;
      if (!same && !options.overwrite) throw new UsageError(`${path} already exists with different content (use --force to replace it)`);
    }
    plan.push({ path, text: f.text, same });
  }
  return plan;
}
