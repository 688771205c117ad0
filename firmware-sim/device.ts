import { type KeyObject, X509Certificate, createPublicKey } from 'node:crypto';
import { GbcsDecodeError } from '../protocols/errors.js';
import type { Eui64 } from '../protocols/eui.js';
import { KeyAgreementCache, ecdsaVerify } from '../protocols/crypto/index.js';
import type { CipheredBlock } from '../protocols/gbcs/ciphered.js';
import {
  type FrameLayout,
  type GbcsFrame,
  type GroupingHeader,
  type OtherInfo,
  decodeFrameWithLayout,
} from '../protocols/gbcs/frame.js';
import type { Payload } from '../protocols/gbcs/payload.js';
import { macVerifies, signedBytes } from '../protocols/gbcs/security.js';
import { encryptPart, sealFrame } from '../protocols/gbcs/seal.js';
import { type DlmsDateTime, dlmsDateTimeFromDate } from '../protocols/gbcs/time.js';
import { type UseCaseRule, ruleFor } from '../protocols/gbcs/authority.js';
import type { Clock } from './clock.js';
import type { Rng } from './rng.js';
import { ROLE, type TrustAnchors } from './trust.js';

export type DeviceKind = 'esme' | 'gsme' | 'gpf' | 'chf' | 'ppmid' | 'ihd' | 'hcalcs';

/** A device's own key pairs (private halves; public halves are derived). */
export interface DeviceKeys {
  ds: KeyObject;
  ka: KeyObject;
}

/** Security-related alert codes a device raises when it refuses a command (GBCS alert table). */
export const SECURITY_ALERT = {
  /** Integrity check of content or format of command failed (malformed, or the MAC does not verify). */
  integrity: 0x8f1e,
  /** Source does not have authority for command. */
  noAuthority: 0x8f30,
  /** Trusted source authentication failure (signature against the trust anchor). */
  authentication: 0x8f3d,
  /** Failed authentication or authorisation not covered by other codes (replayed counter). */
  other: 0x8f53,
} as const;

/** Generic alert message codes: GCA is signed (critical), GNCA is MAC'd. */
export const GCA = 0x1000;
export const GNCA = 0x1001;

/** An authenticated command, as a handler sees it. */
export interface Request {
  bytes: Uint8Array;
  frame: Exclude<GbcsFrame, { kind: 'gbt' }>;
  layout: FrameLayout;
  header: GroupingHeader;
  payload: Payload;
  messageCode: number;
  rule: UseCaseRule;
  /** Role the originator holds in this device's trust anchors (undefined for HAN devices). */
  role: number | undefined;
  signed: boolean;
}

/** What a handler may ask of the device while it answers. */
export interface HandlerContext {
  readonly device: Device;
  readonly now: Date;
  readonly rng: Rng;
  /** Encrypt a plaintext for this command's response (KDF mode 4 towards the right party). */
  encrypt(plaintext: Uint8Array): CipheredBlock;
  /** Queue an alert; the payload is built once the alert counter is assigned. */
  alert(spec: AlertSpec): void;
  /** Run `task` when the clock reaches `at` (future-dated commands); the model's `runTask` does it. */
  schedule(at: Date, task: ScheduledTask): void;
}

export interface AlertSpec {
  messageCode: number;
  alertCode?: number;
  /** Recipient: a role whose anchor holds the party, or an EUI. */
  to: number | Eui64;
  /** Critical alerts are signed (bare General-Signing); others are MAC'd. */
  critical: boolean;
  /** Other-information beyond the bare message code (ECS200 names a party; relayed alerts carry a supplementary party). */
  otherInfo?: OtherInfo;
  payload(counter: bigint, now: Date): Payload;
}

export interface ScheduledTask {
  type: string;
  data: unknown;
}

export type HandlerResult =
  | { payload: Payload; dateTime?: DlmsDateTime | null }
  /** No response at all (the device discards the command), with the reason for logs. */
  | { ignore: string };

export interface TickContext {
  readonly device: Device;
  readonly now: Date;
  readonly rng: Rng;
  alert(spec: AlertSpec): void;
  schedule(at: Date, task: ScheduledTask): void;
}

/** Behaviour of a device kind; state lives in the model, security in the Device around it. */
export interface DeviceModel {
  readonly kind: DeviceKind;
  handle(req: Request, ctx: HandlerContext): HandlerResult;
  /** Payload of a generic (GCA/GNCA) alert in this device's payload family. */
  genericAlert(alertCode: number, counter: bigint, at: Date): Payload;
  runTask?(task: ScheduledTask, ctx: TickContext): void;
  /** Time passing without a command (profiles, billing, duty cycle): called by `Device.tick`. */
  tick?(ctx: TickContext): void;
}

/** A frame the device sends. */
export interface Emitted {
  kind: 'response' | 'alert';
  from: Eui64;
  to: Eui64;
  messageCode: number;
  alertCode?: number;
  counter: bigint;
  bytes: Uint8Array;
}

/** Why a command got no response: kept for tests, logs and the dashboard. */
export interface Refusal {
  reason: string;
  alertCode?: number;
}

export interface DeviceOptions {
  eui: Eui64;
  model: DeviceModel;
  keys: DeviceKeys;
  trust: TrustAnchors;
  clock: Clock;
  rng: Rng;
  /** Shared across an estate: ECDH is the expensive step. */
  cache?: KeyAgreementCache;
  /** First alert counter (RTDS devices start at e.g. 2000 for an ESME). */
  alertCounter?: bigint;
}

/** Message codes whose responses carry the grouping-header date-time (observed in RTDS; GBCS use-case rules). */
const RESPONSE_WITH_DATETIME = new Set([
  0x0007, 0x0012, 0x0019, 0x001a, 0x001b, 0x001f, 0x0026, 0x0027, 0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x0039,
  0x0043, 0x0054, 0x006b, 0x006c, 0x006d, 0x006f, 0x0074, 0x0075, 0x0097, 0x00a2, 0x00a3, 0x00b6, 0x00b7, 0x00b8, 0x00bc,
  0x00c7, 0x00de, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x0105, 0x0106, 0x0107, 0x0108, 0x0109, 0x011a, 0x0124, 0x0125,
  0x0126, 0x012a,
]);

/**
 * Commands that carry the remote party's certificate but whose responses keep the 18-byte other-information
 * (no supplementary originator counter) and are encrypted with the header counter (RTDS GCS61).
 */
const CERTIFICATE_WITHOUT_ORIGINATOR_COUNTER = new Set([0x00a0]);

/** Commands answered with a signed response even when not signed themselves (CS02b ACB-by-ACB, contingency). */
const SIGNED_RESPONSE = new Set([0x0104, 0x0108, 0x0109]);

/**
 * A simulated SMETS2 device: identity, keys, trust anchors and counters around a model. `receive` runs the
 * GBCS security gate (target, MAC, signature, authority, anti-replay) and turns the model's answer into a
 * protected response; refusals raise the security alerts GBCS defines instead of throwing.
 */
export class Device {
  readonly eui: Eui64;
  readonly model: DeviceModel;
  readonly trust: TrustAnchors;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly cache: KeyAgreementCache;
  private keys: DeviceKeys;
  private alertCounter: bigint;
  /** Highest accepted originator counter per remote party (anti-replay, GBCS 6.2.4). */
  private readonly lastCounter = new Map<Eui64, bigint>();
  /** HAN peers allowed to command this device (PPMID → meter), by EUI, with their KA public keys. */
  readonly hanPeers = new Map<Eui64, KeyObject>();
  private readonly tasks: Array<{ at: number; task: ScheduledTask }> = [];
  readonly refusals: Refusal[] = [];

  constructor(opts: DeviceOptions) {
    this.eui = opts.eui;
    this.model = opts.model;
    this.keys = opts.keys;
    this.trust = opts.trust;
    this.clock = opts.clock;
    this.rng = opts.rng;
    this.cache = opts.cache ?? new KeyAgreementCache();
    this.alertCounter = opts.alertCounter ?? 0n;
  }

  get kind(): DeviceKind {
    return this.model.kind;
  }

  get dsPublicKey(): KeyObject {
    return createPublicKey(this.keys.ds);
  }

  get kaPublicKey(): KeyObject {
    return createPublicKey(this.keys.ka);
  }

  /** Replace the device's own key pair (CS02c/d); the certificates live with whoever issued them. */
  replaceKey(usage: 'ds' | 'ka', key: KeyObject): void {
    this.keys = { ...this.keys, [usage]: key };
  }

  /** ECDH secret between this device's KA key and `peer` (UTRN checks, HAN links), without exposing the key. */
  keyAgreementSecret(peer: KeyObject): Uint8Array {
    return this.cache.sharedSecret(this.keys.ka, peer);
  }

  lastAcceptedCounter(party: Eui64): bigint | undefined {
    return this.lastCounter.get(party);
  }

  nextAlertCounter(): bigint {
    return this.alertCounter;
  }

  /**
   * Handle one command frame; returns what the device sends back (response and any alerts). `decoded` is the
   * caller's `decodeFrameWithLayout(bytes)` when it has one (a hub decodes to route), so it is not done twice;
   * it must be the decoding of exactly these bytes.
   */
  receive(bytes: Uint8Array, decoded?: { frame: GbcsFrame; layout: FrameLayout }): Emitted[] {
    const out: Emitted[] = [];
    const now = this.clock.now();
    if (!decoded) {
      try {
        decoded = decodeFrameWithLayout(bytes);
      } catch (e) {
        if (!(e instanceof GbcsDecodeError)) throw e;
        this.refuse(out, now, `malformed command: ${e.message}`, SECURITY_ALERT.integrity, undefined);
        return out;
      }
    }
    const { frame, layout } = decoded;
    if (frame.kind === 'gbt') {
      this.refuse(out, now, 'GBT blocks are reassembled by the comms hub, not the device', SECURITY_ALERT.integrity, undefined);
      return out;
    }
    const h = frame.header;
    if (h.cra !== 'command') return this.ignore(out, `not a command (CRA ${h.cra})`);
    if (h.target !== this.eui) return this.ignore(out, `addressed to ${h.target}, not ${this.eui}`);
    const rule = ruleFor(h.otherInfo.messageCode);
    if (!rule) return this.refuse(out, now, `no use case for message code ${h.otherInfo.messageCode}`, SECURITY_ALERT.integrity, h.originator);

    const gate = this.gate(bytes, frame, layout, rule);
    if (!gate.ok) return this.refuse(out, now, gate.reason, gate.alertCode, h.originator);

    this.lastCounter.set(h.originator, h.counter);
    const req: Request = {
      bytes,
      frame,
      layout,
      header: h,
      payload: frame.payload,
      messageCode: h.otherInfo.messageCode,
      rule,
      role: gate.role,
      signed: frame.signature.kind === 'ecdsa',
    };
    const alerts: AlertSpec[] = [];
    const respHeader = this.responseHeader(h, now);
    const ctx: HandlerContext = new CommandContext(this, now, respHeader, h, alerts);
    const result = this.model.handle(req, ctx);
    if ('ignore' in result) {
      this.refusals.push({ reason: result.ignore });
    } else {
      if (result.dateTime !== undefined) respHeader.dateTime = result.dateTime;
      out.push(this.sealResponse(req, respHeader, result.payload));
    }
    for (const a of alerts) out.push(this.sealAlert(a, now));
    return out;
  }

  /** Let time pass: run due scheduled tasks and the model's own periodic behaviour. */
  tick(): Emitted[] {
    const now = this.clock.now();
    const alerts: AlertSpec[] = [];
    const ctx: TickContext = {
      device: this,
      now,
      rng: this.rng,
      alert: (spec) => alerts.push(spec),
      schedule: (at, task) => this.schedule(at, task),
    };
    while (this.tasks.length && this.tasks[0]!.at <= now.getTime()) {
      const { task } = this.tasks.shift()!;
      this.model.runTask?.(task, ctx);
    }
    this.model.tick?.(ctx);
    return alerts.map((a) => this.sealAlert(a, now));
  }

  /** Raise an alert from outside a command (a physical event the model turned into an alert spec). */
  emitAlert(spec: AlertSpec): Emitted {
    return this.sealAlert(spec, this.clock.now());
  }

  pendingTasks(): ReadonlyArray<{ at: Date; task: ScheduledTask }> {
    return this.tasks.map((t) => ({ at: new Date(t.at), task: t.task }));
  }

  /** @internal for handler contexts: run `task` when the clock reaches `at`. */
  schedule(at: Date, task: ScheduledTask): void {
    const t = at.getTime();
    let i = this.tasks.length;
    while (i > 0 && this.tasks[i - 1]!.at > t) i--;
    this.tasks.splice(i, 0, { at: t, task });
  }

  // --- security gate -----------------------------------------------------------------------------------

  private gate(
    bytes: Uint8Array,
    frame: Exclude<GbcsFrame, { kind: 'gbt' }>,
    layout: FrameLayout,
    rule: UseCaseRule,
  ): { ok: true; role: number | undefined } | { ok: false; reason: string; alertCode: number } {
    const h = frame.header;
    const hanPeer = rule.han ? this.hanPeers.get(h.originator) : undefined;
    if (rule.han && !hanPeer) return { ok: false, reason: `${h.originator} is not a HAN device paired with ${this.eui}`, alertCode: SECURITY_ALERT.noAuthority };

    // MAC: by the ACB for remote-party commands, by the sending device for HAN-originated ones.
    if (frame.kind === 'ciphered') {
      const peer = hanPeer ?? this.trust.get(ROLE.acb, 'ka')?.publicKey;
      if (!peer) return { ok: false, reason: 'no ACB key-agreement trust anchor to check the MAC', alertCode: SECURITY_ALERT.integrity };
      const z = this.cache.sharedSecret(this.keys.ka, peer);
      // Keyed from the frame's own header bytes (the decoded header's fields), compared with its MAC bytes.
      if (!macVerifies(z, bytes, layout, frame.securityControl, frame.invocationCounter)) return { ok: false, reason: 'MAC does not verify', alertCode: SECURITY_ALERT.integrity };
    } else if (rule.mac === 'required') {
      return { ok: false, reason: 'command must be MAC\'d by the ACB', alertCode: SECURITY_ALERT.integrity };
    }

    const roles = hanPeer ? [] : this.trust.rolesOf(h.originator);
    // Signature: against the DS trust anchor of the originator's role.
    if (frame.signature.kind === 'ecdsa') {
      const anchor = this.trust.find(h.originator, 'ds');
      if (!anchor) return { ok: false, reason: `no DS trust anchor for ${h.originator}`, alertCode: SECURITY_ALERT.authentication };
      if (!ecdsaVerify(anchor.publicKey, signedBytes(bytes, layout), bytes.subarray(layout.payloadEnd + 1, layout.gsEnd))) {
        return { ok: false, reason: `signature does not verify against ${h.originator}'s trust anchor`, alertCode: SECURITY_ALERT.authentication };
      }
    } else if (rule.signature === 'required') {
      return { ok: false, reason: 'critical command is not signed', alertCode: SECURITY_ALERT.authentication };
    }

    // Authority: the originator's role, or the supplementary party's when the ACB relays for it.
    let role: number | undefined = roles[0];
    if (!hanPeer) {
      const oi = h.otherInfo;
      const relayed = roles.includes(ROLE.acb) && 'remotePartyId' in oi ? this.trust.rolesOf(oi.remotePartyId) : [];
      const allowed = [...roles, ...relayed].find((r) => rule.roles.includes(r));
      if (allowed === undefined) {
        return {
          ok: false,
          reason: roles.length ? `role ${roles.join('/')} may not send message code ${h.otherInfo.messageCode}` : `${h.originator} is not a trusted party`,
          alertCode: SECURITY_ALERT.noAuthority,
        };
      }
      role = allowed;
    }

    const last = this.lastCounter.get(h.originator);
    if (last !== undefined && h.counter <= last) {
      return { ok: false, reason: `originator counter ${h.counter} is not greater than ${last}`, alertCode: SECURITY_ALERT.other };
    }
    return { ok: true, role };
  }

  private ignore(out: Emitted[], reason: string): Emitted[] {
    this.refusals.push({ reason });
    return out;
  }

  private refuse(out: Emitted[], now: Date, reason: string, alertCode: number, originator: Eui64 | undefined): Emitted[] {
    this.refusals.push({ reason, alertCode });
    // The alert goes to the party that sent the command when the device trusts it, else to the supplier.
    const to = originator && this.trust.roleOf(originator) !== undefined ? originator : ROLE.supplier;
    if (typeof to === 'number' && !this.trust.partyFor(to)) return out;
    out.push(
      this.sealAlert(
        { messageCode: GCA, alertCode, to, critical: true, payload: (counter, at) => this.model.genericAlert(alertCode, counter, at) },
        now,
      ),
    );
    return out;
  }

  // --- building frames --------------------------------------------------------------------------------

  private responseHeader(cmd: GroupingHeader, now: Date): GroupingHeader {
    let otherInfo: OtherInfo = cmd.otherInfo;
    if (cmd.otherInfo.form === 'supplementary+certificate') {
      // The response is encrypted for the party whose certificate came with the command; the device
      // numbers that encryption with its own counter (the supplementary originator counter).
      const { messageCode, remotePartyId, remotePartyCounter } = cmd.otherInfo;
      otherInfo = CERTIFICATE_WITHOUT_ORIGINATOR_COUNTER.has(messageCode)
        ? { form: 'supplementary', messageCode, remotePartyId, remotePartyCounter }
        : { form: 'supplementary+originator-counter', messageCode, remotePartyId, remotePartyCounter, originatorCounter: this.takeAlertCounter() };
    }
    return {
      cra: 'response',
      counter: cmd.counter,
      originator: this.eui,
      target: cmd.originator,
      dateTime: RESPONSE_WITH_DATETIME.has(cmd.otherInfo.messageCode) ? dlmsDateTimeFromDate(now) : null,
      otherInfo,
    };
  }

  /** @internal for handler contexts: encrypt `plaintext` for the response `resp` to command `cmd`. */
  encryptFor(resp: GroupingHeader, cmd: GroupingHeader, plaintext: Uint8Array): CipheredBlock {
    let peer: KeyObject | undefined;
    if (cmd.otherInfo.form === 'supplementary+certificate') {
      peer = new X509Certificate(Buffer.from(cmd.otherInfo.certificate, 'hex')).publicKey;
    } else {
      const party = 'remotePartyId' in resp.otherInfo ? resp.otherInfo.remotePartyId : resp.target;
      peer = this.trust.find(party, 'ka')?.publicKey;
      if (!peer) throw new DeviceError(`no key-agreement trust anchor for ${party} to encrypt the response`);
    }
    return encryptPart(this.cache.sharedSecret(this.keys.ka, peer), resp, plaintext);
  }

  private macSecretFor(party: Eui64): Uint8Array {
    const peer = this.trust.find(party, 'ka')?.publicKey ?? this.hanPeers.get(party);
    if (!peer) throw new DeviceError(`no key-agreement trust anchor for ${party}`);
    return this.cache.sharedSecret(this.keys.ka, peer);
  }

  private sealResponse(req: Request, header: GroupingHeader, payload: Payload): Emitted {
    const signed = req.signed || SIGNED_RESPONSE.has(req.messageCode);
    const bytes = signed
      ? sealFrame(header, payload, { sign: this.keys.ds })
      : sealFrame(header, payload, { macSecret: this.macSecretFor(header.target) });
    return { kind: 'response', from: this.eui, to: header.target, messageCode: req.messageCode, counter: header.counter, bytes };
  }

  private takeAlertCounter(): bigint {
    const c = this.alertCounter;
    this.alertCounter += 1n;
    return c;
  }

  private sealAlert(spec: AlertSpec, now: Date): Emitted {
    const to = typeof spec.to === 'number' ? this.trust.partyFor(spec.to) : spec.to;
    if (!to) throw new DeviceError(`no trust anchor for role ${spec.to} to send alert ${spec.messageCode} to`);
    const counter = this.takeAlertCounter();
    const header: GroupingHeader = {
      cra: 'alert',
      counter,
      originator: this.eui,
      target: to,
      dateTime: null,
      otherInfo: spec.otherInfo ?? { form: 'code', messageCode: spec.messageCode },
    };
    const payload = spec.payload(counter, now);
    const bytes = spec.critical
      ? sealFrame(header, payload, { sign: this.keys.ds })
      : sealFrame(header, payload, { macSecret: this.macSecretFor(to) });
    return { kind: 'alert', from: this.eui, to, messageCode: spec.messageCode, ...(spec.alertCode !== undefined ? { alertCode: spec.alertCode } : {}), counter, bytes };
  }
}

/** The context a command's handler runs in (a class: one is made per command, closures cost more). */
class CommandContext implements HandlerContext {
  readonly rng: Rng;

  constructor(
    readonly device: Device,
    readonly now: Date,
    private readonly respHeader: GroupingHeader,
    private readonly cmdHeader: GroupingHeader,
    private readonly alerts: AlertSpec[],
  ) {
    this.rng = device.rng;
  }

  encrypt(plaintext: Uint8Array): CipheredBlock {
    return this.device.encryptFor(this.respHeader, this.cmdHeader, plaintext);
  }

  alert(spec: AlertSpec): void {
    this.alerts.push(spec);
  }

  schedule(at: Date, task: ScheduledTask): void {
    this.device.schedule(at, task);
  }
}

/** A device was asked to do something its configuration cannot support (missing anchors, keys). */
export class DeviceError extends Error {
  override readonly name = 'DeviceError';
}
