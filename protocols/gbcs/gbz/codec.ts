import { Reader, Writer } from '../../bytes.js';
import { arr, big, hexBytes, obj, oneOf, uint } from '../../check.js';
import { GbcsDecodeError, GbcsEncodeError } from '../../errors.js';
import { type EncryptedPart, readCipheredBlock, writeCipheredBlock } from '../ciphered.js';
import { decodeZclPayload, decodeZclPayloadBytes, encodeZclPayload } from './schema.js';
import type { GbzAlertTail, GbzComponent, GbzDecodeContext, GbzPayload } from './types.js';
import { utcFromSeconds, utcToSeconds } from './values.js';

/*
 * GBZ framing (gbcs-framing §3.3): profile 0x0109, component count, optional alert header, components.
 * Multi-byte GBZ header fields are big-endian; only the ZCL payload inside a component is little-endian.
 *
 * Control byte rules enforced on decode, all of which hold for every component in RTDS: only bits 0x01
 * (last), 0x02 (encrypted) and 0x10 (from-date-time) may be set, and the last flag is set on the final
 * component and on no other. The encoder derives the control byte, so these hold by construction.
 * Not enforced, because nothing in the corpus speaks against them being legal: encrypted components in
 * commands, from-date-time in responses, zero components outside alerts.
 */

export const GBZ_PROFILE_ID = 0x0109;

const CTRL_LAST = 0x01;
const CTRL_ENCRYPTED = 0x02;
const CTRL_FROM_DATE_TIME = 0x10;
const CTRL_KNOWN = CTRL_LAST | CTRL_ENCRYPTED | CTRL_FROM_DATE_TIME;

const ZCL_MANUFACTURER_SPECIFIC = 0x04;

/** Message codes whose alert body is not made of components (gbcs-framing §3.3 "Alert tails"). */
const MC_FUTURE_DATED = 0x00cd;
const MC_FIRMWARE_RECEIPT = 0x00cf;
const MC_INTEGRITY_WARNING = 0x00f2;

const FUTURE_DATED_LENGTH = 14; // message code 2 + originator counter 8 + cluster 2 + frame control 1 + command 1
const FIRMWARE_HASH_PREFIX = 0x0920; // DLMS-style octet-string(32) header kept by GBCS
const FIRMWARE_HASH_LENGTH = 32;

const CRAS = ['command', 'response', 'alert'] as const;

export function decodeGbz(bytes: Uint8Array, base: number, ctx: GbzDecodeContext): GbzPayload {
  if (typeof ctx !== 'object' || ctx === null || !CRAS.includes(ctx.cra)) {
    throw new GbcsDecodeError(base, 'gbz', 'decode context needs cra "command", "response" or "alert"');
  }
  const r = new Reader(bytes, base);
  const profile = r.u16('gbz.profileId');
  if (profile !== GBZ_PROFILE_ID) {
    r.fail('gbz.profileId', `0x${profile.toString(16).padStart(4, '0')} is not the Smart Energy profile 0x0109`, 0);
  }
  const count = r.u8('gbz.componentCount');
  if (ctx.cra === 'alert') {
    const alertCode = r.u16('gbz.alertCode');
    const timestamp = utcFromSeconds(r.u32('gbz.alertTimestamp'));
    const alert = { alertCode, timestamp };
    const alertTail = readAlertTail(r, ctx.messageCode, alertCode, count);
    if (alertTail) {
      r.expectEnd('gbz.alertTail');
      return { alert, components: [], alertTail };
    }
    const components = readComponents(r, count);
    return { alert, components };
  }
  return { components: readComponents(r, count) };
}

function readComponents(r: Reader, count: number): GbzComponent[] {
  const components: GbzComponent[] = [];
  for (let i = 0; i < count; i++) components.push(readComponent(r, i === count - 1));
  r.expectEnd('gbz');
  return components;
}

function readAlertTail(r: Reader, messageCode: number, alertCode: number, componentCount: number): GbzAlertTail | undefined {
  const left = r.remaining;
  const next = left > 0 ? r.buf[r.pos]! : -1;
  // The message code decides when it is one of the dedicated ones; otherwise the alert code and a layout
  // that cannot be a component (which needs at least 8 bytes) select the same bodies under other codes.
  if (messageCode === MC_FUTURE_DATED || ((alertCode === 0x8f66 || alertCode === 0x8f67) && left === 15 && next === 0x0e)) {
    const at = r.pos;
    const len = r.u8('gbz.futureDated.length');
    if (len !== FUTURE_DATED_LENGTH) r.fail('gbz.futureDated.length', `expected ${FUTURE_DATED_LENGTH}, got ${len}`, at);
    return {
      kind: 'futureDatedOutcome',
      componentCount,
      messageCode: r.u16('gbz.futureDated.messageCode'),
      originatorCounter: r.u64('gbz.futureDated.originatorCounter').toString(),
      clusterId: r.u16('gbz.futureDated.clusterId'),
      frameControl: r.u8('gbz.futureDated.frameControl'),
      commandId: r.u8('gbz.futureDated.commandId'),
    };
  }
  if (
    messageCode === MC_FIRMWARE_RECEIPT ||
    ((alertCode === 0x8f72 || alertCode === 0x8f1c) && left === 2 + FIRMWARE_HASH_LENGTH && next === FIRMWARE_HASH_PREFIX >> 8)
  ) {
    const at = r.pos;
    const prefix = r.u16('gbz.firmwareHash.prefix');
    if (prefix !== FIRMWARE_HASH_PREFIX) r.fail('gbz.firmwareHash.prefix', `expected 0920, got ${prefix.toString(16).padStart(4, '0')}`, at);
    return { kind: 'firmwareImageHash', componentCount, imageHash: r.hex(FIRMWARE_HASH_LENGTH, 'gbz.firmwareHash.imageHash') };
  }
  if (messageCode === MC_INTEGRITY_WARNING || (alertCode === 0x81a0 && left === 2)) {
    return { kind: 'meterIntegrityWarning', componentCount, integrityCode: r.u16('gbz.integrityCode') };
  }
  if ((alertCode === 0x8161 || alertCode === 0x8162) && left === 2) {
    return { kind: 'userInterfaceCommand', componentCount, userInterfaceCommand: r.u16('gbz.userInterfaceCommand') };
  }
  return undefined;
}

function readComponent(r: Reader, isLast: boolean): GbzComponent {
  const at = r.pos;
  const control = r.u8('gbz.component.control');
  if (control & ~CTRL_KNOWN) {
    r.fail('gbz.component.control', `reserved bits set in 0x${control.toString(16).padStart(2, '0')}`, at);
  }
  if (((control & CTRL_LAST) !== 0) !== isLast) {
    r.fail(
      'gbz.component.control',
      isLast ? 'the last component lacks the last-component flag' : 'last-component flag set before the last component',
      at,
    );
  }
  const clusterId = r.u16('gbz.component.clusterId');
  const lenAt = r.pos;
  const length = r.u16('gbz.component.length');
  if (length > r.remaining) r.fail('gbz.component.length', `${length} bytes run past the end (${r.remaining} left)`, lenAt);
  const c = r.sub(length, 'gbz.component.length');
  const comp = { clusterId } as GbzComponent;
  if (control & CTRL_FROM_DATE_TIME) comp.fromDateTime = utcFromSeconds(c.u32('gbz.component.fromDateTime'));
  if (control & CTRL_ENCRYPTED) {
    const additionalHeaderControl = c.u8('gbz.component.additionalHeaderControl');
    const additionalFrameCounter = c.u8('gbz.component.additionalFrameCounter');
    readZclHeader(c, comp);
    const clAt = c.pos;
    const cipheredLength = c.u16('gbz.component.cipheredLength');
    if (cipheredLength !== c.remaining) {
      c.fail('gbz.component.cipheredLength', `says ${cipheredLength} bytes but the component has ${c.remaining} left`, clAt);
    }
    const block = readCipheredBlock(c, cipheredLength, 'gbz.component.cipheredBlock');
    comp.encrypted = { additionalHeaderControl, additionalFrameCounter, block };
  } else {
    readZclHeader(c, comp);
    comp.command = decodeZclPayload(c, clusterId, comp.frameControl, comp.commandId);
  }
  return comp;
}

function readZclHeader(c: Reader, comp: GbzComponent): void {
  const fc = c.u8('gbz.component.zcl.frameControl');
  comp.frameControl = fc;
  if (fc & ZCL_MANUFACTURER_SPECIFIC) comp.manufacturerCode = c.uintLE(2, 'gbz.component.zcl.manufacturerCode');
  comp.sequenceNumber = c.u8('gbz.component.zcl.sequenceNumber');
  comp.commandId = c.u8('gbz.component.zcl.commandId');
}

// ---- encoding ----------------------------------------------------------------------------------------------

const TAIL_KINDS = ['futureDatedOutcome', 'firmwareImageHash', 'meterIntegrityWarning', 'userInterfaceCommand'] as const;

export function encodeGbz(gbz: GbzPayload | unknown, path = 'gbz'): Uint8Array {
  const g = obj(gbz, path);
  const components = g.components === undefined ? [] : arr(g.components, `${path}.components`);
  const w = new Writer(256);
  w.u16(GBZ_PROFILE_ID);
  let tail: Record<string, unknown> | undefined;
  if (g.alertTail !== undefined) {
    tail = obj(g.alertTail, `${path}.alertTail`);
    if (g.alert === undefined) throw new GbcsEncodeError(`${path}.alertTail`, 'only alerts have an alert tail');
    if (components.length) throw new GbcsEncodeError(`${path}.components`, 'must be empty when alertTail is present');
    w.u8(uint(tail.componentCount ?? 1, `${path}.alertTail.componentCount`, 0xff));
  } else {
    if (components.length > 0xff) throw new GbcsEncodeError(`${path}.components`, `${components.length} components (max 255)`);
    w.u8(components.length);
  }
  if (g.alert !== undefined) {
    const a = obj(g.alert, `${path}.alert`);
    w.u16(uint(a.alertCode, `${path}.alert.alertCode`, 0xffff));
    w.u32(utcToSeconds(a.timestamp, `${path}.alert.timestamp`));
  }
  if (tail) {
    writeAlertTail(w, tail, `${path}.alertTail`);
  } else {
    for (let i = 0; i < components.length; i++) {
      writeComponent(w, components[i], i === components.length - 1, `${path}.components[${i}]`);
    }
  }
  return w.toBytes();
}

function writeAlertTail(w: Writer, t: Record<string, unknown>, path: string): void {
  switch (oneOf(t.kind, `${path}.kind`, TAIL_KINDS)) {
    case 'futureDatedOutcome':
      w.u8(FUTURE_DATED_LENGTH);
      w.u16(uint(t.messageCode, `${path}.messageCode`, 0xffff));
      w.u64(big(t.originatorCounter, `${path}.originatorCounter`));
      w.u16(uint(t.clusterId, `${path}.clusterId`, 0xffff));
      w.u8(uint(t.frameControl, `${path}.frameControl`, 0xff));
      w.u8(uint(t.commandId, `${path}.commandId`, 0xff));
      return;
    case 'firmwareImageHash':
      w.u16(FIRMWARE_HASH_PREFIX);
      w.bytes(hexBytes(t.imageHash, `${path}.imageHash`, FIRMWARE_HASH_LENGTH));
      return;
    case 'meterIntegrityWarning':
      w.u16(uint(t.integrityCode, `${path}.integrityCode`, 0xffff));
      return;
    case 'userInterfaceCommand':
      w.u16(uint(t.userInterfaceCommand, `${path}.userInterfaceCommand`, 0xffff));
      return;
  }
}

function writeComponent(w: Writer, value: unknown, last: boolean, path: string): void {
  const c = obj(value, path);
  const clusterId = uint(c.clusterId, `${path}.clusterId`, 0xffff);
  const body = new Writer(64);
  let control = last ? CTRL_LAST : 0;
  if (c.fromDateTime !== undefined) {
    control |= CTRL_FROM_DATE_TIME;
    body.u32(utcToSeconds(c.fromDateTime, `${path}.fromDateTime`));
  }
  const frameControl = uint(c.frameControl, `${path}.frameControl`, 0xff);
  const commandId = uint(c.commandId, `${path}.commandId`, 0xff);
  if (c.encrypted !== undefined) {
    if (c.command !== undefined) throw new GbcsEncodeError(path, 'has both command and encrypted');
    control |= CTRL_ENCRYPTED;
    const e = obj(c.encrypted, `${path}.encrypted`);
    body.u8(uint(e.additionalHeaderControl ?? 0, `${path}.encrypted.additionalHeaderControl`, 0xff));
    body.u8(uint(e.additionalFrameCounter ?? 0, `${path}.encrypted.additionalFrameCounter`, 0xff));
    writeZclHeader(body, c, frameControl, commandId, path);
    const block = new Writer(64);
    writeCipheredBlock(block, e.block, `${path}.encrypted.block`);
    if (block.length > 0xffff) throw new GbcsEncodeError(`${path}.encrypted.block`, 'longer than 65535 bytes');
    body.u16(block.length).bytes(block.toBytes());
  } else {
    if (c.command === undefined) throw new GbcsEncodeError(path, 'needs a command or an encrypted block');
    writeZclHeader(body, c, frameControl, commandId, path);
    encodeZclPayload(body, c.command, clusterId, frameControl, commandId, `${path}.command`);
  }
  if (body.length > 0xffff) throw new GbcsEncodeError(path, `component of ${body.length} bytes exceeds the 2-byte length`);
  w.u8(control).u16(clusterId).u16(body.length).bytes(body.toBytes());
}

function writeZclHeader(w: Writer, c: Record<string, unknown>, frameControl: number, commandId: number, path: string): void {
  w.u8(frameControl);
  if (frameControl & ZCL_MANUFACTURER_SPECIFIC) {
    if (c.manufacturerCode === undefined) throw new GbcsEncodeError(`${path}.manufacturerCode`, 'required by the manufacturer-specific frame control bit');
    w.uintLE(uint(c.manufacturerCode, `${path}.manufacturerCode`, 0xffff), 2);
  } else if (c.manufacturerCode !== undefined) {
    throw new GbcsEncodeError(`${path}.manufacturerCode`, 'present but the frame control is not manufacturer-specific');
  }
  w.u8(uint(c.sequenceNumber, `${path}.sequenceNumber`, 0xff));
  w.u8(commandId);
}

// ---- inspection --------------------------------------------------------------------------------------------

/**
 * The encrypted components of a payload. Only the ZCL payload is encrypted (the header stays clear), so the
 * plaintext decodes with the schema the clear header selects.
 */
export function gbzEncryptedParts(gbz: GbzPayload): EncryptedPart[] {
  const parts: EncryptedPart[] = [];
  gbz.components.forEach((c, i) => {
    if (!c.encrypted) return;
    const { clusterId, frameControl, commandId } = c;
    parts.push({
      path: `components[${i}].encrypted.block`,
      block: c.encrypted.block,
      decodePlaintext: (plain: Uint8Array) => decodeZclPayloadBytes(plain, clusterId, frameControl, commandId),
    });
  });
  return parts;
}

/** ZCL commands of the payload that are not typed (plain ones, and decrypted ones a caller attached). */
export function countUntypedGbz(gbz: GbzPayload): number {
  let n = 0;
  for (const c of gbz.components) {
    if (c.command && !c.command.typed) n++;
    if (c.decrypted && !c.decrypted.typed) n++;
  }
  return n;
}
