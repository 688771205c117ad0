import type { Eui64 } from '../../protocols/eui.js';
import { type AccessRequestSpec, type AccessResponseSpec, type DlmsData, dlmsInvokeId } from '../../protocols/gbcs/dlms/index.js';
import type { Payload } from '../../protocols/gbcs/payload.js';
import type { CipheredBlock } from '../../protocols/gbcs/ciphered.js';
import { type AlertSpec, type Device, GCA, GNCA, type HandlerContext, type HandlerResult, type Request, type ScheduledTask, type TickContext } from '../device.js';
import type { Rng } from '../rng.js';
import type { Exchange, SigningFrame } from '../models/composite.js';
import type { EngineEnv } from '../shared.js';
import { ROLE } from '../trust.js';
import { ACTIVATION_TASK, type ActivationGroup, type ActivationTask, Activations, type AttrRef } from './activation.js';
import { ALERT_CODE, ALERT_MESSAGE, plainAlert } from './alerts.js';
import { type Call, DAR, Directory, type Outcome, type RequestInfo, type Selection, fail, ok } from './cosem.js';
import { activationOf, dateTimeOf, nul, os, sameType } from './data.js';

/*
 * The DLMS side of an ESME or comms hub: serves access-requests against the COSEM object model, keeps the
 * pending future-dated activations, seeds state from reference exchanges, and turns domain events into
 * alerts. What the objects are and what they do lives in the catalogues (esme.ts, chf.ts).
 */

/** The device-specific half (ESME or CHF): its objects and the events it can bring about. */
export interface Personality {
  /** Bring the device's physical state up to `call.now` (energy, periodic captures, billing). */
  sync(call: Call, periodic: boolean): void;
  /** Events a conformance run asks for by the alert it expects; false when there is no such event. */
  event(messageCode: number, body: DlmsData[], decrypted: unknown[], call: Call, alert: SigningFrame): boolean;
}

type AccessKind = 'get' | 'set' | 'action';

function kindOf(spec: AccessRequestSpec): AccessKind {
  if (spec.type === 'get' || spec.type === 'get-with-selection') return 'get';
  if (spec.type === 'set' || spec.type === 'set-with-selection') return 'set';
  return 'action';
}

function memberOf(spec: AccessRequestSpec): number {
  return spec.type === 'action' ? spec.method : spec.attribute;
}

function selectionOf(spec: AccessRequestSpec): Selection | undefined {
  return spec.type === 'get-with-selection' || spec.type === 'set-with-selection' ? { selector: spec.selector, parameters: spec.parameters } : undefined;
}

const faultKey = (kind: AccessKind, classId: number, obis: string, member: number) => `${kind}:${classId}/${obis.toUpperCase()}/${member}`;

export class DlmsRuntime {
  readonly directory = new Directory();
  readonly activations = new Activations();
  /** Injected faults: an access to this object member fails with this result (ERROR reference variants). */
  private readonly faults = new Map<string, number>();
  personality!: Personality;

  constructor(readonly env: EngineEnv) {}

  get eui(): Eui64 {
    return this.env.eui;
  }

  /** The device's own clock: simulation time plus whatever offset a clock command set. */
  deviceTime(simMs: number): Date {
    return new Date(simMs + this.env.shared.clockOffsetMs);
  }

  setDeviceTime(deviceMs: number, simMs: number): void {
    this.env.shared.clockOffsetMs = deviceMs - simMs;
  }

  defineActivation(group: ActivationGroup): void {
    this.activations.define(group);
  }

  injectFault(kind: AccessKind, classId: number, obis: string, member: number, result: number): void {
    this.faults.set(faultKey(kind, classId, obis, member), result);
  }

  faultOf(kind: AccessKind, classId: number, obis: string, member: number): number | undefined {
    // Faults are injected only by conformance seeding: skip building the key on every access otherwise.
    if (this.faults.size === 0) return undefined;
    return this.faults.get(faultKey(kind, classId, obis, member));
  }

  // --- commands -------------------------------------------------------------------------------------

  handle(req: Request, ctx: HandlerContext): HandlerResult {
    if (req.payload.family !== 'dlms') return { ignore: 'not a DLMS payload' };
    const apdu = req.payload.dlms;
    if (apdu.type !== 'access-request') return { ignore: `a ${apdu.type} is not a command` };
    const h = req.header;
    const request: RequestInfo = {
      messageCode: req.messageCode,
      counter: h.counter,
      originator: 'remotePartyId' in h.otherInfo ? h.otherInfo.remotePartyId : h.originator,
      responseTarget: h.originator,
      role: req.role,
      header: h,
    };
    const call = this.call(ctx, request, ctx.encrypt);
    this.personality.sync(call, true);

    const data: DlmsData[] = [];
    const results: AccessResponseSpec[] = [];
    let failed = false;
    apdu.specs.forEach((spec, i) => {
      // After one access fails the device does not act on the rest of the list.
      const out = failed ? fail(DAR.otherReason) : this.access(spec, apdu.data[i] ?? nul(), call);
      if (out.result !== DAR.success) failed = true;
      data.push(out.data ?? nul());
      results.push({ type: kindOf(spec), result: out.result });
    });
    for (const s of this.activations.takeUnclaimed()) this.write(s.ref, s.value, call);
    return {
      payload: {
        family: 'dlms',
        dlms: { type: 'access-response', invokeIdAndPriority: dlmsInvokeId(h.counter), dateTime: null, requestSpecs: null, data, results },
      },
    };
  }

  private access(spec: AccessRequestSpec, value: DlmsData, call: Call): Outcome {
    const kind = kindOf(spec);
    const member = memberOf(spec);
    const fault = this.faultOf(kind, spec.classId, spec.obis, member);
    if (fault !== undefined) return fail(fault);
    const o = this.directory.find(spec.classId, spec.obis);
    if (!o) return fail(this.directory.anyAt(spec.obis) ? DAR.objectClassInconsistent : DAR.objectUndefined);
    try {
      if (kind === 'get') return o.get(member, call, selectionOf(spec));
      if (kind === 'action') return o.action(member, value, call);
      if (selectionOf(spec)) return fail(DAR.scopeOfAccessViolated);
      const ref: AttrRef = { classId: spec.classId, obis: spec.obis, attr: member };
      if (this.activations.isSelfStaged(ref)) {
        const current = o.value(member, call);
        if (current === undefined) return fail(DAR.objectUndefined);
        if (!sameType(current, value)) return fail(DAR.typeUnmatched);
        this.activations.stage(ref, value);
        return ok();
      }
      const r = o.set(member, value, call);
      if (r !== DAR.success) return fail(r);
      this.activations.written(ref);
      const group = this.activations.group(ref);
      return group ? this.activate(group, value, call) : ok();
    } catch (e) {
      // A value the object could not interpret (out of range, inconsistent) is the command's fault, not ours.
      if (e instanceof RangeError || e instanceof TypeError) return fail(DAR.otherReason);
      throw e;
    }
  }

  private write(to: AttrRef, value: DlmsData, call: Call): number {
    const fault = this.faultOf('set', to.classId, to.obis, to.attr);
    if (fault !== undefined) return fault;
    const o = this.directory.find(to.classId, to.obis);
    if (!o) return DAR.objectUndefined;
    return o.store(to.attr, value, call);
  }

  /** An activation date-time was written: make the group's passive values active now, later or never. */
  private activate(group: ActivationGroup, value: DlmsData, call: Call): Outcome {
    const when = dateTimeOf(value);
    if (!when) return fail(DAR.typeUnmatched);
    const a = activationOf(when);
    const trigger = group.trigger;
    if (a.kind === 'never') {
      this.activations.cancel(trigger);
      this.activations.consumeStaged(trigger);
      this.activations.forgetWritten(trigger);
      return ok();
    }
    const values = this.activations.takeWritten(trigger).map((t) => ({ to: t.to, value: this.activations.stagedValue(t.from) ?? this.directory.find(t.from.classId, t.from.obis)?.value(t.from.attr, call) }));
    this.activations.consumeStaged(trigger);
    const present = values.filter((v): v is { to: AttrRef; value: DlmsData } => v.value !== undefined);
    if (a.kind === 'now' || a.at.getTime() <= call.now.getTime()) {
      this.activations.cancel(trigger);
      for (const v of present) {
        const r = this.write(v.to, v.value, call);
        if (r !== DAR.success) return fail(r);
      }
      return ok();
    }
    const req = call.request;
    if (!req) return fail(DAR.otherReason);
    const task: ActivationTask = {
      id: this.activations.arm(trigger),
      trigger,
      at: a.at.getTime(),
      values: present,
      messageCode: req.messageCode,
      counter: req.counter,
      originator: req.originator,
    };
    call.schedule(new Date(a.at.getTime() - this.env.shared.clockOffsetMs), { type: ACTIVATION_TASK, data: task });
    return ok();
  }

  runTask(task: ScheduledTask, ctx: TickContext): boolean {
    if (task.type !== ACTIVATION_TASK) return false;
    const t = task.data as ActivationTask;
    if (!this.activations.claim(t)) return true;
    // The task runs at the time it was due even when the clock was let run past it.
    const due = Math.min(ctx.now.getTime(), t.at - this.env.shared.clockOffsetMs);
    const call = this.call({ ...ctx, now: new Date(due) });
    this.personality.sync(call, false);
    let result: number = DAR.success;
    for (const v of t.values) {
      result = this.write(v.to, v.value, call);
      if (result !== DAR.success) break;
    }
    const code = result === DAR.success ? ALERT_CODE.futureDatedOk : ALERT_CODE.futureDatedFailed;
    const at = call.now;
    const tr = t.trigger;
    const reference = `${t.messageCode.toString(16).padStart(4, '0')}${t.counter.toString(16).padStart(16, '0')}${tr.classId.toString(16).padStart(4, '0')}${tr.obis}${tr.attr.toString(16).padStart(2, '0')}`;
    call.alert({
      messageCode: ALERT_MESSAGE.futureDated,
      alertCode: code,
      to: t.originator,
      critical: true,
      payload: (counter) => plainAlert(counter, code, at, os(reference)),
    });
    return true;
  }

  tick(ctx: TickContext): void {
    this.personality.sync(this.call(ctx), true);
  }

  // --- reference seeding -------------------------------------------------------------------------------

  seed(x: Exchange): void {
    const cmd = x.command.payload;
    const exp = x.expected.payload;
    if (cmd.family !== 'dlms' || exp.family !== 'dlms') return;
    if (cmd.dlms.type !== 'access-request' || exp.dlms.type !== 'access-response') return;
    const { specs, data: params } = cmd.dlms;
    const { results, data } = exp.dlms;
    let failed = false;
    let encrypted = 0;
    specs.forEach((spec, i) => {
      const r = results[i];
      if (!r) return;
      const kind = kindOf(spec);
      const member = memberOf(spec);
      if (r.result !== DAR.success) {
        // The first failure is the fault; the other-reason results after it are the device giving up.
        if (!(failed && r.result === DAR.otherReason)) this.injectFault(kind, spec.classId, spec.obis, member, r.result);
        failed = true;
        return;
      }
      const o = this.directory.find(spec.classId, spec.obis);
      const d = data[i];
      if (!o || !d || d.type === 'null') return;
      if (kind === 'get') o.seed(member, d, selectionOf(spec));
      else if (kind === 'action') {
        const protectedValue = spec.classId === 30 ? (x.decrypted[encrypted++] as DlmsData | undefined) : undefined;
        if (spec.classId === 30 && !protectedValue) return;
        o.seedAction(member, params[i] ?? nul(), protectedValue ?? d);
      }
    });
  }

  // --- events and alerts ---------------------------------------------------------------------------------

  conformanceEvent(alert: SigningFrame, decrypted: unknown[], ctx: TickContext): boolean {
    const p = alert.payload;
    if (p.family !== 'dlms' || p.dlms.type !== 'data-notification' || p.dlms.body.type !== 'structure') return false;
    const call = this.call(ctx);
    this.personality.sync(call, false);
    return this.personality.event(alert.header.otherInfo.messageCode, p.dlms.body.items, decrypted, call, alert);
  }

  genericAlert(alertCode: number, counter: bigint, at: Date): Payload {
    return plainAlert(counter, alertCode, this.deviceTime(at.getTime()));
  }

  /**
   * Raise a GBCS alert that carries only code and time: GCA (signed) for the 0x8Fxx codes GBCS treats as
   * critical, GNCA (MAC'd) otherwise.
   */
  raise(alertCode: number, call: Call, to: number | Eui64 = ROLE.supplier): void {
    const critical = (alertCode & 0xff00) === 0x8f00;
    const at = call.now;
    call.alert({ messageCode: critical ? GCA : GNCA, alertCode, to, critical, payload: (counter) => plainAlert(counter, alertCode, at) });
  }

  call(ctx: HandlerContext | TickContext, request?: RequestInfo, encrypt?: HandlerContext['encrypt']): Call {
    // Classes rather than an object literal with a getter and closures: one of these is made per command.
    return request && encrypt ? new CommandCall(this, ctx, request, encrypt) : request ? new RequestCall(this, ctx, request) : new PlainCall(this, ctx);
  }

  /** Simulation time of a call (its `now` is the device clock). */
  simTime(call: Call): number {
    return call.now.getTime() - this.env.shared.clockOffsetMs;
  }
}

/** A Call outside a command (ticks, scheduled tasks, conformance events). */
class PlainCall implements Call {
  private readonly sim: number;
  readonly rng: Rng;
  readonly device: Device;

  constructor(
    private readonly rt: DlmsRuntime,
    protected readonly context: HandlerContext | TickContext,
  ) {
    this.sim = context.now.getTime();
    this.rng = context.rng;
    this.device = context.device;
  }

  // A getter: a clock command earlier in the same request moves what later accesses see.
  get now(): Date {
    return this.rt.deviceTime(this.sim);
  }

  alert(spec: AlertSpec): void {
    this.context.alert(spec);
  }

  schedule(at: Date, task: ScheduledTask): void {
    this.context.schedule(at, task);
  }
}

/** A Call serving a command (what future-dated outcomes name). */
class RequestCall extends PlainCall {
  constructor(
    rt: DlmsRuntime,
    context: HandlerContext | TickContext,
    readonly request: RequestInfo,
  ) {
    super(rt, context);
  }
}

/** A Call serving a command whose response can carry encrypted parts. */
class CommandCall extends RequestCall {
  constructor(
    rt: DlmsRuntime,
    context: HandlerContext | TickContext,
    request: RequestInfo,
    private readonly encryptFn: (plaintext: Uint8Array) => CipheredBlock,
  ) {
    super(rt, context, request);
  }

  encrypt(plaintext: Uint8Array): CipheredBlock {
    // `encryptFn` is the handler context's `encrypt`, a method or a closure: called on its context either way.
    return this.encryptFn.call(this.context, plaintext);
  }
}
