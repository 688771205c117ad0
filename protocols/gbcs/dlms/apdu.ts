import { Reader, Writer, byteHex } from '../../bytes.js';
import { arr, hexBytes, obj, oneOf, uint } from '../../check.js';
import { type DlmsDateTime, readDlmsDateTime, writeDlmsDateTime } from '../time.js';
import { readDlmsData, underPath, writeDlmsData } from './data.js';
import type { AccessRequestSpec, AccessResponseSpec, DlmsApdu, DlmsData } from './types.js';
import { ScratchWriter } from '../scratch.js';

/*
 * The three DLMS APDUs GBCS uses (gbcs-framing §3.2): access-request D9, access-response DA and
 * data-notification 0F, each led by long-invoke-id-and-priority and a date-time octet-string.
 */

export const DLMS_ACCESS_REQUEST = 0xd9;
export const DLMS_ACCESS_RESPONSE = 0xda;
export const DLMS_DATA_NOTIFICATION = 0x0f;

const REQUEST_SPEC_TYPES = ['get', 'set', 'action', 'get-with-selection', 'set-with-selection'] as const;
const RESPONSE_SPEC_TYPES = ['get', 'set', 'action'] as const;
const APDU_TYPES = ['access-request', 'access-response', 'data-notification'] as const;

/** Shortest encoding of a request spec; a count larger than bytes-left / this is impossible. */
const MIN_SPEC_SIZE = 10;

/** "a-b:c.d.e.f" for the 6 OBIS bytes at `p`. */
export function obisTextAt(b: Uint8Array, p: number): string {
  return `${b[p]}-${b[p + 1]}:${b[p + 2]}.${b[p + 3]}.${b[p + 4]}.${b[p + 5]}`;
}

// ---------------------------------------------------------------------------------------------- decoding

function readDateTimeField(r: Reader): DlmsDateTime | null {
  const at = r.pos;
  const n = r.berLength('dlms.dateTime.length');
  if (n === 0) return null;
  if (n !== 12) r.fail('dlms.dateTime.length', `a date-time is 12 bytes or absent, not ${n}`, at);
  return readDlmsDateTime(r, 'dlms.dateTime');
}

function readCount(r: Reader, field: string, minItemSize: number): number {
  const at = r.pos;
  const n = r.berLength(field);
  if (n * minItemSize > r.remaining) r.fail(field, `${n} entries cannot fit in the ${r.remaining} bytes left`, at);
  return n;
}

function readRequestSpec(r: Reader): AccessRequestSpec {
  const at = r.pos;
  const tag = r.u8('dlms.spec.type');
  if (tag < 1 || tag > 5) {
    r.fail('dlms.spec.type', `unknown access-request-specification 0x${byteHex(tag)} (expected 01-05)`, at);
  }
  const classId = r.u16('dlms.spec.classId');
  r.need(6, 'dlms.spec.obis');
  const obisText = obisTextAt(r.buf, r.pos);
  const obis = r.hex(6, 'dlms.spec.obis');
  const id = r.u8(tag === 3 ? 'dlms.spec.method' : 'dlms.spec.attribute');
  switch (tag) {
    case 1:
      return { type: 'get', classId, obis, obisText, attribute: id };
    case 2:
      return { type: 'set', classId, obis, obisText, attribute: id };
    case 3:
      return { type: 'action', classId, obis, obisText, method: id };
    default: {
      const selector = r.u8('dlms.spec.selector');
      const parameters = readDlmsData(r);
      const type = tag === 4 ? 'get-with-selection' : 'set-with-selection';
      return { type, classId, obis, obisText, attribute: id, selector, parameters };
    }
  }
}

function readRequestSpecs(r: Reader): AccessRequestSpec[] {
  const n = readCount(r, 'dlms.specs.count', MIN_SPEC_SIZE);
  const specs: AccessRequestSpec[] = new Array(n);
  for (let i = 0; i < n; i++) specs[i] = readRequestSpec(r);
  return specs;
}

function readDataList(r: Reader): DlmsData[] {
  const n = readCount(r, 'dlms.data.count', 1);
  const data: DlmsData[] = new Array(n);
  for (let i = 0; i < n; i++) data[i] = readDlmsData(r);
  return data;
}

function readResponseSpecs(r: Reader): AccessResponseSpec[] {
  const n = readCount(r, 'dlms.results.count', 2);
  const results: AccessResponseSpec[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const tag = r.u8('dlms.result.type');
    if (tag < 1 || tag > 3) {
      r.fail('dlms.result.type', `unknown access-response-specification 0x${byteHex(tag)} (expected 01-03)`, at);
    }
    results[i] = { type: RESPONSE_SPEC_TYPES[tag - 1]!, result: r.u8('dlms.result.value') };
  }
  return results;
}

/**
 * Decode a DLMS APDU that fills `bytes` exactly. `base` is the absolute offset of bytes[0] in the whole
 * frame, so errors point into the frame.
 */
export function decodeDlms(bytes: Uint8Array, base: number): DlmsApdu {
  const r = new Reader(bytes, base);
  const tag = r.u8('dlms.apdu');
  let apdu: DlmsApdu;
  if (tag === DLMS_ACCESS_REQUEST) {
    const invokeIdAndPriority = r.u32('dlms.invokeIdAndPriority');
    const dateTime = readDateTimeField(r);
    const specs = readRequestSpecs(r);
    const data = readDataList(r);
    apdu = { type: 'access-request', invokeIdAndPriority, dateTime, specs, data };
  } else if (tag === DLMS_ACCESS_RESPONSE) {
    const invokeIdAndPriority = r.u32('dlms.invokeIdAndPriority');
    const dateTime = readDateTimeField(r);
    const at = r.pos;
    const present = r.u8('dlms.requestSpecs.present');
    if (present > 1) r.fail('dlms.requestSpecs.present', `OPTIONAL flag must be 00 or 01, not 0x${byteHex(present)}`, at);
    const requestSpecs = present === 1 ? readRequestSpecs(r) : null;
    const data = readDataList(r);
    const results = readResponseSpecs(r);
    apdu = { type: 'access-response', invokeIdAndPriority, dateTime, requestSpecs, data, results };
  } else if (tag === DLMS_DATA_NOTIFICATION) {
    const invokeIdAndPriority = r.u32('dlms.invokeIdAndPriority');
    const dateTime = readDateTimeField(r);
    const body = readDlmsData(r);
    apdu = { type: 'data-notification', invokeIdAndPriority, dateTime, body };
  } else {
    return r.fail(
      'dlms.apdu',
      `unknown DLMS APDU tag 0x${byteHex(tag)} (expected D9 access-request, DA access-response or 0F data-notification)`,
      0,
    );
  }
  r.expectEnd('dlms');
  return apdu;
}

// ---------------------------------------------------------------------------------------------- encoding

function writeDateTimeField(w: Writer, value: unknown, path: string): void {
  if (value === null || value === undefined) {
    w.u8(0);
    return;
  }
  w.u8(12);
  writeDlmsDateTime(w, value, path);
}

function writeRequestSpecs(w: Writer, value: unknown, path: string): void {
  const list = arr(value, path);
  w.berLength(list.length, path);
  for (let i = 0; i < list.length; i++) {
    try {
      writeRequestSpec(w, list[i], '');
    } catch (e) {
      throw underPath(e, `${path}[${i}]`);
    }
  }
}

function writeRequestSpec(w: Writer, value: unknown, p: string): void {
  const s = obj(value, p);
  const type = oneOf(s.type, `${p}.type`, REQUEST_SPEC_TYPES);
  w.u8(REQUEST_SPEC_TYPES.indexOf(type) + 1);
  w.u16(uint(s.classId, `${p}.classId`, 0xffff));
  w.bytes(hexBytes(s.obis, `${p}.obis`, 6));
  if (type === 'action') w.u8(uint(s.method, `${p}.method`, 0xff));
  else w.u8(uint(s.attribute, `${p}.attribute`, 0xff));
  if (type === 'get-with-selection' || type === 'set-with-selection') {
    w.u8(uint(s.selector, `${p}.selector`, 0xff));
    writeDlmsData(w, s.parameters, `${p}.parameters`);
  }
}

function writeDataList(w: Writer, value: unknown, path: string): void {
  const list = arr(value, path);
  w.berLength(list.length, path);
  for (let i = 0; i < list.length; i++) {
    try {
      writeDlmsData(w, list[i], '');
    } catch (e) {
      throw underPath(e, `${path}[${i}]`);
    }
  }
}

/** Encode a DLMS APDU from a decoded value or untrusted JSON (64-bit values may be decimal strings). */
export function encodeDlms(apdu: DlmsApdu | unknown, path = 'dlms'): Uint8Array {
  const v = obj(apdu, path);
  const type = oneOf(v.type, `${path}.type`, APDU_TYPES);
  const w = APDU.take();
  try {
    writeApdu(w, v, type, path);
    return w.toBytes();
  } finally {
    APDU.give(w);
  }
}

const APDU = new ScratchWriter(512);
const DATA = new ScratchWriter(256);

function writeApdu(w: Writer, v: Record<string, unknown>, type: (typeof APDU_TYPES)[number], path: string): void {
  const tag =
    type === 'access-request' ? DLMS_ACCESS_REQUEST : type === 'access-response' ? DLMS_ACCESS_RESPONSE : DLMS_DATA_NOTIFICATION;
  w.u8(tag);
  w.u32(uint(v.invokeIdAndPriority, `${path}.invokeIdAndPriority`, 0xffffffff));
  writeDateTimeField(w, v.dateTime, `${path}.dateTime`);
  switch (type) {
    case 'access-request':
      writeRequestSpecs(w, v.specs, `${path}.specs`);
      writeDataList(w, v.data, `${path}.data`);
      break;
    case 'access-response': {
      if (v.requestSpecs === null || v.requestSpecs === undefined) w.u8(0);
      else {
        w.u8(1);
        writeRequestSpecs(w, v.requestSpecs, `${path}.requestSpecs`);
      }
      writeDataList(w, v.data, `${path}.data`);
      const results = arr(v.results, `${path}.results`);
      w.berLength(results.length, `${path}.results`);
      for (let i = 0; i < results.length; i++) {
        const p = `${path}.results[${i}]`;
        const s = obj(results[i], p);
        const t = oneOf(s.type, `${p}.type`, RESPONSE_SPEC_TYPES);
        w.u8(RESPONSE_SPEC_TYPES.indexOf(t) + 1);
        w.u8(uint(s.result, `${p}.result`, 0xff));
      }
      break;
    }
    case 'data-notification':
      writeDlmsData(w, v.body, `${path}.body`);
      break;
  }
}

/** Decode one A-XDR Data value that fills `bytes` exactly (e.g. a decrypted protected-data plaintext). */
export function decodeDlmsData(bytes: Uint8Array, base = 0): DlmsData {
  const r = new Reader(bytes, base);
  const d = readDlmsData(r);
  r.expectEnd('data');
  return d;
}

/** Encode one A-XDR Data value (tag included); `data` may be untrusted JSON. */
export function encodeDlmsData(data: DlmsData | unknown, path = 'data'): Uint8Array {
  const w = DATA.take();
  try {
    writeDlmsData(w, data, path);
    return w.toBytes();
  } finally {
    DATA.give(w);
  }
}
