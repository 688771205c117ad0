import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GbcsCryptoError } from '../protocols/errors.js';
import { type FromFilesOptions, Keystore } from '../protocols/crypto/keystore.js';

/**
 * Loads every regular file of a keystore directory (RTDS / DCC tooling layout, not recursive) into a Keystore.
 * Files whose names do not follow the convention become `unknown-file` warnings; unreadable key files throw
 * GbcsCryptoError naming the file unless `skipInvalid` is set.
 */
export function loadKeystoreDir(dir: string, options: FromFilesOptions = {}): Keystore {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new GbcsCryptoError(`keystore directory ${dir}: ${(e as Error).message}`);
  }
  const files: Array<{ name: string; text: string }> = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    // Hidden files (.gitkeep, editor droppings) are never keys; skip them without a warning.
    if (name.startsWith('.')) continue;
    files.push({ name, text: readFileSync(path, 'utf8') });
  }
  return Keystore.fromFiles(files, options);
}
