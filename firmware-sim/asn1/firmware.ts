import type { Hex } from '../../protocols/bytes.js';
import type { Eui64 } from '../../protocols/eui.js';
import {
  type ActivateFirmwareCommand,
  type ActivateFirmwareOutcome,
  formatGeneralizedTime,
  parseGeneralizedTime,
} from '../../protocols/gbcs/asn1/index.js';
import { type HandlerContext, type HandlerResult, type Request, SECURITY_ALERT, type TickContext } from '../device.js';
import type { Exchange } from '../models/composite.js';
import { ROLE } from '../trust.js';
import { type EngineCtx, asn1, refuse, respond } from './respond.js';

/*
 * Firmware as the ASN.1 use cases see it: CS06 activates an image the device already holds, CS08 reads a
 * HAN device's version (CS09 carries a read that completes later), CCS08 reports the comms hub's transfer of
 * an image to a HAN device. The running version is `shared.firmware`, which ECS52/GCS38 read too.
 */

export const ACTIVATE = { success: 0, noImage: 1, hashMismatch: 2, activationFailure: 3 } as const;
const CANCEL = '99991231235959Z';
const ALERT_FUTURE_DATED_FIRMWARE = 0x00ca;
const ALERT_FIRMWARE_VERSION = 0x012b;
const ALERT_FIRMWARE_TRANSFER = 0x0128;
const FUTURE_SUCCESS = 0x8f66;
const FUTURE_FAILURE = 0x8f67;
const TRANSFER_SUCCESS = 0x8f8a;
const TRANSFER_FAILURE = 0x8f89;
const READ_FIRMWARE_VERSION = 0x8f8b;

export const TASK_ACTIVATE = 'asn1/activate-firmware';

function activate(eng: EngineCtx, hash: Hex): ActivateFirmwareOutcome {
  const fw = eng.env.shared.firmware;
  if (!fw.pending) return { responseCode: ACTIVATE.noImage, firmwareVersion: fw.version };
  if (fw.pending.hash.toUpperCase() !== hash.toUpperCase()) return { responseCode: ACTIVATE.hashMismatch, firmwareVersion: fw.version };
  fw.version = fw.pending.version;
  delete fw.pending;
  return { responseCode: ACTIVATE.success, firmwareVersion: fw.version };
}

export function activateFirmware(req: Request, cmd: ActivateFirmwareCommand, ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  const when = cmd.executionDateTime;
  if (when === CANCEL) {
    for (const p of eng.state.pendingActivations.values()) p.cancelled = true;
    return respond(asn1('ActivateFirmwareResponse', { commandAccepted: null }));
  }
  const at = when !== undefined ? parseGeneralizedTime(when) : undefined;
  if (when !== undefined && !at) return refuse(req, ctx, SECURITY_ALERT.integrity, `execution date-time ${when} is not a GeneralizedTime`);
  if (at && at.getTime() > ctx.now.getTime()) {
    const id = eng.state.nextTaskId++;
    eng.state.pendingActivations.set(id, { id, originator: req.header.originator, hash: cmd.manufacturerImageHash, originatorCounter: cmd.originatorCounter, at, cancelled: false });
    ctx.schedule(at, { type: TASK_ACTIVATE, data: id });
    return respond(asn1('ActivateFirmwareResponse', { commandAccepted: null }));
  }
  return respond(asn1('ActivateFirmwareResponse', { executionOutcome: activate(eng, cmd.manufacturerImageHash) }));
}

export function runActivation(id: unknown, ctx: TickContext, eng: EngineCtx): void {
  const p = eng.state.pendingActivations.get(id as number);
  if (!p) return;
  eng.state.pendingActivations.delete(p.id);
  if (p.cancelled) return;
  const outcome = activate(eng, p.hash);
  const alertCode = outcome.responseCode === ACTIVATE.success ? FUTURE_SUCCESS : FUTURE_FAILURE;
  const executionDateTime = formatGeneralizedTime(p.at);
  ctx.alert({
    messageCode: ALERT_FUTURE_DATED_FIRMWARE,
    alertCode,
    to: p.originator,
    critical: true,
    payload: () => asn1('ActivateFirmwareAlert', { alertCode, executionDateTime, originatorCounter: p.originatorCounter, executionOutcome: outcome }),
  });
}

function zeroVersion(version: Hex): Hex {
  return '00'.repeat(Math.max(1, version.length / 2));
}

export function readFirmwareVersion(_req: Request, _ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  if (eng.env.kind !== 'ppmid' && eng.env.kind !== 'hcalcs') return { ignore: `CS08 reads a PPMID or HCALCS firmware version; this is a ${eng.env.kind}` };
  const v = eng.env.shared.firmware.version;
  const value = eng.state.faults.firmwareRead ? { firmwareVersion: zeroVersion(v), responseCode: 1 } : { firmwareVersion: v, responseCode: 0 };
  return respond(asn1('ReadFirmwareVersionResponse', value));
}

/** CS09: a firmware version read that could not be answered at once, reported when it completes. */
export function reportFirmwareVersion(ctx: TickContext, eng: EngineCtx): void {
  const v = eng.env.shared.firmware.version;
  const failed = eng.state.faults.firmwareRead;
  const value = { alertCode: READ_FIRMWARE_VERSION, firmwareVersion: failed ? zeroVersion(v) : v, responseCode: failed ? 1 : 0 };
  ctx.alert({
    messageCode: ALERT_FIRMWARE_VERSION,
    alertCode: READ_FIRMWARE_VERSION,
    to: ROLE.acb,
    critical: true,
    payload: (_c, at) => asn1('FirmwareVersionAlert', { ...value, executionDateTime: formatGeneralizedTime(at) }),
  });
}

/**
 * CCS08: the comms hub finished (or gave up) sending an image to a HAN device. `outcome` is the GBCS code:
 * 0 success, 1 image discarded, 2 hardware version mismatch, 3 transfer failure.
 */
export function firmwareTransferred(ctx: TickContext, eng: EngineCtx, entity: Eui64, version: Hex, outcome: number): void {
  eng.state.hanImages.set(entity, { version, outcome, at: ctx.now });
  const alertCode = outcome === 0 ? TRANSFER_SUCCESS : TRANSFER_FAILURE;
  ctx.alert({
    messageCode: ALERT_FIRMWARE_TRANSFER,
    alertCode,
    to: ROLE.acb,
    critical: true,
    payload: (_c, at) =>
      asn1('FirmwareTransferAlert', { alertCode, executionDateTime: formatGeneralizedTime(at), entityId: entity, firmwareVersion: version, responseCode: outcome }),
  });
}

/** The version the reference read is the version the device runs; a failed read is a fault. */
export function seedFirmware(x: Exchange, eng: EngineCtx): void {
  const e = x.expected.payload;
  if (e.family !== 'asn1' || e.asn1.schema !== 'ReadFirmwareVersionResponse') return;
  if (e.asn1.value.responseCode === 0) eng.env.shared.firmware.version = e.asn1.value.firmwareVersion;
  else eng.state.faults.firmwareRead = true;
}
