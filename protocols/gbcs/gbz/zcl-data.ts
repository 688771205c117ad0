import type { Reader, Writer } from '../../bytes.js';
import { arr, hexBytes, obj, uint } from '../../check.js';
import { GbcsEncodeError } from '../../errors.js';
import type { ZclValue } from './types.js';
import {
  readBigLE,
  readBool,
  readDate,
  readHexLE,
  readInt,
  readOctets,
  readText,
  readTimeOfDay,
  readUint,
  readUtc,
  readWideBitmap,
  writeBigLE,
  writeBool,
  writeDate,
  writeInt,
  writeOctets,
  writeText,
  writeTimeOfDay,
  writeUint,
  writeUtc,
} from './values.js';

/*
 * ZCL data types by type id (ZCL spec, "Data Types" table), used wherever a value carries its own type:
 * Read Attributes Response, Write Attributes, Report Attributes, arrays and structures.
 *
 * Representation: integers up to 48 bits are numbers, wider ones decimal strings; bitmaps up to 48 bits
 * numbers, wider ones `0x` hex; opaque data, floats and 128-bit keys hex of the wire bytes (floats are
 * kept raw so NaN payloads and -0 survive JSON); EUI-64 hex in the usual most-significant-first order;
 * strings as in values.ts; length 0xFF/0xFFFF strings and arrays read as null (the ZCL invalid value).
 */

type Kind =
  | 'none'
  | 'data'
  | 'bool'
  | 'bitmap'
  | 'uint'
  | 'int'
  | 'enum'
  | 'float'
  | 'octets'
  | 'string'
  | 'longOctets'
  | 'longString'
  | 'array'
  | 'struct'
  | 'tod'
  | 'date'
  | 'utc'
  | 'eui64'
  | 'key';

interface TypeInfo {
  name: string;
  kind: Kind;
  /** Bytes on the wire for fixed-size types, -1 for variable ones. */
  size: number;
}

const TYPES = new Map<number, TypeInfo>();
function def(id: number, name: string, kind: Kind, size: number): void {
  TYPES.set(id, { name, kind, size });
}
def(0x00, 'noData', 'none', 0);
for (let i = 0; i < 8; i++) {
  def(0x08 + i, `data${8 * (i + 1)}`, 'data', i + 1);
  def(0x18 + i, `bitmap${8 * (i + 1)}`, 'bitmap', i + 1);
  def(0x20 + i, `uint${8 * (i + 1)}`, 'uint', i + 1);
  def(0x28 + i, `int${8 * (i + 1)}`, 'int', i + 1);
}
def(0x10, 'boolean', 'bool', 1);
def(0x30, 'enum8', 'enum', 1);
def(0x31, 'enum16', 'enum', 2);
def(0x38, 'semiFloat', 'float', 2);
def(0x39, 'singleFloat', 'float', 4);
def(0x3a, 'doubleFloat', 'float', 8);
def(0x41, 'octetString', 'octets', -1);
def(0x42, 'characterString', 'string', -1);
def(0x43, 'longOctetString', 'longOctets', -1);
def(0x44, 'longCharacterString', 'longString', -1);
def(0x48, 'array', 'array', -1);
def(0x4c, 'structure', 'struct', -1);
def(0x50, 'set', 'array', -1);
def(0x51, 'bag', 'array', -1);
def(0xe0, 'timeOfDay', 'tod', 4);
def(0xe1, 'date', 'date', 4);
def(0xe2, 'utcTime', 'utc', 4);
def(0xe8, 'clusterId', 'uint', 2);
def(0xe9, 'attributeId', 'uint', 2);
def(0xea, 'bacnetOid', 'uint', 4);
def(0xf0, 'ieeeAddress', 'eui64', 8);
def(0xf1, 'securityKey128', 'key', 16);

export function zclTypeName(typeId: number): string | undefined {
  return TYPES.get(typeId)?.name;
}

/** Types whose Configure Reporting records carry a reportable-change field (ZCL "analog" types). */
export function isAnalogType(typeId: number): boolean {
  return (typeId >= 0x20 && typeId <= 0x2f) || (typeId >= 0x38 && typeId <= 0x3a) || (typeId >= 0xe0 && typeId <= 0xe2);
}

/** Wire size of a fixed-size type, -1 for variable-size ones, undefined for unknown ids. */
export function zclTypeSize(typeId: number): number | undefined {
  return TYPES.get(typeId)?.size;
}

/** Nested arrays/structures are legal but never deep in practice; the cap keeps hostile input off the stack. */
const MAX_DEPTH = 8;

export function readZclData(r: Reader, typeId: number, field: string, depth = 0): ZclValue {
  const t = TYPES.get(typeId);
  if (!t) return r.fail(field, `unknown ZCL data type 0x${typeId.toString(16).padStart(2, '0')}`);
  switch (t.kind) {
    case 'none':
      return null;
    case 'data':
    case 'float':
    case 'key':
      return r.hex(t.size, field);
    case 'bool':
      return readBool(r, field);
    case 'bitmap':
      return t.size <= 6 ? readUint(r, t.size, field) : readWideBitmap(r, t.size, field);
    case 'uint':
    case 'enum':
      return t.size <= 6 ? readUint(r, t.size, field) : readBigLE(r, t.size, field, false);
    case 'int':
      return t.size <= 6 ? readInt(r, t.size, field) : readBigLE(r, t.size, field, true);
    case 'octets':
    case 'longOctets':
      return readOctets(r, field, t.kind === 'longOctets');
    case 'string':
    case 'longString':
      return readText(r, field, t.kind === 'longString');
    case 'tod':
      return readTimeOfDay(r, field);
    case 'date':
      return readDate(r, field);
    case 'utc':
      return readUtc(r, field);
    case 'eui64':
      return readHexLE(r, 8, field);
    case 'array': {
      if (depth >= MAX_DEPTH) return r.fail(field, 'arrays/structures nested too deeply');
      const elementType = r.u8(field);
      const et = TYPES.get(elementType);
      if (!et) return r.fail(field, `unknown ZCL element type 0x${elementType.toString(16).padStart(2, '0')}`);
      // Zero-size elements would let a 3-byte header describe 65534 values: refuse rather than amplify.
      if (et.size === 0) return r.fail(field, 'array of no-data elements');
      const count = r.uintLE(2, field);
      if (count === 0xffff) return { elementType, elements: null };
      const elements: ZclValue[] = [];
      for (let i = 0; i < count; i++) elements.push(readZclData(r, elementType, field, depth + 1));
      return { elementType, elements };
    }
    case 'struct': {
      if (depth >= MAX_DEPTH) return r.fail(field, 'arrays/structures nested too deeply');
      const count = r.uintLE(2, field);
      if (count === 0xffff) return { elements: null };
      const elements: ZclValue[] = [];
      for (let i = 0; i < count; i++) {
        const type = r.u8(field);
        elements.push({ type, value: readZclData(r, type, field, depth + 1) });
      }
      return { elements };
    }
  }
}

/** Count of an array or structure; null is the ZCL invalid value 0xFFFF, with no elements after it. */
function writeElementCount(w: Writer, elements: unknown, path: string): unknown[] {
  if (elements === null) {
    w.uintLE(0xffff, 2);
    return [];
  }
  const els = arr(elements, `${path}.elements`);
  if (els.length >= 0xffff) throw new GbcsEncodeError(`${path}.elements`, 'too many elements');
  w.uintLE(els.length, 2);
  return els;
}

export function writeZclData(w: Writer, typeId: number, v: unknown, path: string, depth = 0): void {
  const t = TYPES.get(typeId);
  if (!t) throw new GbcsEncodeError(path, `unknown ZCL data type 0x${typeId.toString(16).padStart(2, '0')}`);
  switch (t.kind) {
    case 'none':
      if (v !== null && v !== undefined) throw new GbcsEncodeError(path, 'a no-data value must be null');
      return;
    case 'data':
    case 'float':
    case 'key':
      w.bytes(hexBytes(v, path, t.size));
      return;
    case 'bool':
      writeBool(w, v, path);
      return;
    case 'bitmap':
    case 'uint':
    case 'enum':
      if (t.size <= 6) writeUint(w, v, t.size, path);
      else writeBigLE(w, v, t.size, path, false);
      return;
    case 'int':
      if (t.size <= 6) writeInt(w, v, t.size, path);
      else writeBigLE(w, v, t.size, path, true);
      return;
    case 'octets':
    case 'longOctets':
      writeOctets(w, v, path, t.kind === 'longOctets');
      return;
    case 'string':
    case 'longString':
      writeText(w, v, path, t.kind === 'longString');
      return;
    case 'tod':
      writeTimeOfDay(w, v, path);
      return;
    case 'date':
      writeDate(w, v, path);
      return;
    case 'utc':
      writeUtc(w, v, path);
      return;
    case 'eui64':
      w.bytes(hexBytes(v, path, 8).slice().reverse());
      return;
    case 'array': {
      if (depth >= MAX_DEPTH) throw new GbcsEncodeError(path, 'arrays/structures nested too deeply');
      const o = obj(v, path);
      const elementType = uint(o.elementType, `${path}.elementType`, 0xff);
      const et = TYPES.get(elementType);
      if (!et || et.size === 0) throw new GbcsEncodeError(`${path}.elementType`, `unusable element type ${elementType}`);
      w.u8(elementType);
      const els = writeElementCount(w, o.elements, path);
      for (let i = 0; i < els.length; i++) writeZclData(w, elementType, els[i], `${path}.elements[${i}]`, depth + 1);
      return;
    }
    case 'struct': {
      if (depth >= MAX_DEPTH) throw new GbcsEncodeError(path, 'arrays/structures nested too deeply');
      const els = writeElementCount(w, obj(v, path).elements, path);
      for (let i = 0; i < els.length; i++) {
        const e = obj(els[i], `${path}.elements[${i}]`);
        const type = uint(e.type, `${path}.elements[${i}].type`, 0xff);
        w.u8(type);
        writeZclData(w, type, e.value, `${path}.elements[${i}].value`, depth + 1);
      }
      return;
    }
  }
}
