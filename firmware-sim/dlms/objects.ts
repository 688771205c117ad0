import type { Hex } from '../../protocols/bytes.js';
import type { Eui64 } from '../../protocols/eui.js';
import { encodeDlmsData, type DlmsData } from '../../protocols/gbcs/dlms/index.js';
import { cipheredOctets } from './alerts.js';
import { type Call, CosemObject, DAR, type Directory, type Outcome, type Selection, fail, ok } from './cosem.js';
import { arr, enm, hexOf, i8, items, num, obisHex, os, struct, u16 } from './data.js';

/*
 * COSEM objects whose behaviour is a few hooks on top of stored attributes: computed reads (registers from
 * the meter), writes with side effects (payment mode, supply state), methods, and how a reference reading
 * seeds the state behind a computed attribute. The catalogues (esme.ts, chf.ts) wire the hooks to the
 * device's domain state.
 */

export interface Hooks {
  /** Attributes computed on read. */
  read?: Record<number, (call?: Call) => DlmsData | undefined>;
  /** Attributes whose write does more than store: returns a Data-Access-Result after the type check. */
  write?: Record<number, (value: DlmsData, call?: Call) => number>;
  /** Side effects after a plain write was stored. */
  changed?: Record<number, (value: DlmsData, call?: Call) => void>;
  /** How a reference value of a computed attribute goes back into the state it is computed from. */
  absorb?: Record<number, (value: DlmsData, selection?: Selection) => void>;
  methods?: Record<number, (param: DlmsData, call: Call) => Outcome>;
  /** How what a method returned in the reference seeds state (a backup, a snapshot). */
  absorbMethod?: Record<number, (param: DlmsData, returned: DlmsData) => void>;
  readOnly?: number[];
}

export class Obj extends CosemObject {
  constructor(
    classId: number,
    obis: Hex,
    init: Record<number, DlmsData> = {},
    readonly hooks: Hooks = {},
  ) {
    super(classId, obis, init);
    for (const a of hooks.readOnly ?? []) this.readOnly.add(a);
  }

  override value(attr: number, call?: Call): DlmsData | undefined {
    const r = this.hooks.read?.[attr];
    return r ? r(call) : super.value(attr, call);
  }

  override store(attr: number, value: DlmsData, call?: Call): number {
    const w = this.hooks.write?.[attr];
    if (w) return w(value, call);
    const r = super.store(attr, value, call);
    this.hooks.changed?.[attr]?.(value, call);
    return r;
  }

  override action(method: number, param: DlmsData, call: Call): Outcome {
    const m = this.hooks.methods?.[method];
    return m ? m(param, call) : fail(DAR.objectUndefined);
  }

  override seed(attr: number, value: DlmsData, selection?: Selection): void {
    const a = this.hooks.absorb?.[attr];
    if (a) a(value, selection);
    else if (!this.hooks.read?.[attr]) {
      super.seed(attr, value, selection);
      this.hooks.changed?.[attr]?.(value);
    }
  }

  override seedAction(method: number, param: DlmsData, returned: DlmsData): void {
    this.hooks.absorbMethod?.[method]?.(param, returned);
  }
}

/** A reference to one attribute, as get_protected_attributes and capture objects name them. */
export interface AttributeDescriptor {
  classId: number;
  obis: Hex;
  attr: number;
}

export function descriptor(classId: number, obisText: string, attr: number): DlmsData {
  return struct(u16(classId), os(obisHex(obisText)), i8(attr), u16(0));
}

/**
 * COSEM class 30, Data protection: `get_protected_attributes` (method 1) reads the referenced attributes
 * (with their selective access) and returns them encrypted for the party the response goes to, wrapped
 * in the GBCS protection parameters (gbcs-framing §2.5). Attribute 2 lists what the object may protect.
 */
export class DataProtection extends CosemObject {
  constructor(
    obis: Hex,
    private readonly directory: Directory,
    private readonly deviceEui: Eui64,
    protects: AttributeDescriptor[],
  ) {
    super(30, obis, { 2: arr(protects.map((p) => struct(u16(p.classId), os(p.obis), i8(p.attr), u16(0)))) });
  }

  private allowed(d: AttributeDescriptor): boolean {
    const list = items(this.attrs.get(2));
    if (list.length === 0) return true;
    return list.some((e) => {
      const f = items(e);
      return num(f[0]) === d.classId && hexOf(f[1]) === d.obis.toUpperCase() && num(f[2]) === d.attr;
    });
  }

  override action(method: number, param: DlmsData, call: Call): Outcome {
    if (method !== 1) return fail(DAR.objectUndefined);
    const req = parseProtectedRequest(param);
    if (!req) return fail(DAR.typeUnmatched);
    if (!call.encrypt || !call.request) return fail(DAR.otherReason);
    // Only authenticated-and-encrypted (type 2) with agreed keys is defined for GBCS responses.
    if (req.protectionType !== 2) return fail(DAR.otherReason);
    const values: DlmsData[] = [];
    for (const r of req.refs) {
      if (!this.allowed(r)) return fail(DAR.readWriteDenied);
      const o = this.directory.find(r.classId, r.obis);
      if (!o) return fail(this.directory.anyAt(r.obis) ? DAR.objectClassInconsistent : DAR.objectUndefined);
      const got = o.get(r.attr, call, r.selection);
      if (got.result !== DAR.success || !got.data) return fail(got.result);
      values.push(got.data);
    }
    const block = call.encrypt(encodeDlmsData(struct(...values)));
    const params = arr([
      struct(enm(2), struct(os(req.transactionId), os(this.deviceEui), os(call.request.responseTarget), os(''), req.keyInfo)),
    ]);
    return ok(struct(params, cipheredOctets(block)));
  }

  override seedAction(_method: number, param: DlmsData, returned: DlmsData): void {
    const req = parseProtectedRequest(param);
    if (!req) return;
    const values = items(returned);
    req.refs.forEach((r, i) => {
      const v = values[i];
      if (v) this.directory.find(r.classId, r.obis)?.seed(r.attr, v, r.selection);
    });
  }
}

interface ProtectedRequest {
  refs: Array<AttributeDescriptor & { selection?: Selection }>;
  protectionType: number;
  transactionId: Hex;
  keyInfo: DlmsData;
}

/** {array of {class, obis, attribute, data index, {selector, parameters}}, array of protection parameters}. */
export function parseProtectedRequest(param: DlmsData): ProtectedRequest | undefined {
  if (param.type !== 'structure' || param.items.length !== 2) return undefined;
  const [refList, protection] = param.items as [DlmsData, DlmsData];
  if (refList.type !== 'array' || protection.type !== 'array') return undefined;
  const refs: ProtectedRequest['refs'] = [];
  for (const r of refList.items) {
    const f = items(r);
    const classId = num(f[0]);
    const obis = hexOf(f[1]);
    const attr = num(f[2]);
    if (classId === undefined || !obis || obis.length !== 12 || attr === undefined) return undefined;
    const access = items(f[4]);
    const selector = num(access[0]) ?? 0;
    refs.push(selector === 0 || !access[1] ? { classId, obis, attr } : { classId, obis, attr, selection: { selector, parameters: access[1] } });
  }
  const p = items(protection.items[0]);
  const opts = items(p[1]);
  const protectionType = num(p[0]);
  const transactionId = hexOf(opts[0]);
  if (protectionType === undefined || transactionId === undefined || !opts[4]) return undefined;
  return { refs, protectionType, transactionId, keyInfo: opts[4] };
}
