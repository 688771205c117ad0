import { fromHex, toHex } from '../../../protocols/bytes.js';
import { ZCL_STATUS, type ZclValue, findAttribute } from '../../../protocols/gbcs/gbz/index.js';
import type { Call, Handler, Outcome } from '../call.js';

/** ZCL text (string, or {hex} for bytes that are not UTF-8) as the hex of an octet-string attribute. */
export function textToOctets(v: ZclValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return toHex(new TextEncoder().encode(v));
  if (typeof v === 'object' && !Array.isArray(v) && typeof v.hex === 'string') return v.hex.toUpperCase();
  return '';
}

/** The inverse: octet-string hex back to text where it is printable. */
export function octetsToText(hex: ZclValue | undefined): ZclValue {
  if (typeof hex !== 'string' || hex.length === 0) return '';
  const b = fromHex(hex);
  return b.every((x) => x >= 0x20 && x < 0x7f) ? new TextDecoder().decode(b) : { hex };
}

/** Record of a Read Attributes Response for one attribute, or undefined if the encoder could not type it. */
function record(c: Call, id: number): Record<string, ZclValue> {
  const ans = c.s.attrs.read(c.comp.clusterId, id);
  if (!ans) return { id, status: ZCL_STATUS.unsupportedAttribute };
  if ('status' in ans) return { id, status: ans.status };
  const type = ans.type ?? findAttribute(c.comp.clusterId, id)?.type;
  if (type === undefined) return { id, status: ZCL_STATUS.unsupportedAttribute };
  return { id, status: 0, type, value: ans.value };
}

const readAttributes: Handler = (c) => {
  const refs = (c.f.attributes as Array<{ id: number }>) ?? [];
  const records = refs.map((r) => record(c, r.id));
  // A record the device could not read is a failure of the component (the rest of the command is not run);
  // an attribute it does not have is just reported as such.
  const failed = records.some((r) => r.status !== 0 && r.status !== ZCL_STATUS.unsupportedAttribute);
  return { replies: [{ command: 'readAttributesResponse', fields: { records } }], failed };
};

/** Remote configuration goes through the use-case commands; attributes are not writable directly. */
const writeAttributes: Handler = (c): Outcome => {
  const recs = (c.f.records as Array<{ id: number }>) ?? [];
  const statuses = recs.map((r) => ({
    status: c.s.attrs.read(c.comp.clusterId, r.id) ? ZCL_STATUS.readOnly : ZCL_STATUS.unsupportedAttribute,
    id: r.id,
  }));
  return { replies: [{ command: 'writeAttributesResponse', fields: { records: statuses.length ? statuses : [{ status: 0 }] } }], failed: statuses.length > 0 };
};

const discoverAttributes: Handler = (c) => {
  const start = typeof c.f.startAttributeId === 'number' ? c.f.startAttributeId : 0;
  const max = typeof c.f.maximumAttributeIds === 'number' ? c.f.maximumAttributeIds : 0;
  const found: Array<{ id: number; type: number }> = [];
  let complete = true;
  for (let id = start; id <= 0xffff; id++) {
    const ans = c.s.attrs.read(c.comp.clusterId, id);
    if (!ans) continue;
    const type = ('type' in ans ? ans.type : undefined) ?? findAttribute(c.comp.clusterId, id)?.type;
    if (type === undefined) continue;
    if (found.length >= max) {
      complete = false;
      break;
    }
    found.push({ id, type });
  }
  return { replies: [{ command: 'discoverAttributesResponse', fields: { discoveryComplete: complete, attributes: found } }] };
};

export const GENERAL_HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ['readAttributes', readAttributes],
  ['writeAttributes', writeAttributes],
  ['writeAttributesUndivided', writeAttributes],
  ['discoverAttributes', discoverAttributes],
]);
