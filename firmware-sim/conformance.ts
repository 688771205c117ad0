import type { KeyObject } from 'node:crypto';
import { type Eui64, parseEui64 } from '../protocols/eui.js';
import { GbcsDecodeError } from '../protocols/errors.js';
import { KeyAgreementCache, type Keystore } from '../protocols/crypto/index.js';
import { decodeFrameWithLayout, wrapCiphered, type GbcsFrame } from '../protocols/gbcs/frame.js';
import { payloadEncryptedParts } from '../protocols/gbcs/payload.js';
import { computeMac, createSecurityContext, macKey, verifyFrame, type SecurityContext } from '../protocols/gbcs/security.js';
import { deriveKeyPair, seedBytes } from '../protocols/smki/index.js';
import { ManualClock } from './clock.js';
import { Device, type DeviceKind, type Emitted } from './device.js';
import { type CompositeModel, type SigningFrame } from './models/composite.js';
import { Rng } from './rng.js';
import { anchorsFromKeystore } from './trust.js';
import { diffFrames } from './compare.js';

/** RTDS "now": every reference response and alert is dated 2015-01-01T00:00:00. */
export const RTDS_NOW = Date.UTC(2015, 0, 1);

export type VectorKind = 'COMMAND' | 'PRECOMMAND' | 'RESPONSE' | 'ALERT';

export interface FolderFile {
  name: string;
  kind: VectorKind;
  bytes: Uint8Array;
}

export interface ModelFactory {
  (kind: DeviceKind, env: { eui: Eui64; rng: Rng; clock: ManualClock }): CompositeModel;
}

export interface ConformanceOptions {
  /** Organisation keys (RTDS keystore): trust anchors for the devices and private keys to re-MAC commands. */
  keystore: Keystore;
  createModel: ModelFactory;
  seed?: string;
}

export interface EmittedFile {
  name: string;
  bytes: Uint8Array;
}

export interface FolderResult {
  folder: string;
  ok: boolean;
  /** `ok`, or the first difference as a field path. */
  detail: string;
  exchanges: number;
  alerts: number;
  emitted: EmittedFile[];
  /** The simulated devices' own keys, so their frames can be checked by any GBCS tool. */
  devices: Array<{ eui: Eui64; ds: KeyObject; ka: KeyObject }>;
}

/** Device kinds of the RTDS identities (GBCS test data set device EUIs). */
const RTDS_KINDS: Record<string, DeviceKind> = {
  '00DB1234567890A0': 'esme',
  '00DB1234567890A1': 'gsme',
  '00DB1234567890A2': 'chf',
  '00DB1234567890A3': 'gpf',
  '00DB1234567890A4': 'ppmid',
  '00DB1234567890A5': 'hcalcs',
  '00DB1234567890A6': 'esme',
};

/** The kind of device a frame is for: RTDS identities by EUI, otherwise by payload family and use case. */
export function deviceKindFor(eui: Eui64, frame: SigningFrame): DeviceKind {
  const known = RTDS_KINDS[eui];
  if (known) return known;
  const code = frame.header.otherInfo.messageCode;
  if ((code >= 0x0001 && code <= 0x0004) || (code >= 0x010a && code <= 0x0115) || [0x0092, 0x0093, 0x0094, 0x00fa, 0x00fe].includes(code)) {
    return 'chf';
  }
  return frame.payload.family === 'gbz' ? 'gsme' : 'esme';
}

function scenarioOf(name: string): string {
  return name
    .replace(/_GBCS\.HEX$/i, '')
    .replace(/_(COMMAND|PRECOMMAND|RESPONSE)$/, '')
    .replace(/_ALERT(_.*)?$/, '')
    .replace(/_[0-9A-F]{4}_/, '_')
    .replace(/_NA_/, '_');
}

interface Scenario {
  name: string;
  command?: FolderFile;
  response?: FolderFile;
  alerts: FolderFile[];
}

export function groupScenarios(files: readonly FolderFile[]): Scenario[] {
  const byName = new Map<string, Scenario>();
  const get = (n: string) => {
    let s = byName.get(n);
    if (!s) byName.set(n, (s = { name: n, alerts: [] }));
    return s;
  };
  for (const f of files) {
    if (f.kind === 'COMMAND') get(scenarioOf(f.name)).command = f;
    else if (f.kind === 'RESPONSE') get(scenarioOf(f.name)).response = f;
  }
  for (const f of files.filter((x) => x.kind === 'ALERT')) {
    const key = scenarioOf(f.name);
    // An alert belongs to the command of the same scenario; the rest are raised by events.
    const s = byName.get(key) ?? [...byName.values()].find((x) => x.command && key.startsWith(x.name)) ?? get(key);
    s.alerts.push(f);
  }
  return [...byName.values()].filter((s) => s.command || s.response || s.alerts.length);
}

function decode(f: FolderFile): { frame: SigningFrame; bytes: Uint8Array } {
  const { frame } = decodeFrameWithLayout(f.bytes);
  if (frame.kind === 'gbt') throw new ConformanceError(`${f.name}: GBT blocks are not use-case messages`);
  return { frame, bytes: f.bytes };
}

/** Decrypted values of a frame's encrypted parts, in order, using whatever keys the context holds. */
function decryptedValues(bytes: Uint8Array, sec: SecurityContext): unknown[] {
  const { frame, layout } = decodeFrameWithLayout(bytes);
  return verifyFrame(bytes, frame, layout, sec).decrypted.map((d) => (d.status === 'decrypted' ? d.value : undefined));
}

export class ConformanceError extends Error {
  override readonly name = 'ConformanceError';
}

/**
 * Runs one RTDS use-case folder against a simulated device: for each command, a fresh device with the
 * command's target EUI, the keystore's organisations as trust anchors and keys of its own; the command is
 * re-MAC'd for the device's key with the ACB key, the device answers, and the answer is compared with the
 * reference response field by field (MACs, signatures and ciphertext differ by construction; decrypted
 * contents are compared instead). Future-dated work is run by advancing the device clock; alert-only
 * scenarios ask the model to bring about the event the alert reports.
 */
export function runFolder(folder: string, files: readonly FolderFile[], opts: ConformanceOptions): FolderResult {
  const result: FolderResult = { folder, ok: true, detail: 'ok', exchanges: 0, alerts: 0, emitted: [], devices: [] };
  const fail = (detail: string) => {
    if (result.ok) {
      result.ok = false;
      result.detail = detail;
    }
  };
  const refSec = createSecurityContext(opts.keystore);
  const acb = opts.keystore.acb();
  if (!acb) throw new ConformanceError('the keystore has no access control broker (role 04) to MAC commands');
  const acbKa = opts.keystore.privateKey(acb, 'ka');
  if (!acbKa) throw new ConformanceError(`the keystore has no KA private key for the ACB ${acb}`);
  const seed = seedBytes(opts.seed ?? 'smets-sim conformance');
  const cache = new KeyAgreementCache();

  for (const sc of groupScenarios(files)) {
    try {
      const cmd = sc.command ? decode(sc.command) : undefined;
      const ref = sc.response ? decode(sc.response) : undefined;
      const firstAlert = sc.alerts[0] ? decode(sc.alerts[0]) : undefined;
      const eui = cmd?.frame.header.target ?? firstAlert?.frame.header.originator ?? ref?.frame.header.originator;
      if (!eui) continue;
      const kind = deviceKindFor(eui, (cmd ?? firstAlert ?? ref)!.frame);
      const clock = new ManualClock(RTDS_NOW);
      const rng = Rng.fromSeed(`${opts.seed ?? 'conformance'}/${folder}/${sc.name}`);
      const ds = deriveKeyPair(seed, `device/${eui}/ds`).privateKey;
      const ka = deriveKeyPair(seed, `device/${eui}/ka`).privateKey;
      const model = opts.createModel(kind, { eui: parseEui64(eui), rng, clock });
      const firstAlertCounter = firstAlert?.frame.header.counter;
      const device = new Device({
        eui,
        model,
        keys: { ds, ka },
        trust: anchorsFromKeystore(opts.keystore),
        clock,
        rng,
        cache,
        ...(firstAlertCounter !== undefined ? { alertCounter: firstAlertCounter } : {}),
      });
      if (!result.devices.some((d) => d.eui === eui)) result.devices.push({ eui, ds, ka });
      const emitted: Emitted[] = [];

      if (cmd) {
        let hanKey: KeyObject | undefined;
        if (ruleIsHan(cmd.frame)) {
          // HAN-originated (PPMID → meter): the sender is simulated too, with a key of its own.
          hanKey = deriveKeyPair(seed, `device/${cmd.frame.header.originator}/ka`).privateKey;
          device.hanPeers.set(cmd.frame.header.originator, deriveKeyPair(seed, `device/${cmd.frame.header.originator}/ka`).publicKey);
        }
        const bytes = remac(cmd.bytes, cmd.frame, hanKey ?? acbKa, device.kaPublicKey, cache);
        if (ref) model.seed({ command: cmd.frame, expected: ref.frame, decrypted: decryptedValues(ref.bytes, refSec) });
        emitted.push(...device.receive(bytes));
        result.exchanges++;
      }
      // Future-dated work and anything else due: let simulated time run until nothing is pending.
      for (let i = 0; i < 32 && device.pendingTasks().length; i++) {
        clock.set(Math.max(clock.nowMs(), device.pendingTasks()[0]!.at.getTime()));
        emitted.push(...device.tick());
      }
      if (!cmd) {
        for (const a of sc.alerts) {
          const al = decode(a);
          const ctxAlerts: Emitted[] = [];
          const fired = model.conformanceEvent(al.frame, decryptedValues(al.bytes, refSec), {
            device,
            now: clock.now(),
            rng,
            alert: (spec) => ctxAlerts.push(device.emitAlert(spec)),
            schedule: () => undefined,
          });
          if (!fired) fail(`${a.name}: the ${kind} model has no event that raises this alert`);
          emitted.push(...ctxAlerts);
        }
      }

      const actualSec = createSecurityContext(opts.keystore);
      const ownKeys = { eui, ka };
      for (const e of emitted) result.emitted.push({ name: `${sc.name}_${e.kind.toUpperCase()}_${e.counter}_GBCS.HEX`, bytes: e.bytes });

      if (ref) {
        const got = emitted.find((e) => e.kind === 'response');
        if (!got) {
          fail(`${sc.name}: no response (${device.refusals.at(-1)?.reason ?? 'the model gave none'})`);
        } else {
          const d = diffFrames(ref.frame, decode({ name: 'actual', kind: 'RESPONSE', bytes: got.bytes }).frame, {
            expectedDecrypted: decryptedValues(ref.bytes, refSec),
            actualDecrypted: decryptOwn(got.bytes, actualSec, ownKeys, cache),
          });
          if (d) fail(`${sc.name}: response ${d}`);
        }
      }
      const actualAlerts = emitted.filter((e) => e.kind === 'alert').map((e) => ({ e, frame: decode({ name: 'a', kind: 'ALERT', bytes: e.bytes }).frame }));
      for (const a of sc.alerts) {
        result.alerts++;
        const exp = decode(a);
        const expDec = decryptedValues(exp.bytes, refSec);
        let best: string | null | undefined;
        for (const act of actualAlerts) {
          const d = diffFrames(exp.frame, act.frame, {
            expectedDecrypted: expDec,
            actualDecrypted: decryptOwn(act.e.bytes, actualSec, ownKeys, cache),
            ignoreCounter: true,
          });
          if (d === null) {
            best = null;
            break;
          }
          if (best === undefined) best = d;
        }
        if (best !== null) fail(`${a.name}: ${best ?? 'the device raised no alert'}`);
      }
    } catch (e) {
      if (e instanceof GbcsDecodeError || e instanceof ConformanceError) fail(`${sc.name}: ${e.message}`);
      else throw e;
    }
  }
  return result;
}

function ruleIsHan(frame: SigningFrame): boolean {
  return [0x0090, 0x009b, 0x0116, 0x0117, 0x0118, 0x0119].includes(frame.header.otherInfo.messageCode);
}

/** Replace a command's MAC with one keyed for the simulated device (the organisation signature stays). */
function remac(bytes: Uint8Array, frame: GbcsFrame, macKeyOwner: KeyObject, deviceKa: KeyObject, cache: KeyAgreementCache): Uint8Array {
  if (frame.kind !== 'ciphered') return bytes;
  const { layout } = decodeFrameWithLayout(bytes);
  const gs = bytes.subarray(layout.gsStart, layout.gsEnd);
  const z = cache.sharedSecret(macKeyOwner, deviceKa);
  return wrapCiphered(gs, computeMac(macKey(z, frame.header), gs, frame.header.originator, frame.securityControl, frame.invocationCounter), frame.securityControl, frame.invocationCounter);
}

/**
 * Decrypt what a simulated device sent: the reference keystore holds the organisations' private keys, which
 * is all decryption needs (ECDH is symmetric); the device's key is used when the recipient is another device.
 */
function decryptOwn(bytes: Uint8Array, sec: SecurityContext, own: { eui: Eui64; ka: KeyObject }, _cache: KeyAgreementCache): unknown[] {
  const { frame } = decodeFrameWithLayout(bytes);
  if (frame.kind === 'gbt' || payloadEncryptedParts(frame.payload).length === 0) return [];
  const ks = sec.keystore;
  // Make the device's public KA key known so the organisation side can derive the shared secret.
  if (!ks.publicKey(own.eui, 'ka')) ks.add(own.eui, 'ka', { privateKey: own.ka });
  return decryptedValues(bytes, sec);
}
