import type { KeyObject } from 'node:crypto';
import { type Eui64, parseEui64 } from '../protocols/eui.js';
import { GbcsDecodeError } from '../protocols/errors.js';
import { KeyAgreementCache, Keystore, makeUtrn, parseUtrn, verifyUtrn } from '../protocols/crypto/index.js';
import { decodeFrameWithLayout, encodeGeneralSigning, wrapCiphered, type GbcsFrame, type GeneralSigning } from '../protocols/gbcs/frame.js';
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
        const bytes = remac(reissueUtrns(cmd.bytes, cmd.frame, opts.keystore, device.kaPublicKey), cmd.frame, hanKey ?? acbKa, device.kaPublicKey, cache);
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

      if (ref && !cmd) {
        fail(`${sc.name}: the folder has a response but no command (reference only): nothing can drive a device`);
      } else if (ref) {
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

/**
 * UTRNs are bound to the device's KA key, so the reference's tokens only open on the RTDS device. A token the
 * reference device would accept is issued again, same counter and value, for the simulated device with the
 * supplier's prepayment key from the keystore; invalid tokens stay as they are. Covers GBZ Consumer Top Up
 * (CS01b, PCS01) and the DLMS Token Gateway (class 115) method 1 (CS01a), whose token is an octet-string of
 * ASCII digits. Unsigned commands only (the MAC is recomputed afterwards).
 */
function reissueUtrns(bytes: Uint8Array, frame: GbcsFrame, ks: Keystore, deviceKa: KeyObject): Uint8Array {
  if (frame.kind === 'gbt' || frame.signature.kind === 'ecdsa') return bytes;
  const device = frame.header.target;
  const supplier = ks.euis().find((e) => ks.privateKey(e, 'pp-ka'));
  const pp = supplier ? ks.privateKey(supplier, 'pp-ka') : undefined;
  const refKa = ks.publicKey(device, 'ka');
  if (!supplier || !pp || !refKa) return bytes;
  let changed = false;
  const reissue = (code: string): string | undefined => {
    try {
      if (!verifyUtrn({ utrn: code, key: { privateKey: pp, publicKey: refKa }, supplier, device })) return undefined;
      const t = parseUtrn(code);
      const utrn = makeUtrn({ key: { privateKey: pp, publicKey: deviceKa }, supplier, device, counter: BigInt(t.counterBits) << 32n, value: t.value, valueClass: t.valueClass });
      changed = true;
      return utrn;
    } catch {
      return undefined;
    }
  };
  let payload: GeneralSigning['payload'];
  if (frame.payload.family === 'gbz') {
    const components = frame.payload.gbz.components.map((c) => {
      const code = c.command?.typed && c.clusterId === 0x0705 && c.command.name === 'consumerTopUp' ? c.command.fields.topUpCode : undefined;
      if (typeof code !== 'string' || !c.command?.typed) return c;
      const utrn = reissue(code);
      return utrn === undefined ? c : { ...c, command: { ...c.command, fields: { ...c.command.fields, topUpCode: utrn } } };
    });
    payload = { family: 'gbz', gbz: { ...frame.payload.gbz, components } };
  } else if (frame.payload.family === 'dlms' && frame.payload.dlms.type === 'access-request') {
    const apdu = frame.payload.dlms;
    const data = apdu.data.map((d, i) => {
      const spec = apdu.specs[i];
      if (!spec || spec.type !== 'action' || spec.classId !== 115 || spec.method !== 1 || d.type !== 'octet-string') return d;
      const utrn = reissue(Buffer.from(d.hex, 'hex').toString('latin1'));
      return utrn === undefined ? d : { type: 'octet-string' as const, hex: Buffer.from(utrn, 'latin1').toString('hex').toUpperCase() };
    });
    payload = { family: 'dlms', dlms: { ...apdu, data } };
  } else {
    return bytes;
  }
  if (!changed) return bytes;
  const gs = encodeGeneralSigning({ ...frame, payload });
  return frame.kind === 'ciphered' ? wrapCiphered(gs, new Uint8Array(12), frame.securityControl, frame.invocationCounter) : gs;
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
 * The RTDS keystore also holds certificates for the RTDS device EUIs, whose keys are not the simulated
 * device's: decryption therefore runs on a keystore of just the device's own key and the recipient's public
 * key, so the device's key is the one used (and the shared reference keystore is left untouched).
 */
function decryptOwn(bytes: Uint8Array, sec: SecurityContext, own: { eui: Eui64; ka: KeyObject }, cache: KeyAgreementCache): unknown[] {
  const { frame } = decodeFrameWithLayout(bytes);
  if (frame.kind === 'gbt' || payloadEncryptedParts(frame.payload).length === 0) return [];
  const ks = new Keystore();
  ks.add(own.eui, 'ka', { privateKey: own.ka });
  const oi = frame.header.otherInfo;
  for (const party of [frame.header.target, 'remotePartyId' in oi ? oi.remotePartyId : undefined]) {
    const pub = party && party !== own.eui ? sec.keystore.publicKey(party, 'ka') : undefined;
    if (party && pub) ks.add(party, 'ka', { publicKey: pub });
  }
  return decryptedValues(bytes, { ...createSecurityContext(ks), cache });
}
