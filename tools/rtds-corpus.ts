import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseHexInput } from '../protocols/bytes.js';

/** ../shared beside the repository (as in CI: a fresh clone of main with shared/ next to it). */
export const SHARED_DIR = fileURLToPath(new URL('../../shared/', import.meta.url));
export const VECTORS_DIR = join(SHARED_DIR, 'rtds/vectors');
export const KEYSTORE_DIR = join(SHARED_DIR, 'rtds/keystore');

export type VectorKind = 'COMMAND' | 'PRECOMMAND' | 'RESPONSE' | 'ALERT';

export interface Vector {
  folder: string;
  name: string;
  path: string;
  kind: VectorKind;
  bytes: Uint8Array;
}

function kindOf(name: string): VectorKind {
  if (name.includes('_PRECOMMAND')) return 'PRECOMMAND';
  if (name.includes('_COMMAND')) return 'COMMAND';
  if (name.includes('_RESPONSE')) return 'RESPONSE';
  if (name.includes('_ALERT')) return 'ALERT';
  throw new Error(`cannot tell the kind of vector ${name}`);
}

const cache = new Map<string, Vector[]>();

/** Every .HEX file of an RTDS-style corpus (one folder per use case), sorted by path. */
export function loadVectors(dir = VECTORS_DIR): Vector[] {
  const hit = cache.get(dir);
  if (hit) return hit;
  if (!existsSync(dir)) throw new Error(`RTDS vectors not found at ${dir}`);
  const out: Vector[] = [];
  for (const folder of readdirSync(dir).sort()) {
    for (const name of readdirSync(join(dir, folder)).sort()) {
      if (!name.toUpperCase().endsWith('.HEX')) continue;
      const path = join(dir, folder, name);
      out.push({ folder, name, path, kind: kindOf(name), bytes: parseHexInput(readFileSync(path, 'utf8'), path) });
    }
  }
  cache.set(dir, out);
  return out;
}
