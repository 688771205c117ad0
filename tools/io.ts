import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseHexInput } from '../protocols/bytes.js';

/** Thrown for bad user input at the CLI boundary: printed as one line, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read standard input: ${(e as Error).message}`);
  }
}

export function readTextFile(path: string): string {
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`${path} is a directory, not a file`);
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** `<HEX | FILE | ->`: a readable file wins, `-` is stdin, otherwise the argument itself must be hex. */
export function readFrameArg(arg: string): { bytes: Uint8Array; source: string } {
  if (arg === '-') return { bytes: parseHexInput(readStdin(), 'stdin'), source: 'stdin' };
  if (existsSync(arg)) return { bytes: parseHexInput(readTextFile(arg), arg), source: arg };
  if (/^[\s0-9a-fA-Fx:-]+$/.test(arg)) return { bytes: parseHexInput(arg, 'argument'), source: 'argument' };
  throw new UsageError(`${arg}: no such file, and not hex`);
}

/** JSON.parse with the error position turned into file:line:column. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos).split('\n');
      throw new UsageError(`${source}:${before.length}:${before[before.length - 1]!.length + 1}: invalid JSON: ${(e as Error).message}`);
    }
    throw new UsageError(`${source}: invalid JSON: ${(e as Error).message}`);
  }
}

/**
 * Makes `path` and any missing parents, one level at a time (node's recursive mkdir spins forever under
 * /proc), or throws a UsageError naming `what` and why.
 */
export function ensureDir(path: string, what: string): void {
  const missing: string[] = [];
  let p = resolve(path);
  while (!existsSync(p)) {
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  if (existsSync(p) && !statSync(p).isDirectory()) throw new UsageError(`${what}: ${p} is a file, not a directory`);
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new UsageError(`${what}: cannot create ${m}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
}
