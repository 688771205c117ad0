import type { Eui64 } from '../../protocols/eui.js';
import { makeUtrn } from '../../protocols/crypto/index.js';
import {
  CLUSTER,
  ZCL_STATUS,
  type GbzComponent,
  type GbzPayload,
  type ZclCommand,
  encryptedComponent,
  findCommandByName,
  isClusterSpecific,
  isToClient,
  zclComponent,
  zclPayloadBytes,
} from '../../protocols/gbcs/gbz/index.js';
import type { Payload } from '../../protocols/gbcs/payload.js';
import { dlmsDateTimeFromDate, type DlmsDateTime } from '../../protocols/gbcs/time.js';
import type { HandlerContext, HandlerResult, Request, ScheduledTask, TickContext } from '../device.js';
import type { Exchange, FamilyEngine, SigningFrame } from '../models/composite.js';
import type { EngineEnv } from '../shared.js';
import { ROLE } from '../trust.js';
import { firmwareReceiptAlert, integrityWarningAlert } from './alerts.js';
import type { Call, CommandInfo, Handler, Outcome, Reply } from './call.js';
import { GbzCore, MESSAGE, TASK_TYPE } from './core.js';
import { GENERAL_HANDLERS } from './handlers/general.js';
import { DEVICE_MANAGEMENT_HANDLERS, EVENTS_HANDLERS, MESSAGING_HANDLERS } from './handlers/device.js';
import { METERING_HANDLERS } from './handlers/metering.js';
import { ORIGIN, PREPAYMENT_HANDLERS, applyTopUp } from './handlers/prepayment.js';
import { CALENDAR_HANDLERS, PRICE_HANDLERS } from './handlers/price.js';
import { FUTURE_DATED_WITH_OUTCOME, READING_TIMESTAMP, SENSITIVE_RESPONSE, activationOf, replyDisablesDefaultResponse, utcToDate } from './rules.js';
import { faultKeys, seedExchange } from './seed.js';

/*
 * The GBZ engine of the gas-side devices (GSME, GPF, PPMID, IHD): GBCS use cases carried as ZigBee ZCL
 * commands. Each component of a command is handled by its cluster's handler against the device state; the
 * response has one or more components per command component, in order. A component that fails ends the
 * command: the rest are answered with a Default Response (command 0xFF, FAILURE), as RTDS devices do.
 */

const CLUSTER_HANDLERS: ReadonlyMap<number, ReadonlyMap<string, Handler>> = new Map([
  [CLUSTER.price, PRICE_HANDLERS],
  [CLUSTER.calendar, CALENDAR_HANDLERS],
  [CLUSTER.metering, METERING_HANDLERS],
  [CLUSTER.prepayment, PREPAYMENT_HANDLERS],
  [CLUSTER.deviceManagement, DEVICE_MANAGEMENT_HANDLERS],
  [CLUSTER.events, EVENTS_HANDLERS],
  [CLUSTER.messaging, MESSAGING_HANDLERS],
]);

/** Statuses after which the remaining components still run: success, and "nothing of that kind here". */
function endsCommand(st: number): boolean {
  return st !== ZCL_STATUS.success && st !== ZCL_STATUS.notFound;
}

/** "Immediate HAN interface command received and (not) successfully actioned" (PPMID commands). */
const HAN_COMMAND_OK = 0x8154;
const HAN_COMMAND_FAILED = 0x8155;

export type GbzEngine = FamilyEngine & {
  genericAlert(alertCode: number, counter: bigint, at: Date): Payload;
  /** The device state, for tests, dashboards and the other families of the same device. */
  readonly core: GbzCore;
  /** Make this (GPF) engine answer from the GSME engine's state: the GPF mirrors its GSME. */
  mirror(gsme: GbzEngine): void;
};

export function createGbzEngine(env: EngineEnv): GbzEngine {
  const core = new GbzCore(env);

  function replyTo(req: Request): Eui64 {
    const oi = req.header.otherInfo;
    return 'remotePartyId' in oi ? oi.remotePartyId : req.header.originator;
  }

  function runComponent(comp: GbzComponent, ctx: HandlerContext, info: CommandInfo, siblings: readonly GbzComponent[], scope: Map<string, unknown>): Outcome {
    if (comp.encrypted || !comp.command) return { status: ZCL_STATUS.failure };
    const cmd = comp.command;
    if (!cmd.typed) {
      if (cmd.name) return { status: ZCL_STATUS.malformedCommand };
      return { status: isClusterSpecific(comp.frameControl) ? ZCL_STATUS.unsupClusterCommand : ZCL_STATUS.unsupGeneralCommand };
    }
    const handler = isClusterSpecific(comp.frameControl) ? CLUSTER_HANDLERS.get(comp.clusterId)?.get(cmd.name) : GENERAL_HANDLERS.get(cmd.name);
    if (!handler) return { status: isClusterSpecific(comp.frameControl) ? ZCL_STATUS.unsupClusterCommand : ZCL_STATUS.unsupGeneralCommand };
    let fault: number | undefined;
    for (const k of faultKeys(comp)) fault ??= core.s.faults.get(k);
    if (fault !== undefined && !handler.reportsOwnFault) return { status: fault };
    const call: Call = {
      core,
      s: core.s,
      ctx,
      now: ctx.now,
      comp,
      name: cmd.name,
      f: cmd.fields,
      cmd: info,
      siblings,
      scope,
      ...(fault !== undefined ? { fault } : {}),
      effect: (kind, when, apply) => {
        const a = activationOf(comp.fromDateTime ?? when, ctx.now);
        if (a.kind === 'cancel') {
          core.cancel(kind);
          return ZCL_STATUS.success;
        }
        if (a.kind === 'now') return apply();
        core.defer(ctx, {
          kind,
          at: a.at.getTime(),
          apply,
          ...(FUTURE_DATED_WITH_OUTCOME.has(info.messageCode)
            ? {
                outcome: {
                  messageCode: info.messageCode,
                  originatorCounter: info.counter,
                  clusterId: comp.clusterId,
                  frameControl: info.firstFrameControl,
                  commandId: comp.commandId,
                  to: info.replyTo,
                },
              }
            : {}),
        });
        return ZCL_STATUS.success;
      },
    };
    return handler(call);
  }

  /** A reply component for `request` (same cluster and sequence number), encrypted when the use case says so. */
  function buildReply(request: GbzComponent, r: Reply, info: CommandInfo, ctx: HandlerContext, enc: { n: number }): GbzComponent {
    const spec = findCommandByName(request.clusterId, r.command);
    const sensitive = SENSITIVE_RESPONSE.has(info.messageCode);
    const plain = zclComponent({
      clusterId: request.clusterId,
      command: r.command,
      fields: r.fields,
      sequenceNumber: request.sequenceNumber,
      ...(spec && !spec.clusterSpecific ? { toClient: !isToClient(request.frameControl) } : {}),
      disableDefaultResponse: replyDisablesDefaultResponse(info.messageCode, r.command, sensitive),
    });
    if (!sensitive) return plain;
    const block = ctx.encrypt(zclPayloadBytes(plain.clusterId, plain.frameControl, plain.commandId, plain.command));
    return encryptedComponent(plain, block, { additionalFrameCounter: enc.n++ });
  }

  /**
   * Default Response to `request`: the opposite direction, except that the meter answers a request for
   * data as the server of that data even when the request travelled server to client (RTDS GCS20r).
   */
  function defaultReply(request: GbzComponent, commandId: number, statusCode: number): GbzComponent {
    const name = request.command?.typed ? request.command.name : '';
    return zclComponent({
      clusterId: request.clusterId,
      command: 'defaultResponse',
      toClient: name.startsWith('get') || !isToClient(request.frameControl),
      sequenceNumber: request.sequenceNumber,
      fields: { commandId, statusCode },
    });
  }

  function notRun(request: GbzComponent): GbzComponent {
    return defaultReply(request, 0xff, ZCL_STATUS.failure);
  }

  /** Header date-time of a reading: the meter's clock (with its drift) and how far it can be trusted. */
  function readingTime(now: Date): DlmsDateTime {
    const dt = dlmsDateTimeFromDate(new Date(now.getTime() + env.shared.clockOffsetMs));
    dt.clockStatus = core.s.readingClockStatus;
    return dt;
  }

  function handle(req: Request, ctx: HandlerContext): HandlerResult {
    if (req.payload.family !== 'gbz') return { ignore: 'not a GBZ payload' };
    const gbz = req.payload.gbz;
    if (gbz.alert) return { ignore: 'an alert is not a command' };
    if (!gbz.components.length) return { ignore: 'a GBZ command without components' };
    core.advance(ctx);
    const info: CommandInfo = {
      messageCode: req.messageCode,
      counter: req.header.counter,
      replyTo: replyTo(req),
      firstFrameControl: gbz.components[0]!.frameControl,
      han: req.rule.han === true,
      request: req,
    };
    const out: GbzComponent[] = [];
    const scope = new Map<string, unknown>();
    const enc = { n: 0 };
    let ended = false;
    for (const comp of gbz.components) {
      if (ended) {
        out.push(notRun(comp));
        continue;
      }
      let outcome: Outcome;
      try {
        outcome = runComponent(comp, ctx, info, gbz.components, scope);
      } catch {
        // Whatever went wrong inside the device is its failure to carry out this component, said in ZCL.
        outcome = { status: ZCL_STATUS.softwareFailure };
      }
      if ('status' in outcome) {
        out.push(defaultReply(comp, comp.commandId, outcome.status));
        ended = endsCommand(outcome.status);
        continue;
      }
      try {
        for (const r of outcome.replies) out.push(buildReply(comp, r, info, ctx, enc));
        ended = outcome.failed === true;
      } catch {
        // A reply that does not fit its layout, or cannot be encrypted for the requester: the device's failure.
        out.push(defaultReply(comp, comp.commandId, ZCL_STATUS.softwareFailure));
        ended = true;
      }
    }
    if (info.han) core.raiseEvent(ctx, ended ? HAN_COMMAND_FAILED : HAN_COMMAND_OK, ctx.now);
    const payload: Payload = { family: 'gbz', gbz: { components: out } };
    return READING_TIMESTAMP.has(req.messageCode) ? { payload, dateTime: readingTime(ctx.now) } : { payload };
  }

  function runTask(task: ScheduledTask, ctx: TickContext): boolean {
    if (task.type !== TASK_TYPE) return false;
    core.runPending((task.data as { id: number }).id, ctx);
    return true;
  }

  /** Bring about what an RTDS alert reports, so the alert comes out of the device's own path. */
  function conformanceEvent(alert: SigningFrame, decrypted: unknown[], ctx: TickContext): boolean {
    if (alert.payload.family !== 'gbz') return false;
    const gbz: GbzPayload = alert.payload.gbz;
    const code = gbz.alert?.alertCode;
    if (code === undefined) return false;
    const mc = alert.header.otherInfo.messageCode;
    const tail = gbz.alertTail;
    if (mc === MESSAGE.billingDataLog) return billingEvent(decrypted[0] as ZclCommand | undefined, ctx);
    if (tail?.kind === 'firmwareImageHash') {
      firmwareReceived(tail.imageHash, code === 0x8f72, ctx);
      return true;
    }
    if (tail?.kind === 'meterIntegrityWarning') {
      integrityFault(tail.integrityCode, ctx);
      return true;
    }
    if (code === 0x810e) return localTopUp(ctx);
    // Anything else: the event itself happens (security refusals, tamper ...) and goes out as configured.
    let raised = false;
    core.raiseEvent({ device: ctx.device, alert: (spec) => ((raised = true), ctx.alert(spec)) }, code, ctx.now);
    return raised;
  }

  /** A billing period ends with the registers where the reference snapshot has them. */
  function billingEvent(snap: ZclCommand | undefined, ctx: TickContext): boolean {
    if (!snap || !snap.typed || snap.name !== 'publishSnapshot') return false;
    const f = snap.fields;
    const p = f.snapshotPayload as Record<string, unknown>;
    const a = core.s.attrs;
    const M = CLUSTER.metering;
    if (typeof p.currentSummationDelivered === 'number') a.set(M, 'currentSummationDelivered', p.currentSummationDelivered);
    ((p.tierSummations as number[]) ?? []).forEach((v, i) => i < 4 && a.set(M, `currentTier${i + 1}SummationDelivered`, v));
    ((p.tierBlockSummations as number[]) ?? []).forEach((v, i) => i < 4 && a.set(M, `currentNoTierBlock${i + 1}SummationDelivered`, v));
    core.s.metering.nextSnapshotId = typeof f.snapshotId === 'number' ? f.snapshotId : core.s.metering.nextSnapshotId;
    const at = utcToDate(f.snapshotTime as string) ?? ctx.now;
    core.billingSnapshot(ctx, typeof f.snapshotCause === 'number' ? f.snapshotCause : 0x02, at);
    return true;
  }

  /** The consumer keys in a UTRN the supplier issued for this meter (the device derives the same key). */
  function localTopUp(ctx: TickContext): boolean {
    const anchor = ctx.device.trust.get(ROLE.supplier, 'ka-topup');
    if (!anchor) return false;
    let next = 1;
    for (const k of core.s.prepayment.usedUtrnCounters) next = Math.max(next, Number(k) + 1);
    const utrn = makeUtrn({
      key: ctx.device.keyAgreementSecret(anchor.publicKey),
      supplier: anchor.eui,
      device: env.eui,
      counter: BigInt(next & 0x3ff) << 32n,
      value: 500,
      valueClass: 'pennies',
    });
    return applyTopUp(core, ctx, utrn, ORIGIN.meter, ctx.now).resultType === 0;
  }

  /** A firmware image arrived over the HAN and was checked against its hash (FDRA, 0x00CF). */
  function firmwareReceived(imageHash: string, verified: boolean, ctx: TickContext): void {
    if (verified) env.shared.firmware.pending = { hash: imageHash, version: env.shared.firmware.pending?.version ?? env.shared.firmware.version };
    core.log(4, verified ? 0x8f72 : 0x8f1c, ctx.now);
    const alertCode = verified ? 0x8f72 : 0x8f1c;
    ctx.alert({
      messageCode: MESSAGE.firmwareReceipt,
      alertCode,
      to: ROLE.supplier,
      critical: true,
      payload: (_counter, now) => firmwareReceiptAlert(alertCode, now, imageHash),
    });
  }

  /** The meter's self-check found a fault (81A0, 0x00F2: not signed, the meter may be compromised). */
  function integrityFault(integrityCode: number, ctx: TickContext): void {
    core.log(2, 0x81a0, ctx.now);
    ctx.alert({
      messageCode: MESSAGE.integrityWarning,
      alertCode: 0x81a0,
      to: ROLE.supplier,
      critical: false,
      payload: (_counter, now) => integrityWarningAlert(now, integrityCode),
    });
  }

  return {
    core,
    mirror: (gsme: GbzEngine) => core.mirror(gsme.core),
    handle,
    seed: (ex: Exchange) => seedExchange(core, ex, env.clock.now()),
    runTask,
    tick: (ctx: TickContext) => core.advance(ctx),
    conformanceEvent,
    genericAlert: (alertCode, counter, at) => core.genericAlert(alertCode, counter, at),
  };
}
