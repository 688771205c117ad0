import { fromHex } from '../../protocols/bytes.js';
import { type Eui64, isEui64 } from '../../protocols/eui.js';
import {
  type DeviceLogEntry,
  type GpfDeviceLogRestoreCommand,
  type GpfDeviceLogRestoreOutcome,
  type JoinDeviceCommand,
  type UnjoinDeviceCommand,
  formatGeneralizedTime,
} from '../../protocols/gbcs/asn1/index.js';
import { SmkiError, readCertificate } from '../../protocols/smki/index.js';
import type { DeviceKind, HandlerContext, HandlerResult, Request, TickContext } from '../device.js';
import type { Exchange } from '../models/composite.js';
import type { JoinedDevice } from '../shared.js';
import { ROLE } from '../trust.js';
import { type EngineCtx, asn1, respond } from './respond.js';

/*
 * CS03 join, CS04 unjoin, CS07 read of the device log, and the GPF's device-log backup (GCS62) and restore
 * (GCS59). The log is `shared.joined`, which the other payload families read to decide whom they talk to.
 */

/** CS03 response codes (GBCS). */
export const JOIN = {
  success: 0,
  wrongMessageCode: 1,
  invalidMethodAndRole: 2,
  incompatibleEntry: 3,
  logFull: 4,
  badCertificate: 11,
} as const;
/** CS04 response codes. */
export const UNJOIN = { success: 0, notInLog: 1, other: 2 } as const;

/** joinMethodAndRole each CS03 message code carries. */
const METHOD_BY_CODE: Record<number, number> = { 0x000d: 0, 0x00ab: 1, 0x000e: 2, 0x00af: 3 };

/** GBCS device type numbers. */
const TYPE = { gsme: 0, esme: 1, chf: 2, gpf: 3, hcalcs: 4, ppmid: 5, type2: 6 } as const;

/**
 * Which device types a device of each kind may join, per joinMethodAndRole: meters initiate Method A with
 * the in-home Type 1 devices and answer for them under Method C when they sleep (gas); Method B joins Type 2
 * devices and pairs the gas meter with its proxy function; PPMID and HCALCS respond to the meters.
 */
const PARTNERS: Partial<Record<DeviceKind, Partial<Record<number, readonly number[]>>>> = {
  esme: { 0: [TYPE.hcalcs, TYPE.ppmid], 2: [TYPE.type2] },
  gsme: { 0: [TYPE.hcalcs, TYPE.ppmid], 2: [TYPE.gpf, TYPE.type2], 3: [TYPE.hcalcs, TYPE.ppmid] },
  gpf: { 2: [TYPE.gsme, TYPE.type2] },
  ppmid: { 1: [TYPE.esme, TYPE.gsme], 3: [TYPE.gsme] },
  hcalcs: { 1: [TYPE.esme, TYPE.gsme], 3: [TYPE.gsme] },
};

/** HAN devices a device keeps in its log (GBCS gives each device type a small fixed log). */
const LOG_CAPACITY = 8;

const ALERT_GPF_LOG = 0x00b2;
const GPF_LOG_CHANGED = 0x8071;

function entries(eng: EngineCtx): DeviceLogEntry[] {
  return [...eng.env.shared.joined.values()].map((d) => ({ deviceId: d.eui, deviceType: d.deviceType }));
}

/** The GPF tells the DCC its whole log whenever it changes, so the log can be restored after a swap. */
function logChanged(ctx: HandlerContext | TickContext, eng: EngineCtx): void {
  if (eng.env.kind !== 'gpf') return;
  const deviceLogEntries = entries(eng);
  ctx.alert({
    messageCode: ALERT_GPF_LOG,
    alertCode: GPF_LOG_CHANGED,
    to: ROLE.acb,
    critical: false,
    payload: (_c, at) => asn1('GpfDeviceLogBackupAlert', { alertCode: GPF_LOG_CHANGED, backupDateTime: formatGeneralizedTime(at), deviceLogEntries }),
  });
}

function isKaDeviceCertificate(der: string): boolean {
  try {
    const c = readCertificate(fromHex(der));
    return c.kind === 'device' && c.usage === 'keyAgreement';
  } catch (e) {
    if (e instanceof SmkiError) return false;
    throw e;
  }
}

/** The outcome of joining one entry, and the log change when it succeeds. */
function join(eng: EngineCtx, eui: string, deviceType: number, method: number): number {
  const log = eng.env.shared.joined;
  if (!isEui64(eui)) return JOIN.invalidMethodAndRole;
  const fault = eng.state.faults.join.get(eui);
  if (fault !== undefined) return fault;
  const existing = log.get(eui);
  if (existing) return existing.deviceType === deviceType && existing.method === method ? JOIN.success : JOIN.incompatibleEntry;
  if (log.size >= LOG_CAPACITY) return JOIN.logFull;
  log.set(eui, { eui, deviceType, method });
  return JOIN.success;
}

export function joinDevice(req: Request, cmd: JoinDeviceCommand, ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  const code = (responseCode: number) => respond(asn1('JoinDeviceResponse', { responseCode }));
  const method = cmd.joinMethodAndRole;
  if (METHOD_BY_CODE[req.messageCode] !== method) return code(JOIN.wrongMessageCode);
  const partners = PARTNERS[eng.env.kind]?.[method];
  if (!partners || !partners.includes(cmd.deviceType)) return code(JOIN.invalidMethodAndRole);
  // Method C has no CBKE over the HAN: the partner's key agreement certificate has to come with the command.
  if (method === 3 && (!cmd.certificate || !isKaDeviceCertificate(cmd.certificate.der))) return code(JOIN.badCertificate);
  const before = eng.env.shared.joined.size;
  const result = join(eng, cmd.entityId, cmd.deviceType, method);
  if (eng.env.shared.joined.size !== before) logChanged(ctx, eng);
  return code(result);
}

export function unjoinDevice(req: Request, cmd: UnjoinDeviceCommand, ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  const code = (responseCode: number) => respond(asn1('UnjoinDeviceResponse', { responseCode }));
  const log = eng.env.shared.joined;
  const fault = isEui64(cmd.entityId) ? eng.state.faults.unjoin.get(cmd.entityId) : undefined;
  if (fault !== undefined) return code(fault);
  const entry = isEui64(cmd.entityId) ? log.get(cmd.entityId) : undefined;
  if (!entry) return code(UNJOIN.notInLog);
  // 0x0010 undoes a Method B join, 0x000F the Method A and C ones.
  const methodB = entry.method === 2;
  if ((req.messageCode === 0x0010) !== methodB) return code(UNJOIN.other);
  log.delete(entry.eui);
  logChanged(ctx, eng);
  return code(UNJOIN.success);
}

export function readDeviceJoinDetails(_req: Request, _ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  if (eng.state.faults.deviceLogRead) return respond(asn1('ReadDeviceJoinDetailsResponse', { responseCode: 1 }));
  return respond(asn1('ReadDeviceJoinDetailsResponse', { responseCode: 0, deviceLogEntries: entries(eng) }));
}

/** GCS59: the DCC puts back a GPF's log from its last backup, entry by entry. */
export function restoreGpfDeviceLog(_req: Request, cmd: GpfDeviceLogRestoreCommand, _ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  if (eng.env.kind !== 'gpf') return { ignore: `GCS59 restores a GPF's device log; this is a ${eng.env.kind}` };
  const restoreOutcomes: GpfDeviceLogRestoreOutcome[] = cmd.deviceLogEntries.map((e) => ({
    deviceLogEntry: e,
    joinResponseCode: join(eng, e.deviceId, e.deviceType, methodFor(eng.env.kind, e.deviceType)),
  }));
  return respond(asn1('GpfDeviceLogRestoreResponse', { restoreOutcomes }));
}

/** How a device of `kind` would have joined a partner of `deviceType` (for entries that arrive without it). */
function methodFor(kind: DeviceKind, deviceType: number): number {
  const byMethod = PARTNERS[kind] ?? {};
  for (const m of [0, 1, 2, 3]) if (byMethod[m]?.includes(deviceType)) return m;
  return 2;
}

/** A partner type plausible for `kind` under `method`, for log entries the reference names without a type. */
function partnerFor(kind: DeviceKind, method: number): number {
  return PARTNERS[kind]?.[method]?.[0] ?? TYPE.type2;
}

/**
 * The GPF's log changed (the event a GCS62 alert reports): it becomes what the alert lists, and the alert
 * goes out through the ordinary log-changed path.
 */
export function gpfLogEvent(list: DeviceLogEntry[], ctx: TickContext, eng: EngineCtx): boolean {
  if (eng.env.kind !== 'gpf') return false;
  const log = eng.env.shared.joined;
  log.clear();
  for (const e of list) if (isEui64(e.deviceId)) log.set(e.deviceId, { eui: e.deviceId, deviceType: e.deviceType, method: methodFor(eng.env.kind, e.deviceType) });
  logChanged(ctx, eng);
  return true;
}

/**
 * What the reference's answer says about the log before the command: an entry it unjoined was there, one it
 * reported as not in the log was not, a conflicting entry existed when the join was refused as incompatible.
 */
export function seedJoins(x: Exchange, eng: EngineCtx): void {
  const cmd = x.command.payload;
  const exp = x.expected.payload;
  if (cmd.family !== 'asn1' || exp.family !== 'asn1') return;
  const c = cmd.asn1;
  const e = exp.asn1;
  const log = eng.env.shared.joined;
  const kind = eng.env.kind;
  const put = (d: JoinedDevice) => log.set(d.eui, d);
  if (c.schema === 'JoinDeviceCommand' && e.schema === 'JoinDeviceResponse' && isEui64(c.value.entityId)) {
    const eui: Eui64 = c.value.entityId;
    const code = e.value.responseCode;
    if (code === JOIN.incompatibleEntry && !log.has(eui)) {
      const other = [TYPE.hcalcs, TYPE.ppmid, TYPE.type2].find((t) => t !== c.value.deviceType)!;
      put({ eui, deviceType: other, method: c.value.joinMethodAndRole });
    } else if (code >= 5 && code !== JOIN.badCertificate) {
      eng.state.faults.join.set(eui, code);
    }
  } else if (c.schema === 'UnjoinDeviceCommand' && e.schema === 'UnjoinDeviceResponse' && isEui64(c.value.entityId)) {
    const eui: Eui64 = c.value.entityId;
    const code = e.value.responseCode;
    if (code === UNJOIN.success && !log.has(eui)) {
      const method = x.command.header.otherInfo.messageCode === 0x0010 ? 2 : kind === 'ppmid' || kind === 'hcalcs' ? 1 : 0;
      put({ eui, deviceType: partnerFor(kind, method), method });
    } else if (code === UNJOIN.notInLog) {
      log.delete(eui);
    } else if (code === UNJOIN.other) {
      eng.state.faults.unjoin.set(eui, code);
    }
  } else if (c.schema === 'ReadDeviceJoinDetailsCommand' && e.schema === 'ReadDeviceJoinDetailsResponse') {
    if (e.value.responseCode !== 0) {
      eng.state.faults.deviceLogRead = true;
      return;
    }
    log.clear();
    for (const d of e.value.deviceLogEntries ?? []) {
      if (isEui64(d.deviceId)) put({ eui: d.deviceId, deviceType: d.deviceType, method: methodFor(kind, d.deviceType) });
    }
  } else if (c.schema === 'GpfDeviceLogRestoreCommand' && e.schema === 'GpfDeviceLogRestoreResponse') {
    for (const o of e.value.restoreOutcomes) {
      const eui = o.deviceLogEntry.deviceId;
      if (!isEui64(eui)) continue;
      if (o.joinResponseCode === JOIN.incompatibleEntry && !log.has(eui)) {
        put({ eui, deviceType: o.deviceLogEntry.deviceType === TYPE.gsme ? TYPE.type2 : TYPE.gsme, method: 2 });
      } else if (o.joinResponseCode >= 4) {
        eng.state.faults.join.set(eui, o.joinResponseCode);
      }
    }
  }
}
