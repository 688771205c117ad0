import { expect, it } from 'vitest';
import { Keystore } from '../protocols/crypto/index.js';
import type { Eui64 } from '../protocols/eui.js';
import { deriveKeyPair, seedBytes } from '../protocols/smki/index.js';
import type { Clock } from '../firmware-sim/clock.js';
import { type FolderFile, type FolderResult, runFolder } from '../firmware-sim/conformance.js';
import { Device, type DeviceKind } from '../firmware-sim/device.js';
import { createModel } from '../firmware-sim/models/index.js';
import { Rng } from '../firmware-sim/rng.js';
import { anchorsFromKeystore } from '../firmware-sim/trust.js';
import { loadKeystoreDir } from '../tools/keystore-dir.js';
import { KEYSTORE_DIR, type Vector, loadVectors } from './vectors.js';

/*
 * What the engine tests share: the RTDS keystore, RTDS folders run through the conformance runner, and a
 * device built the way that runner builds one (RTDS organisations as trust anchors, keys of its own), so a
 * behaviour test talks to the same kind of device the conformance tests do.
 */

export const keystore = loadKeystoreDir(KEYSTORE_DIR);

// Loaded on first use: the corpus is large and the behaviour tests never need it.
let vectors: Vector[] | undefined;

export function folderFiles(name: string): FolderFile[] {
  vectors ??= loadVectors();
  return vectors.filter((v) => v.folder === name).map((v) => ({ name: v.name, kind: v.kind, bytes: v.bytes }));
}

export function runRtdsFolder(name: string): FolderResult {
  return runFolder(name, folderFiles(name), { keystore, createModel });
}

/**
 * One test per folder: each conforms, except those `expectedFailures` names (with the reason), which must
 * fail; `onExpectedFailure` adds an engine's own checks of how they fail.
 */
export function itRunsRtdsFolders(folders: readonly string[], expectedFailures: Record<string, string>, onExpectedFailure?: (r: FolderResult) => void): void {
  for (const f of folders) {
    const why = expectedFailures[f];
    it(`${f}${why ? ' (expected failure)' : ''}`, () => {
      const r = runRtdsFolder(f);
      if (why) {
        expect(r.ok, why).toBe(false);
        onExpectedFailure?.(r);
      } else {
        expect(r.exchanges + r.alerts).toBeGreaterThan(0);
        expect(r.detail).toBe('ok');
      }
    });
  }
}

/** Every emitted file of a run, by name and content, to tell two runs apart. */
export function emittedFiles(r: FolderResult): string[] {
  return r.emitted.map((e) => `${e.name}:${Buffer.from(e.bytes).toString('hex')}`);
}

export interface SimDeviceOptions {
  kind: DeviceKind;
  eui: Eui64;
  clock: Clock;
  /** Seeds the device's randomness and, apart, its DS and KA keys (so two tests can share keys but not luck). */
  rngSeed: string;
  keySeed: string;
  alertCounter?: bigint;
}

export function simDevice(o: SimDeviceOptions) {
  const rng = Rng.fromSeed(o.rngSeed);
  const seed = seedBytes(o.keySeed);
  const model = createModel(o.kind, { eui: o.eui, rng, clock: o.clock });
  const device = new Device({
    eui: o.eui,
    model,
    keys: { ds: deriveKeyPair(seed, `${o.eui}/ds`).privateKey, ka: deriveKeyPair(seed, `${o.eui}/ka`).privateKey },
    trust: anchorsFromKeystore(keystore),
    clock: o.clock,
    rng,
    ...(o.alertCounter !== undefined ? { alertCounter: o.alertCounter } : {}),
  });
  return { device, model, rng, seed };
}

/** The keys a head-end opens the device's encrypted replies with: the parties' private KA keys and the device's public one. */
export function headEndKeystore(device: Device, eui: Eui64, parties: readonly Eui64[]): Keystore {
  const dks = new Keystore();
  dks.add(eui, 'ka', { publicKey: device.kaPublicKey });
  for (const party of parties) dks.add(party, 'ka', { privateKey: keystore.privateKey(party, 'ka')! });
  return dks;
}
