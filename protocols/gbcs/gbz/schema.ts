import { Reader, type Writer, toHex } from '../../bytes.js';
import { arr, hexBytes, obj, uint } from '../../check.js';
import { GbcsDecodeError, GbcsEncodeError } from '../../errors.js';
import { findAttribute } from './zcl-attributes.js';
import { CLUSTER_COMMANDS, GENERAL_COMMANDS } from './zcl-commands.js';
import { isAnalogType, readZclData, writeZclData } from './zcl-data.js';
import type { ZclCommand, ZclValue } from './types.js';
import {
  readBool,
  readDate,
  readInt,
  readOctets,
  readText,
  readUint,
  readUtc,
  writeBool,
  writeDate,
  writeInt,
  writeOctets,
  writeText,
  writeUint,
  writeUtc,
} from './values.js';

/*
 * The command schema language and its compiler. A schema is data (see zcl-commands.ts); compiling turns
 * it once into closures so decoding a frame does no table interpretation and no string building.
 */

/** Fixed-layout primitives (all little-endian). Enum/bitmap/status names only document intent. */
export type Primitive =
  | 'u8'
  | 'u16'
  | 'u24'
  | 'u32'
  | 'u48'
  | 'i8'
  | 'i16'
  | 'i24'
  | 'i32'
  | 'enum8'
  | 'enum16'
  | 'map8'
  | 'map16'
  | 'map24'
  | 'map32'
  | 'status'
  /** ZCL Boolean: true/false, other byte values kept as numbers. */
  | 'bool'
  | 'utc'
  | 'date'
  /** Octet string (1-byte length) as hex; null for the 0xFF invalid string. */
  | 'octets'
  /** Octet or character string holding text (1-byte length): string, or {hex} when not UTF-8. */
  | 'text'
  /** The remaining bytes as hex (payloads of unknown variants). */
  | 'rest'
  // General-command records, which depend on the cluster's attribute table.
  | 'attributeRef'
  | 'readAttributeStatus'
  | 'attributeValue'
  | 'attributeInfo'
  | 'writeAttributeStatuses'
  | 'reportingConfiguration'
  | 'reportingConfigurationStatuses'
  | 'reportingConfigurationRef'
  | 'reportingConfigurationRecord'
  // Publish Block Thresholds entry: a byte holding tier (high nibble) and threshold count (low nibble).
  | 'tierBlockThresholds';

export type TypeSpec = Primitive | ListSpec | StructSpec | SwitchSpec;

/** A repeated item, preceded by a count of the given width, or running to the end of the payload. */
export interface ListSpec {
  list: TypeSpec;
  count?: 'u8' | 'u16';
}

export interface StructSpec {
  struct: readonly FieldSpec[];
}

/** The layout chosen by the value of an earlier field of the same record. */
export interface SwitchSpec {
  on: string;
  cases: Readonly<Record<number, TypeSpec>>;
  otherwise: TypeSpec;
}

/** [name, type] or [name, type, 'optional']: optional fields may be missing from the end of a payload. */
export type FieldSpec = readonly [string, TypeSpec] | readonly [string, TypeSpec, 'optional'];

export interface CommandSpec {
  id: number;
  name: string;
  fields: readonly FieldSpec[];
  /**
   * General commands that name attributes: whether they address the receiver's attributes ('request')
   * or report the sender's ('response'). Decides server vs client attribute names.
   */
  attributes?: 'request' | 'response';
}

export interface ClusterSpec {
  cluster: number;
  /** Client-to-server commands (frame control direction bit clear). */
  toServer: readonly CommandSpec[];
  /** Server-to-client commands (direction bit set). */
  toClient: readonly CommandSpec[];
}

// ---- compilation -------------------------------------------------------------------------------------------

interface Ctx {
  clusterId: number;
  /** Attribute names come from the server tables; client-side attributes are not tabulated. */
  serverAttributes: boolean;
}

type Rec = Record<string, ZclValue>;
type Dec = (r: Reader, cx: Ctx, parent: Rec) => ZclValue;
type Enc = (w: Writer, v: unknown, path: string, cx: Ctx, parent: Record<string, unknown>) => void;

interface Codec {
  dec: Dec;
  enc: Enc;
}

const UINT_SIZES: Partial<Record<Primitive, number>> = {
  u8: 1,
  enum8: 1,
  map8: 1,
  status: 1,
  u16: 2,
  enum16: 2,
  map16: 2,
  u24: 3,
  map24: 3,
  u32: 4,
  map32: 4,
  u48: 6,
};
const INT_SIZES: Partial<Record<Primitive, number>> = { i8: 1, i16: 2, i24: 3, i32: 4 };

function attrName(cx: Ctx, id: number): string | undefined {
  return cx.serverAttributes ? findAttribute(cx.clusterId, id)?.name : undefined;
}

/** {id, name?}: names are added for readability and ignored when encoding unless `id` is missing. */
function readAttrRef(r: Reader, cx: Ctx, field: string): Rec {
  const id = r.uintLE(2, field);
  const name = attrName(cx, id);
  return name === undefined ? { id } : { id, name };
}

function attrIdOf(v: unknown, path: string, cx: Ctx): number {
  if (typeof v === 'number') return uint(v, path, 0xffff);
  if (typeof v === 'string') {
    const a = findAttribute(cx.clusterId, v);
    if (!a) throw new GbcsEncodeError(path, `no attribute named ${JSON.stringify(v)} in cluster 0x${cx.clusterId.toString(16).padStart(4, '0')}`);
    return a.id;
  }
  const o = obj(v, path);
  if (o.id !== undefined) return uint(o.id, `${path}.id`, 0xffff);
  if (o.name !== undefined) return attrIdOf(o.name, `${path}.name`, cx);
  throw new GbcsEncodeError(path, 'needs an attribute id or name');
}

/** Data type of a record being encoded: given explicitly, or taken from the attribute table. */
function attrTypeOf(o: Record<string, unknown>, id: number, path: string, cx: Ctx): number {
  if (o.type !== undefined) return uint(o.type, `${path}.type`, 0xff);
  const a = findAttribute(cx.clusterId, id);
  if (!a) throw new GbcsEncodeError(`${path}.type`, `type missing and attribute 0x${id.toString(16).padStart(4, '0')} is not tabulated`);
  return a.type;
}

function withName(rec: Rec, cx: Ctx, id: number): Rec {
  const name = attrName(cx, id);
  if (name !== undefined) rec.name = name;
  return rec;
}

/** The data type byte and the value it types, as attribute records carry them. */
function readTypedValue(r: Reader, rec: Rec, field: string): Rec {
  const type = r.u8(field);
  rec.type = type;
  rec.value = readZclData(r, type, field);
  return rec;
}

function writeTypedValue(w: Writer, o: Record<string, unknown>, id: number, path: string, cx: Ctx): void {
  const type = attrTypeOf(o, id, path, cx);
  w.u8(type);
  writeZclData(w, type, o.value, `${path}.value`);
}

/**
 * Write Attributes and Configure Reporting responses: all-success is a single status byte, otherwise one
 * record per failed attribute, {status, attribute id} or, for reporting, {status, direction, attribute id}.
 */
function statusRecords(field: string, withDirection: boolean): Codec {
  return {
    dec: (r, cx) => {
      if (r.remaining === 1) return [{ status: r.u8(field) }];
      const out: ZclValue[] = [];
      do {
        const status = r.u8(field);
        const direction = withDirection ? r.u8(field) : undefined;
        const id = r.uintLE(2, field);
        out.push(withName(direction === undefined ? { status, id } : { status, direction, id }, cx, id));
      } while (r.remaining > 0);
      return out;
    },
    enc: (w, v, path, cx) => {
      const a = arr(v, path);
      if (a.length === 0) throw new GbcsEncodeError(path, 'needs at least one status');
      for (let i = 0; i < a.length; i++) {
        const p = `${path}[${i}]`;
        const o = obj(a[i], p);
        w.u8(uint(o.status, `${p}.status`, 0xff));
        if ((!withDirection || o.direction === undefined) && o.id === undefined && o.name === undefined) {
          if (a.length !== 1) throw new GbcsEncodeError(p, 'only a lone status may omit the attribute');
        } else {
          if (withDirection) w.u8(uint(o.direction, `${p}.direction`, 0xff));
          w.uintLE(attrIdOf(o, p, cx), 2);
        }
      }
    },
  };
}

function primitive(p: Primitive, field: string): Codec {
  const us = UINT_SIZES[p];
  if (us !== undefined) {
    return {
      dec: (r) => readUint(r, us, field),
      enc: (w, v, path) => writeUint(w, v, us, path),
    };
  }
  const is = INT_SIZES[p];
  if (is !== undefined) {
    return {
      dec: (r) => readInt(r, is, field),
      enc: (w, v, path) => writeInt(w, v, is, path),
    };
  }
  switch (p) {
    case 'bool':
      return { dec: (r) => readBool(r, field), enc: (w, v, path) => writeBool(w, v, path) };
    case 'utc':
      return { dec: (r) => readUtc(r, field), enc: (w, v, path) => writeUtc(w, v, path) };
    case 'date':
      return { dec: (r) => readDate(r, field), enc: (w, v, path) => writeDate(w, v, path) };
    case 'octets':
      return { dec: (r) => readOctets(r, field), enc: (w, v, path) => writeOctets(w, v, path) };
    case 'text':
      return { dec: (r) => readText(r, field), enc: (w, v, path) => writeText(w, v, path) };
    case 'rest':
      return { dec: (r) => toHex(r.rest()), enc: (w, v, path) => void w.bytes(hexBytes(v, path)) };
    case 'attributeRef':
      return {
        dec: (r, cx) => readAttrRef(r, cx, field),
        enc: (w, v, path, cx) => void w.uintLE(attrIdOf(v, path, cx), 2),
      };
    case 'readAttributeStatus':
      return {
        dec: (r, cx) => {
          const id = r.uintLE(2, field);
          const rec = withName({ id }, cx, id);
          rec.status = r.u8(field);
          return rec.status === 0 ? readTypedValue(r, rec, field) : rec;
        },
        enc: (w, v, path, cx) => {
          const o = obj(v, path);
          const id = attrIdOf(o, path, cx);
          const status = uint(o.status ?? 0, `${path}.status`, 0xff);
          w.uintLE(id, 2).u8(status);
          if (status === 0) writeTypedValue(w, o, id, path, cx);
        },
      };
    case 'attributeValue':
      return {
        dec: (r, cx) => {
          const id = r.uintLE(2, field);
          return readTypedValue(r, withName({ id }, cx, id), field);
        },
        enc: (w, v, path, cx) => {
          const o = obj(v, path);
          const id = attrIdOf(o, path, cx);
          w.uintLE(id, 2);
          writeTypedValue(w, o, id, path, cx);
        },
      };
    case 'attributeInfo':
      return {
        dec: (r, cx) => {
          const id = r.uintLE(2, field);
          const rec = withName({ id }, cx, id);
          rec.type = r.u8(field);
          return rec;
        },
        enc: (w, v, path, cx) => {
          const o = obj(v, path);
          const id = attrIdOf(o, path, cx);
          w.uintLE(id, 2).u8(attrTypeOf(o, id, path, cx));
        },
      };
    case 'writeAttributeStatuses':
      return statusRecords(field, false);
    case 'reportingConfiguration':
      return {
        dec: (r, cx) => {
          const direction = r.u8(field);
          const id = r.uintLE(2, field);
          const rec = withName({ direction, id }, cx, id);
          readReportingBody(r, rec, direction, field);
          return rec;
        },
        enc: (w, v, path, cx) => {
          const o = obj(v, path);
          const direction = uint(o.direction, `${path}.direction`, 0xff);
          const id = attrIdOf(o, path, cx);
          w.u8(direction).uintLE(id, 2);
          writeReportingBody(w, o, direction, id, path, cx);
        },
      };
    case 'reportingConfigurationStatuses':
      return statusRecords(field, true);
    case 'reportingConfigurationRef':
      return {
        dec: (r, cx) => {
          const direction = r.u8(field);
          const id = r.uintLE(2, field);
          return withName({ direction, id }, cx, id);
        },
        enc: (w, v, path, cx) => {
          const o = obj(v, path);
          w.u8(uint(o.direction, `${path}.direction`, 0xff)).uintLE(attrIdOf(o, path, cx), 2);
        },
      };
    case 'reportingConfigurationRecord':
      return {
        dec: (r, cx) => {
          const status = r.u8(field);
          const direction = r.u8(field);
          const id = r.uintLE(2, field);
          const rec = withName({ status, direction, id }, cx, id);
          if (status === 0) readReportingBody(r, rec, direction, field);
          return rec;
        },
        enc: (w, v, path, cx) => {
          const o = obj(v, path);
          const status = uint(o.status, `${path}.status`, 0xff);
          const direction = uint(o.direction, `${path}.direction`, 0xff);
          const id = attrIdOf(o, path, cx);
          w.u8(status).u8(direction).uintLE(id, 2);
          if (status === 0) writeReportingBody(w, o, direction, id, path, cx);
        },
      };
    case 'tierBlockThresholds':
      return {
        dec: (r) => {
          const b = r.u8(field);
          const thresholds: ZclValue[] = [];
          for (let i = 0; i < (b & 0x0f); i++) thresholds.push(readUint(r, 6, field));
          return { tier: b >> 4, blockThresholds: thresholds };
        },
        enc: (w, v, path) => {
          const o = obj(v, path);
          const tier = uint(o.tier, `${path}.tier`, 15);
          const t = arr(o.blockThresholds, `${path}.blockThresholds`);
          if (t.length > 15) throw new GbcsEncodeError(`${path}.blockThresholds`, 'at most 15 thresholds per tier');
          w.u8((tier << 4) | t.length);
          for (let i = 0; i < t.length; i++) writeUint(w, t[i], 6, `${path}.blockThresholds[${i}]`);
        },
      };
    default:
      throw new Error(`schema: unknown primitive ${p}`);
  }
}

/** Configure Reporting body after direction and attribute id (ZCL: reported vs received direction). */
function readReportingBody(r: Reader, rec: Rec, direction: number, field: string): void {
  if (direction === 0) {
    const type = r.u8(field);
    rec.type = type;
    rec.minimumReportingInterval = r.uintLE(2, field);
    rec.maximumReportingInterval = r.uintLE(2, field);
    if (isAnalogType(type)) rec.reportableChange = readZclData(r, type, field);
  } else if (direction === 1) {
    rec.timeoutPeriod = r.uintLE(2, field);
  } else {
    r.fail(field, `reporting direction ${direction} is neither 0 nor 1`);
  }
}

function writeReportingBody(w: Writer, o: Record<string, unknown>, direction: number, id: number, path: string, cx: Ctx): void {
  if (direction === 0) {
    const type = attrTypeOf(o, id, path, cx);
    w.u8(type);
    w.uintLE(uint(o.minimumReportingInterval, `${path}.minimumReportingInterval`, 0xffff), 2);
    w.uintLE(uint(o.maximumReportingInterval, `${path}.maximumReportingInterval`, 0xffff), 2);
    if (isAnalogType(type)) writeZclData(w, type, o.reportableChange, `${path}.reportableChange`);
  } else if (direction === 1) {
    w.uintLE(uint(o.timeoutPeriod, `${path}.timeoutPeriod`, 0xffff), 2);
  } else {
    throw new GbcsEncodeError(`${path}.direction`, 'must be 0 or 1');
  }
}

function compileType(t: TypeSpec, field: string): Codec {
  if (typeof t === 'string') return primitive(t, field);
  if ('list' in t) return compileList(t, field);
  if ('struct' in t) return compileStruct(t.struct, field);
  return compileSwitch(t, field);
}

function compileList(t: ListSpec, field: string): Codec {
  const item = compileType(t.list, `${field}[]`);
  const countSize = t.count === 'u16' ? 2 : t.count === 'u8' ? 1 : 0;
  const max = countSize === 2 ? 0xffff : 0xff;
  return {
    dec: (r, cx, parent) => {
      const out: ZclValue[] = [];
      if (countSize) {
        const n = readUint(r, countSize, `${field}.count`);
        for (let i = 0; i < n; i++) out.push(item.dec(r, cx, parent));
      } else {
        while (r.remaining > 0) {
          const before = r.pos;
          out.push(item.dec(r, cx, parent));
          // An item that reads nothing would repeat for ever.
          if (r.pos === before) r.fail(field, 'list item consumed no bytes');
        }
      }
      return out;
    },
    enc: (w, v, path, cx, parent) => {
      const a = arr(v, path);
      if (countSize) {
        if (a.length > max) throw new GbcsEncodeError(path, `${a.length} items exceed the ${countSize}-byte count`);
        w.uintLE(a.length, countSize);
      }
      for (let i = 0; i < a.length; i++) item.enc(w, a[i], `${path}[${i}]`, cx, parent);
    },
  };
}

interface CompiledField {
  name: string;
  optional: boolean;
  codec: Codec;
}

interface CompiledFields {
  list: CompiledField[];
  names: ReadonlySet<string>;
}

function compileFields(fields: readonly FieldSpec[], prefix: string): CompiledFields {
  const list = fields.map((f) => ({ name: f[0], optional: f[2] === 'optional', codec: compileType(f[1], `${prefix}.${f[0]}`) }));
  return { list, names: new Set(list.map((f) => f.name)) };
}

function decodeFields(cf: CompiledFields, r: Reader, cx: Ctx): Rec {
  const fs = cf.list;
  const o: Rec = {};
  for (let i = 0; i < fs.length; i++) {
    const f = fs[i]!;
    if (f.optional && r.remaining === 0) break;
    o[f.name] = f.codec.dec(r, cx, o);
  }
  return o;
}

function encodeFields(cf: CompiledFields, w: Writer, v: unknown, path: string, cx: Ctx): void {
  const o = obj(v, path);
  // A misspelt optional field would otherwise vanish without a word.
  for (const k in o) {
    if (!cf.names.has(k)) throw new GbcsEncodeError(`${path}.${k}`, 'not a field of this record');
  }
  const fs = cf.list;
  let missingOptional: string | undefined;
  for (let i = 0; i < fs.length; i++) {
    const f = fs[i]!;
    const x = o[f.name];
    if (x === undefined && f.optional) {
      missingOptional ??= f.name;
      continue;
    }
    if (missingOptional !== undefined) {
      // Optional fields can only be dropped from the end: a later one cannot be placed without the gap.
      throw new GbcsEncodeError(`${path}.${f.name}`, `present although optional ${missingOptional} before it is missing`);
    }
    f.codec.enc(w, x, `${path}.${f.name}`, cx, o);
  }
}

function compileStruct(fields: readonly FieldSpec[], field: string): Codec {
  const fs = compileFields(fields, field);
  return {
    dec: (r, cx) => decodeFields(fs, r, cx),
    enc: (w, v, path, cx) => encodeFields(fs, w, v, path, cx),
  };
}

function compileSwitch(t: SwitchSpec, field: string): Codec {
  const cases = new Map<number, Codec>();
  for (const [k, spec] of Object.entries(t.cases)) cases.set(Number(k), compileType(spec, field));
  const otherwise = compileType(t.otherwise, field);
  const pick = (sel: unknown): Codec => (typeof sel === 'number' ? cases.get(sel) : undefined) ?? otherwise;
  return {
    dec: (r, cx, parent) => pick(parent[t.on]).dec(r, cx, parent),
    enc: (w, v, path, cx, parent) => pick(parent[t.on]).enc(w, v, path, cx, parent),
  };
}

// ---- registry ----------------------------------------------------------------------------------------------

export interface CompiledCommand {
  name: string;
  id: number;
  /** Frame type 0 (profile-wide) or 1 (cluster-specific). */
  clusterSpecific: boolean;
  /** Direction bit of the frame control the command travels with; undefined for general commands. */
  toClient?: boolean;
  attributes?: 'request' | 'response';
  fields: CompiledFields;
}

const GENERAL: (CompiledCommand | undefined)[] = [];
const SPECIFIC = new Map<number, CompiledCommand>();
const BY_NAME = new Map<string, CompiledCommand>();

const specificKey = (cluster: number, toClient: boolean, id: number) => cluster * 512 + (toClient ? 256 : 0) + id;

export function registerGeneral(commands: readonly CommandSpec[]): void {
  for (const c of commands) {
    const cc: CompiledCommand = {
      name: c.name,
      id: c.id,
      clusterSpecific: false,
      attributes: c.attributes,
      fields: compileFields(c.fields, c.name),
    };
    GENERAL[c.id] = cc;
    BY_NAME.set(`*/${c.name}`, cc);
  }
}

export function registerCluster(spec: ClusterSpec): void {
  for (const [toClient, list] of [
    [false, spec.toServer],
    [true, spec.toClient],
  ] as const) {
    for (const c of list) {
      const cc: CompiledCommand = {
        name: c.name,
        id: c.id,
        clusterSpecific: true,
        toClient,
        fields: compileFields(c.fields, c.name),
      };
      SPECIFIC.set(specificKey(spec.cluster, toClient, c.id), cc);
      BY_NAME.set(`${spec.cluster}/${c.name}`, cc);
    }
  }
}

/** The schema a ZCL header selects, or undefined (manufacturer-specific and reserved frame types included). */
export function findCommand(clusterId: number, frameControl: number, commandId: number): CompiledCommand | undefined {
  if (frameControl & 0x04) return undefined;
  const type = frameControl & 0x03;
  if (type === 0) return GENERAL[commandId];
  if (type === 1) return SPECIFIC.get(specificKey(clusterId, (frameControl & 0x08) !== 0, commandId));
  return undefined;
}

/** A command by cluster and camelCase name; cluster-specific names first, then general ones. */
export function findCommandByName(clusterId: number, name: string): CompiledCommand | undefined {
  return BY_NAME.get(`${clusterId}/${name}`) ?? BY_NAME.get(`*/${name}`);
}

function ctxFor(cmd: CompiledCommand, clusterId: number, frameControl: number): Ctx {
  const toClient = (frameControl & 0x08) !== 0;
  // A request addresses the receiver's attributes, a response or report describes the sender's.
  const serverAttributes = cmd.attributes === 'response' ? toClient : !toClient;
  return { clusterId, serverAttributes };
}

/**
 * Decode the ZCL payload in `r` (to its end) for the given header. Bytes that do not fit the schema are
 * kept as an untyped command with the reason, so one odd command does not make a whole frame unreadable;
 * countUntypedGbz reports them.
 */
export function decodeZclPayload(r: Reader, clusterId: number, frameControl: number, commandId: number): ZclCommand {
  const cmd = findCommand(clusterId, frameControl, commandId);
  if (!cmd) return { typed: false, payload: toHex(r.rest()) };
  const start = r.pos;
  try {
    const fields = decodeFields(cmd.fields, r, ctxFor(cmd, clusterId, frameControl));
    r.expectEnd(cmd.name);
    return { typed: true, name: cmd.name, fields };
  } catch (e) {
    if (!(e instanceof GbcsDecodeError)) throw e;
    r.pos = start;
    return { typed: false, name: cmd.name, payload: toHex(r.rest()), reason: e.message };
  }
}

/** Decode a stand-alone ZCL payload (e.g. decrypted plaintext) whose header is known. */
export function decodeZclPayloadBytes(
  bytes: Uint8Array,
  clusterId: number,
  frameControl: number,
  commandId: number,
  base = 0,
): ZclCommand {
  return decodeZclPayload(new Reader(bytes, base), clusterId, frameControl, commandId);
}

/**
 * Encode a ZCL command payload. A typed command needs the schema its header selects and must name it;
 * an untyped one is written from its hex.
 */
export function encodeZclPayload(
  w: Writer,
  command: unknown,
  clusterId: number,
  frameControl: number,
  commandId: number,
  path: string,
): void {
  const c = obj(command, path);
  if (c.typed === false) {
    w.bytes(hexBytes(c.payload, `${path}.payload`));
    return;
  }
  if (c.typed !== true) throw new GbcsEncodeError(`${path}.typed`, 'expected true or false');
  const cmd = findCommand(clusterId, frameControl, commandId);
  if (!cmd) {
    throw new GbcsEncodeError(
      path,
      `no schema for cluster 0x${clusterId.toString(16).padStart(4, '0')} frame control 0x${frameControl.toString(16).padStart(2, '0')} command 0x${commandId.toString(16).padStart(2, '0')}`,
    );
  }
  if (c.name !== undefined && c.name !== cmd.name) {
    throw new GbcsEncodeError(`${path}.name`, `header selects ${cmd.name}, not ${String(c.name)}`);
  }
  encodeFields(cmd.fields, w, c.fields ?? {}, `${path}.fields`, ctxFor(cmd, clusterId, frameControl));
}


// The tables are data in zcl-commands.ts; compile them once when the codec is first imported.
registerGeneral(GENERAL_COMMANDS);
for (const c of CLUSTER_COMMANDS) registerCluster(c);
