import { Writer } from '../../bytes.js';
import { uint } from '../../check.js';
import { GbcsEncodeError } from '../../errors.js';
import type { CipheredBlock } from '../ciphered.js';
import { decodeZclPayloadBytes, encodeZclPayload, findCommandByName } from './schema.js';
import type { GbzComponent, UtcTime, ZclCommand, ZclValue } from './types.js';

/*
 * Helpers for device models that answer GBZ commands. They build components in the same shape the
 * decoder produces (values are pushed through encode and decode once), so a model's output compares
 * equal to a decoded real frame.
 */

/** ZCL frame control bits. */
export const ZCL_FRAME = {
  clusterSpecific: 0x01,
  manufacturerSpecific: 0x04,
  toClient: 0x08,
  disableDefaultResponse: 0x10,
} as const;

/** ZCL status codes (ZCL spec "Status Enumerations"). */
export const ZCL_STATUS = {
  success: 0x00,
  failure: 0x01,
  notAuthorized: 0x7e,
  malformedCommand: 0x80,
  unsupClusterCommand: 0x81,
  unsupGeneralCommand: 0x82,
  unsupManufClusterCommand: 0x83,
  unsupManufGeneralCommand: 0x84,
  invalidField: 0x85,
  unsupportedAttribute: 0x86,
  invalidValue: 0x87,
  readOnly: 0x88,
  insufficientSpace: 0x89,
  duplicateExists: 0x8a,
  notFound: 0x8b,
  unreportableAttribute: 0x8c,
  invalidDataType: 0x8d,
  invalidSelector: 0x8e,
  writeOnly: 0x8f,
  inconsistentStartupState: 0x90,
  definedOutOfBand: 0x91,
  inconsistent: 0x92,
  actionDenied: 0x93,
  timeout: 0x94,
  abort: 0x95,
  invalidImage: 0x96,
  waitForData: 0x97,
  noImageAvailable: 0x98,
  requireMoreImage: 0x99,
  notificationPending: 0x9a,
  hardwareFailure: 0xc0,
  softwareFailure: 0xc1,
  calibrationError: 0xc2,
  unsupportedCluster: 0xc3,
} as const;

export function isToClient(frameControl: number): boolean {
  return (frameControl & ZCL_FRAME.toClient) !== 0;
}

export function isClusterSpecific(frameControl: number): boolean {
  return (frameControl & 0x03) === ZCL_FRAME.clusterSpecific;
}

export interface ZclComponentSpec {
  clusterId: number;
  /** camelCase command name: the cluster's own commands first, then the general ones. */
  command: string;
  fields?: Record<string, unknown>;
  sequenceNumber?: number;
  /** Direction of a general command (cluster-specific ones take it from their schema). Default false. */
  toClient?: boolean;
  disableDefaultResponse?: boolean;
  fromDateTime?: UtcTime;
}

/** The ZCL payload bytes of a plain command: what gets encrypted for an encrypted component. */
export function zclPayloadBytes(clusterId: number, frameControl: number, commandId: number, command: ZclCommand | unknown): Uint8Array {
  const w = new Writer(64);
  encodeZclPayload(w, command, clusterId, frameControl, commandId, 'command');
  return w.toBytes();
}

/** Build a plain component for a named command; throws GbcsEncodeError if the fields do not fit the schema. */
export function zclComponent(spec: ZclComponentSpec): GbzComponent {
  const clusterId = uint(spec.clusterId, 'clusterId', 0xffff);
  const cmd = findCommandByName(clusterId, spec.command);
  if (!cmd) throw new GbcsEncodeError('command', `no command ${JSON.stringify(spec.command)} for cluster 0x${clusterId.toString(16).padStart(4, '0')}`);
  const toClient = cmd.clusterSpecific ? cmd.toClient === true : spec.toClient === true;
  const frameControl =
    (cmd.clusterSpecific ? ZCL_FRAME.clusterSpecific : 0) |
    (toClient ? ZCL_FRAME.toClient : 0) |
    (spec.disableDefaultResponse ? ZCL_FRAME.disableDefaultResponse : 0);
  const command: ZclCommand = { typed: true, name: cmd.name, fields: (spec.fields ?? {}) as Record<string, ZclValue> };
  const bytes = zclPayloadBytes(clusterId, frameControl, cmd.id, command);
  const canonical = decodeZclPayloadBytes(bytes, clusterId, frameControl, cmd.id);
  return {
    clusterId,
    ...(spec.fromDateTime !== undefined ? { fromDateTime: spec.fromDateTime } : {}),
    frameControl,
    sequenceNumber: uint(spec.sequenceNumber ?? 0, 'sequenceNumber', 0xff),
    commandId: cmd.id,
    command: canonical,
  };
}

/**
 * Default Response to `request`: opposite direction, same sequence number. RTDS devices send these
 * without the disable-default-response bit.
 */
export function defaultResponseTo(request: GbzComponent, statusCode: number, opts: { disableDefaultResponse?: boolean } = {}): GbzComponent {
  return replyTo(request, 'defaultResponse', { commandId: request.commandId, statusCode }, opts);
}

/** A general-command reply to `request`: the opposite direction, the same sequence number. */
function replyTo(
  request: GbzComponent,
  command: string,
  fields: Record<string, unknown>,
  opts: { disableDefaultResponse?: boolean },
): GbzComponent {
  return zclComponent({
    clusterId: request.clusterId,
    command,
    toClient: !isToClient(request.frameControl),
    sequenceNumber: request.sequenceNumber,
    disableDefaultResponse: opts.disableDefaultResponse,
    fields,
  });
}

/** A model's answer for one attribute: a value (type from the attribute table unless given) or a status. */
export type ReadAttributeAnswer = { value: ZclValue; type?: number } | { status: number };

/**
 * Read Attributes Response to a decoded Read Attributes `request`, records in request order. `answer`
 * returning undefined means UNSUPPORTED_ATTRIBUTE. RTDS sends plain responses with frame control 0x08
 * and encrypted ones with 0x18 (disable default response): pass `disableDefaultResponse` accordingly.
 */
export function readAttributesResponseTo(
  request: GbzComponent,
  answer: (id: number, name: string | undefined) => ReadAttributeAnswer | undefined,
  opts: { disableDefaultResponse?: boolean } = {},
): GbzComponent {
  const c = request.command;
  if (!c || !c.typed || c.name !== 'readAttributes') {
    throw new GbcsEncodeError('request', 'is not a decoded Read Attributes command');
  }
  const records: Record<string, ZclValue>[] = [];
  for (const a of c.fields.attributes as { id: number; name?: string }[]) {
    const ans = answer(a.id, a.name);
    if (ans === undefined) records.push({ id: a.id, status: ZCL_STATUS.unsupportedAttribute });
    else if ('status' in ans) records.push({ id: a.id, status: ans.status });
    else records.push(ans.type === undefined ? { id: a.id, status: 0, value: ans.value } : { id: a.id, status: 0, type: ans.type, value: ans.value });
  }
  return replyTo(request, 'readAttributesResponse', { records }, opts);
}

/**
 * The encrypted form of a plain component, given the ciphered block of its `zclPayloadBytes`. RTDS
 * numbers the additional frame counter 0, 1, 2... over the encrypted components of a payload.
 */
export function encryptedComponent(
  plain: GbzComponent,
  block: CipheredBlock,
  opts: { additionalHeaderControl?: number; additionalFrameCounter?: number } = {},
): GbzComponent {
  return {
    clusterId: plain.clusterId,
    ...(plain.fromDateTime !== undefined ? { fromDateTime: plain.fromDateTime } : {}),
    frameControl: plain.frameControl,
    ...(plain.manufacturerCode !== undefined ? { manufacturerCode: plain.manufacturerCode } : {}),
    sequenceNumber: plain.sequenceNumber,
    commandId: plain.commandId,
    encrypted: {
      additionalHeaderControl: opts.additionalHeaderControl ?? 0,
      additionalFrameCounter: opts.additionalFrameCounter ?? 0,
      block,
    },
  };
}
