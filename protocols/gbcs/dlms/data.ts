import { type Reader, Writer, byteHex, toHex } from '../../bytes.js';
import { arr, big, bool, hexBytes, int, obj, str, uint } from '../../check.js';
import { GbcsEncodeError } from '../../errors.js';
import { readDlmsDateTime, writeDlmsDateTime } from '../time.js';
import type { CosemDate, CosemTime, DlmsData, DlmsDataType, DlmsSimpleType, DlmsTypeDescription } from './types.js';

/*
 * A-XDR `Data` (DLMS Green Book 9.5 / gbcs-framing §3.2). Input is untrusted: every count is checked against
 * the bytes left, nesting is capped so hostile input cannot exhaust the stack, and compact-array type
 * descriptions that would make rows zero bytes long are refused, because then their number is undefined
 * and a decoder could loop without consuming input.
 */

/** Deeper than anything GBCS sends (the ECS68 plaintext is 5 levels), shallow enough for any stack. */
export const MAX_DATA_DEPTH = 64;

// Null-prototype tables so that a user-supplied `type` such as "constructor" is simply unknown.
const TAG_OF: Record<string, number | undefined> = Object.assign(Object.create(null) as object, {
  null: 0x00,
  array: 0x01,
  structure: 0x02,
  boolean: 0x03,
  'bit-string': 0x04,
  int32: 0x05,
  uint32: 0x06,
  'octet-string': 0x09,
  'date-time': 0x09,
  'visible-string': 0x0a,
  'utf8-string': 0x0c,
  bcd: 0x0d,
  int8: 0x0f,
  int16: 0x10,
  uint8: 0x11,
  uint16: 0x12,
  'compact-array': 0x13,
  int64: 0x14,
  uint64: 0x15,
  enum: 0x16,
  float32: 0x17,
  float64: 0x18,
  'cosem-date-time': 0x19,
  'cosem-date': 0x1a,
  'cosem-time': 0x1b,
  'delta-int8': 0x1c,
  'delta-int16': 0x1d,
  'delta-int32': 0x1e,
  'delta-uint8': 0x1f,
  'delta-uint16': 0x20,
  'delta-uint32': 0x21,
  'dont-care': 0xff,
});

/** Leaf type names by tag, for type descriptions (tag 9 is plain octet-string there). */
const SIMPLE_BY_TAG: (DlmsSimpleType | undefined)[] = [];
for (const [name, tag] of Object.entries(TAG_OF)) {
  if (name === 'array' || name === 'structure' || name === 'compact-array' || name === 'date-time') continue;
  SIMPLE_BY_TAG[tag!] = name as DlmsSimpleType;
}

/** Fewest content bytes a leaf type occupies inside a compact array (variable ones at least a length byte). */
const MIN_SIZE: Record<string, number | undefined> = Object.assign(Object.create(null) as object, {
  null: 0,
  'dont-care': 0,
  boolean: 1,
  'bit-string': 1,
  int32: 4,
  uint32: 4,
  'octet-string': 1,
  'visible-string': 1,
  'utf8-string': 1,
  bcd: 1,
  int8: 1,
  int16: 2,
  uint8: 1,
  uint16: 2,
  int64: 8,
  uint64: 8,
  enum: 1,
  float32: 4,
  float64: 8,
  'cosem-date-time': 12,
  'cosem-date': 5,
  'cosem-time': 4,
  'delta-int8': 1,
  'delta-int16': 2,
  'delta-int32': 4,
  'delta-uint8': 1,
  'delta-uint16': 2,
  'delta-uint32': 4,
});

const SIZE_CAP = 0x7fffffff;

/** Minimum encoded size of one value of `d` inside compact-array contents (capped, never NaN). */
export function typeDescriptionMinSize(d: DlmsTypeDescription): number {
  switch (d.type) {
    case 'array': {
      if (d.count === 0) return 0;
      return Math.min(SIZE_CAP, d.count * typeDescriptionMinSize(d.element));
    }
    case 'structure': {
      let n = 0;
      for (const e of d.elements) n = Math.min(SIZE_CAP, n + typeDescriptionMinSize(e));
      return n;
    }
    default:
      return MIN_SIZE[d.type] ?? 0;
  }
}

/** Data values one row of `d` decodes to (capped). */
function typeDescriptionNodes(d: DlmsTypeDescription): number {
  switch (d.type) {
    case 'array':
      return d.count === 0 ? 1 : Math.min(SIZE_CAP, 1 + d.count * typeDescriptionNodes(d.element));
    case 'structure': {
      let n = 1;
      for (const e of d.elements) n = Math.min(SIZE_CAP, n + typeDescriptionNodes(e));
      return n;
    }
    default:
      return 1;
  }
}

/*
 * Rows carry no count, so they must each take at least one byte; and zero-size members (null, dont-care,
 * empty structures) must not let a short input expand into millions of values, so the values per row are
 * bounded by the row's minimum size. Real descriptions are nowhere near either limit.
 */
function rowShapeProblem(d: DlmsTypeDescription): string | undefined {
  const size = typeDescriptionMinSize(d);
  if (size === 0) return 'type description has zero size, so rows cannot be delimited';
  const nodes = typeDescriptionNodes(d);
  if (nodes > 8 * size + 64) return `type description makes ${nodes} values from as little as ${size} bytes per row`;
  return undefined;
}

/*
 * When a 12-byte octet-string is a date-time. Every field must be in range or be a DLMS wildcard, and the
 * deviation and clock status must be plausible too, so a random 12-byte string passes with probability
 * around 1e-12. The one exception is GBCS's "activate now" value (nine zero bytes, 8000 FF), which has
 * month and day 0 yet is a date-time by convention.
 */
export function isDlmsDateTimeBytes(b: Uint8Array, p: number): boolean {
  const dev = (b[p + 9]! << 8) | b[p + 10]!;
  const status = b[p + 11]!;
  if (dev !== 0x8000) {
    const signed = dev > 0x7fff ? dev - 0x10000 : dev;
    if (signed < -840 || signed > 840) return false;
  }
  if (status !== 0xff && (status & 0x70) !== 0) return false;
  const month = b[p + 2]!;
  const day = b[p + 3]!;
  const dow = b[p + 4]!;
  if (month === 0 && day === 0 && dow === 0) {
    for (let i = 0; i < 9; i++) if (b[p + i] !== 0) return false;
    return true;
  }
  if (!((month >= 1 && month <= 12) || month >= 0xfd)) return false;
  if (!((day >= 1 && day <= 31) || day >= 0xfd)) return false;
  if (!((dow >= 1 && dow <= 7) || dow === 0xff)) return false;
  const hour = b[p + 5]!;
  const minute = b[p + 6]!;
  const second = b[p + 7]!;
  const hundredths = b[p + 8]!;
  if (hour > 23 && hour !== 0xff) return false;
  if (minute > 59 && minute !== 0xff) return false;
  if (second > 59 && second !== 0xff) return false;
  if (hundredths > 99 && hundredths !== 0xff) return false;
  return true;
}

const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_LOOSE = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

// ---------------------------------------------------------------------------------------------- decoding

/** Content of a leaf type (the tag, if any, is already consumed). `at` is where the tag was, for errors. */
function readLeaf(r: Reader, tag: number, at: number): DlmsData {
  switch (tag) {
    case 0x00:
      return { type: 'null' };
    case 0x03: {
      const b = r.u8('boolean');
      return b <= 1 ? { type: 'boolean', value: b === 1 } : { type: 'boolean', value: true, raw: b };
    }
    case 0x04: {
      const bits = r.berLength('bit-string.length');
      return { type: 'bit-string', bits, hex: r.hex((bits + 7) >>> 3, 'bit-string.value') };
    }
    case 0x05:
      return { type: 'int32', value: r.i32('int32') };
    case 0x06:
      return { type: 'uint32', value: r.u32('uint32') };
    case 0x09: {
      const n = r.berLength('octet-string.length');
      r.need(n, 'octet-string.value');
      if (n === 12 && isDlmsDateTimeBytes(r.buf, r.pos)) {
        return { type: 'date-time', value: readDlmsDateTime(r, 'octet-string.date-time') };
      }
      return { type: 'octet-string', hex: r.hex(n, 'octet-string.value') };
    }
    case 0x0a: {
      const n = r.berLength('visible-string.length');
      const b = r.bytes(n, 'visible-string.value');
      return { type: 'visible-string', value: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1') };
    }
    case 0x0c: {
      const n = r.berLength('utf8-string.length');
      const b = r.bytes(n, 'utf8-string.value');
      try {
        return { type: 'utf8-string', value: UTF8_STRICT.decode(b) };
      } catch {
        return { type: 'utf8-string', value: UTF8_LOOSE.decode(b), hex: toHex(b) };
      }
    }
    case 0x0d:
      return { type: 'bcd', value: r.u8('bcd') };
    case 0x0f:
      return { type: 'int8', value: r.i8('int8') };
    case 0x10:
      return { type: 'int16', value: r.i16('int16') };
    case 0x11:
      return { type: 'uint8', value: r.u8('uint8') };
    case 0x12:
      return { type: 'uint16', value: r.u16('uint16') };
    case 0x14:
      return { type: 'int64', value: r.i64('int64') };
    case 0x15:
      return { type: 'uint64', value: r.u64('uint64') };
    case 0x16:
      return { type: 'enum', value: r.u8('enum') };
    case 0x17: {
      const b = r.bytes(4, 'float32');
      return { type: 'float32', value: new DataView(b.buffer, b.byteOffset, 4).getFloat32(0), hex: toHex(b) };
    }
    case 0x18: {
      const b = r.bytes(8, 'float64');
      return { type: 'float64', value: new DataView(b.buffer, b.byteOffset, 8).getFloat64(0), hex: toHex(b) };
    }
    case 0x19:
      return { type: 'cosem-date-time', value: readDlmsDateTime(r, 'cosem-date-time') };
    case 0x1a: {
      r.need(5, 'cosem-date');
      const value: CosemDate = {
        year: r.u16('cosem-date'),
        month: r.u8('cosem-date'),
        day: r.u8('cosem-date'),
        dayOfWeek: r.u8('cosem-date'),
      };
      return { type: 'cosem-date', value };
    }
    case 0x1b: {
      r.need(4, 'cosem-time');
      const value: CosemTime = {
        hour: r.u8('cosem-time'),
        minute: r.u8('cosem-time'),
        second: r.u8('cosem-time'),
        hundredths: r.u8('cosem-time'),
      };
      return { type: 'cosem-time', value };
    }
    case 0x1c:
      return { type: 'delta-int8', value: r.i8('delta-int8') };
    case 0x1d:
      return { type: 'delta-int16', value: r.i16('delta-int16') };
    case 0x1e:
      return { type: 'delta-int32', value: r.i32('delta-int32') };
    case 0x1f:
      return { type: 'delta-uint8', value: r.u8('delta-uint8') };
    case 0x20:
      return { type: 'delta-uint16', value: r.u16('delta-uint16') };
    case 0x21:
      return { type: 'delta-uint32', value: r.u32('delta-uint32') };
    case 0xff:
      return { type: 'dont-care' };
    default:
      return r.fail('data.tag', `unknown A-XDR data tag 0x${byteHex(tag)}`, at);
  }
}

/** One tagged A-XDR Data value at the reader's position. */
export function readDlmsData(r: Reader, depth = 0): DlmsData {
  const at = r.pos;
  const tag = r.u8('data.tag');
  switch (tag) {
    case 0x01:
    case 0x02: {
      const field = tag === 1 ? 'array.count' : 'structure.count';
      if (depth >= MAX_DATA_DEPTH) r.fail(field, `nested deeper than ${MAX_DATA_DEPTH} levels`, at);
      const countAt = r.pos;
      const n = r.berLength(field);
      // Every element takes at least its tag byte, so a larger count cannot be satisfied.
      if (n > r.remaining) r.fail(field, `${n} elements cannot fit in the ${r.remaining} bytes left`, countAt);
      const items: DlmsData[] = new Array(n);
      for (let i = 0; i < n; i++) items[i] = readDlmsData(r, depth + 1);
      return { type: tag === 1 ? 'array' : 'structure', items };
    }
    case 0x13:
      return readCompactArray(r, depth, at);
    default:
      return readLeaf(r, tag, at);
  }
}

function readTypeDescription(r: Reader, depth: number): DlmsTypeDescription {
  const at = r.pos;
  const tag = r.u8('compact-array.type');
  if (tag === 0x01 || tag === 0x02) {
    if (depth >= MAX_DATA_DEPTH) r.fail('compact-array.type', `nested deeper than ${MAX_DATA_DEPTH} levels`, at);
    if (tag === 0x01) {
      const count = r.u16('compact-array.type.array.count');
      return { type: 'array', count, element: readTypeDescription(r, depth + 1) };
    }
    const countAt = r.pos;
    const n = r.berLength('compact-array.type.structure.count');
    if (n > r.remaining) {
      r.fail('compact-array.type.structure.count', `${n} elements cannot fit in the ${r.remaining} bytes left`, countAt);
    }
    const elements: DlmsTypeDescription[] = new Array(n);
    for (let i = 0; i < n; i++) elements[i] = readTypeDescription(r, depth + 1);
    return { type: 'structure', elements };
  }
  const name = SIMPLE_BY_TAG[tag];
  if (name === undefined) {
    const reason =
      tag === 0x13 ? 'compact-array cannot appear in a type description' : `unknown A-XDR type tag 0x${byteHex(tag)}`;
    r.fail('compact-array.type', reason, at);
  }
  return { type: name };
}

function readTyped(r: Reader, d: DlmsTypeDescription, depth: number): DlmsData {
  switch (d.type) {
    case 'array': {
      const items: DlmsData[] = new Array(d.count);
      for (let i = 0; i < d.count; i++) items[i] = readTyped(r, d.element, depth + 1);
      return { type: 'array', items };
    }
    case 'structure': {
      const items: DlmsData[] = new Array(d.elements.length);
      for (let i = 0; i < items.length; i++) items[i] = readTyped(r, d.elements[i]!, depth + 1);
      return { type: 'structure', items };
    }
    default:
      return readLeaf(r, TAG_OF[d.type]!, r.pos);
  }
}

function readCompactArray(r: Reader, depth: number, at: number): DlmsData {
  if (depth >= MAX_DATA_DEPTH) r.fail('compact-array', `nested deeper than ${MAX_DATA_DEPTH} levels`, at);
  const description = readTypeDescription(r, depth + 1);
  const length = r.berLength('compact-array.length');
  const s = r.sub(length, 'compact-array.contents');
  const rows: DlmsData[] = [];
  if (length > 0) {
    const problem = rowShapeProblem(description);
    if (problem) s.fail('compact-array.contents', problem);
  }
  while (s.remaining > 0) rows.push(readTyped(s, description, depth + 1));
  return { type: 'compact-array', description, rows };
}

// ---------------------------------------------------------------------------------------------- encoding

/*
 * Element paths are costly to build for every value and needed only for an error, so children are encoded
 * with an empty path and a failing child's error is re-issued under its full path on the way out.
 */
export function underPath(e: unknown, prefix: string): unknown {
  return e instanceof GbcsEncodeError ? new GbcsEncodeError(prefix + e.path, e.reason) : e;
}

function isWellFormed(s: string): boolean {
  const f = (s as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  if (f) return f.call(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = s.charCodeAt(i + 1);
      if (!(n >= 0xdc00 && n <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

function writeFloat(w: Writer, v: Record<string, unknown>, path: string, size: 4 | 8): void {
  if (v.hex !== undefined) {
    w.bytes(hexBytes(v.hex, `${path}.hex`, size));
    return;
  }
  const x = v.value;
  if (typeof x !== 'number') throw new GbcsEncodeError(`${path}.value`, `expected a number, got ${JSON.stringify(x)}`);
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  if (size === 4) dv.setFloat32(0, x);
  else dv.setFloat64(0, x);
  w.bytes(b);
}

/** Content of a leaf value (no tag). `type` is already known to be a leaf type name. */
function writeLeaf(w: Writer, type: string, v: Record<string, unknown>, path: string): void {
  const vp = `${path}.value`;
  switch (type) {
    case 'null':
    case 'dont-care':
      return;
    case 'boolean': {
      const value = bool(v.value, vp);
      if (v.raw === undefined) {
        w.u8(value ? 1 : 0);
        return;
      }
      const raw = uint(v.raw, `${path}.raw`, 0xff);
      if ((raw !== 0) !== value) throw new GbcsEncodeError(`${path}.raw`, `raw byte ${raw} contradicts value ${value}`);
      w.u8(raw);
      return;
    }
    case 'bit-string': {
      const bits = uint(v.bits, `${path}.bits`, 0xffffff);
      w.berLength(bits, `${path}.bits`);
      const n = (bits + 7) >>> 3;
      w.bytes(hexBytes(v.hex, `${path}.hex`, n));
      return;
    }
    case 'int8':
    case 'delta-int8':
      w.u8(int(v.value, vp, -0x80, 0x7f));
      return;
    case 'int16':
    case 'delta-int16':
      w.u16(int(v.value, vp, -0x8000, 0x7fff));
      return;
    case 'int32':
    case 'delta-int32':
      w.u32(int(v.value, vp, -0x80000000, 0x7fffffff));
      return;
    case 'uint8':
    case 'delta-uint8':
    case 'enum':
    case 'bcd':
      w.u8(uint(v.value, vp, 0xff));
      return;
    case 'uint16':
    case 'delta-uint16':
      w.u16(uint(v.value, vp, 0xffff));
      return;
    case 'uint32':
    case 'delta-uint32':
      w.u32(uint(v.value, vp, 0xffffffff));
      return;
    case 'int64':
      w.u64(big(v.value, vp, true));
      return;
    case 'uint64':
      w.u64(big(v.value, vp, false));
      return;
    case 'octet-string':
      w.berBlock(hexBytes(v.hex, `${path}.hex`), `${path}.hex`);
      return;
    case 'date-time':
      w.u8(12);
      writeDlmsDateTime(w, v.value, vp);
      return;
    case 'visible-string': {
      const s = str(v.value, vp);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) throw new GbcsEncodeError(vp, `character ${i} (U+${c.toString(16).toUpperCase()}) is not a single byte`);
      }
      w.berBlock(Buffer.from(s, 'latin1'), vp);
      return;
    }
    case 'utf8-string': {
      if (v.hex !== undefined) {
        w.berBlock(hexBytes(v.hex, `${path}.hex`), `${path}.hex`);
        return;
      }
      const s = str(v.value, vp);
      if (!isWellFormed(s)) throw new GbcsEncodeError(vp, 'string has an unpaired surrogate, so it has no UTF-8 form');
      w.berBlock(Buffer.from(s, 'utf8'), vp);
      return;
    }
    case 'float32':
      writeFloat(w, v, path, 4);
      return;
    case 'float64':
      writeFloat(w, v, path, 8);
      return;
    case 'cosem-date-time':
      writeDlmsDateTime(w, v.value, vp);
      return;
    case 'cosem-date': {
      const d = obj(v.value, vp);
      w.u16(uint(d.year, `${vp}.year`, 0xffff));
      w.u8(uint(d.month, `${vp}.month`, 0xff));
      w.u8(uint(d.day, `${vp}.day`, 0xff));
      w.u8(uint(d.dayOfWeek, `${vp}.dayOfWeek`, 0xff));
      return;
    }
    case 'cosem-time': {
      const t = obj(v.value, vp);
      w.u8(uint(t.hour, `${vp}.hour`, 0xff));
      w.u8(uint(t.minute, `${vp}.minute`, 0xff));
      w.u8(uint(t.second, `${vp}.second`, 0xff));
      w.u8(uint(t.hundredths, `${vp}.hundredths`, 0xff));
      return;
    }
    default:
      throw new GbcsEncodeError(`${path}.type`, `unknown A-XDR data type ${JSON.stringify(type)}`);
  }
}

function dataType(v: Record<string, unknown>, path: string): DlmsDataType {
  const t = v.type;
  if (typeof t !== 'string' || TAG_OF[t] === undefined) {
    throw new GbcsEncodeError(`${path}.type`, `unknown A-XDR data type ${JSON.stringify(t)}`);
  }
  return t as DlmsDataType;
}

/** Write one tagged Data value; `value` may be untrusted JSON. */
export function writeDlmsData(w: Writer, value: unknown, path: string, depth = 0): void {
  const v = obj(value, path);
  const type = dataType(v, path);
  switch (type) {
    case 'array':
    case 'structure': {
      if (depth >= MAX_DATA_DEPTH) throw new GbcsEncodeError(path, `nested deeper than ${MAX_DATA_DEPTH} levels`);
      const items = arr(v.items, `${path}.items`);
      w.u8(TAG_OF[type]!);
      w.berLength(items.length, `${path}.items`);
      for (let i = 0; i < items.length; i++) {
        try {
          writeDlmsData(w, items[i], '', depth + 1);
        } catch (e) {
          throw underPath(e, `${path}.items[${i}]`);
        }
      }
      return;
    }
    case 'compact-array':
      writeCompactArray(w, v, path, depth);
      return;
    default:
      w.u8(TAG_OF[type]!);
      writeLeaf(w, type, v, path);
  }
}

/** Validate a type description from untrusted input, write it, and return it in canonical form. */
function writeTypeDescription(w: Writer, value: unknown, path: string, depth: number): DlmsTypeDescription {
  if (depth >= MAX_DATA_DEPTH) throw new GbcsEncodeError(path, `nested deeper than ${MAX_DATA_DEPTH} levels`);
  const v = obj(value, path);
  const t = v.type;
  if (t === 'array') {
    const count = uint(v.count, `${path}.count`, 0xffff);
    w.u8(0x01).u16(count);
    return { type: 'array', count, element: writeTypeDescription(w, v.element, `${path}.element`, depth + 1) };
  }
  if (t === 'structure') {
    const list = arr(v.elements, `${path}.elements`);
    w.u8(0x02).berLength(list.length, `${path}.elements`);
    const elements: DlmsTypeDescription[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      elements[i] = writeTypeDescription(w, list[i], `${path}.elements[${i}]`, depth + 1);
    }
    return { type: 'structure', elements };
  }
  const tag = typeof t === 'string' ? TAG_OF[t] : undefined;
  if (tag === undefined || SIMPLE_BY_TAG[tag] !== t) {
    throw new GbcsEncodeError(`${path}.type`, `not a type-description type: ${JSON.stringify(t)}`);
  }
  w.u8(tag);
  return { type: t as DlmsSimpleType };
}

/** Write a row value without tags, checking it against its description. */
function writeTyped(w: Writer, d: DlmsTypeDescription, value: unknown, path: string, depth: number): void {
  const v = obj(value, path);
  const type = dataType(v, path);
  switch (d.type) {
    case 'array':
    case 'structure': {
      if (type !== d.type) {
        throw new GbcsEncodeError(`${path}.type`, `expected ${d.type} (from the type description), got ${type}`);
      }
      if (depth >= MAX_DATA_DEPTH) throw new GbcsEncodeError(path, `nested deeper than ${MAX_DATA_DEPTH} levels`);
      const items = arr(v.items, `${path}.items`);
      const want = d.type === 'array' ? d.count : d.elements.length;
      if (items.length !== want) {
        const reason = `expected ${want} elements (from the type description), got ${items.length}`;
        throw new GbcsEncodeError(`${path}.items`, reason);
      }
      for (let i = 0; i < items.length; i++) {
        const e = d.type === 'array' ? d.element : d.elements[i]!;
        try {
          writeTyped(w, e, items[i], '', depth + 1);
        } catch (err) {
          throw underPath(err, `${path}.items[${i}]`);
        }
      }
      return;
    }
    default: {
      const ok = type === d.type || (d.type === 'octet-string' && type === 'date-time');
      if (!ok) throw new GbcsEncodeError(`${path}.type`, `expected ${d.type} (from the type description), got ${type}`);
      writeLeaf(w, type, v, path);
    }
  }
}

function writeCompactArray(w: Writer, v: Record<string, unknown>, path: string, depth: number): void {
  if (depth >= MAX_DATA_DEPTH) throw new GbcsEncodeError(path, `nested deeper than ${MAX_DATA_DEPTH} levels`);
  w.u8(0x13);
  const description = writeTypeDescription(w, v.description, `${path}.description`, depth + 1);
  const rows = arr(v.rows, `${path}.rows`);
  if (rows.length > 0) {
    const problem = rowShapeProblem(description);
    if (problem) throw new GbcsEncodeError(`${path}.description`, problem);
  }
  const contents = new Writer(rows.length * 16 + 16);
  for (let i = 0; i < rows.length; i++) {
    try {
      writeTyped(contents, description, rows[i], '', depth + 1);
    } catch (e) {
      throw underPath(e, `${path}.rows[${i}]`);
    }
  }
  w.berBlock(contents.toBytes(), `${path}.rows`);
}
