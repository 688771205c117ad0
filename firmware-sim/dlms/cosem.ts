import type { Hex } from '../../protocols/bytes.js';
import type { Eui64 } from '../../protocols/eui.js';
import type { CipheredBlock } from '../../protocols/gbcs/ciphered.js';
import type { DlmsData } from '../../protocols/gbcs/dlms/index.js';
import type { GroupingHeader } from '../../protocols/gbcs/frame.js';
import type { AlertSpec, Device, ScheduledTask } from '../device.js';
import type { Rng } from '../rng.js';
import { clone, os, sameType } from './data.js';

/** Data-Access-Result / Action-Result values (the two share the codes the device uses). */
export const DAR = {
  success: 0,
  hardwareFault: 1,
  temporaryFailure: 2,
  readWriteDenied: 3,
  objectUndefined: 4,
  objectClassInconsistent: 9,
  objectUnavailable: 11,
  typeUnmatched: 12,
  scopeOfAccessViolated: 13,
  otherReason: 250,
} as const;

/** The command being served, for objects whose effect outlives it (future-dated outcomes name it). */
export interface RequestInfo {
  messageCode: number;
  counter: bigint;
  originator: Eui64;
  /** The party the response goes to (the header's originator; for an ACB relay, the ACB). */
  responseTarget: Eui64;
  role: number | undefined;
  header: GroupingHeader;
}

/** What an object may use while it runs: time, randomness, alerts, scheduling and the device's keys. */
export interface Call {
  /** The device's own clock (simulation time plus the offset ECS70 may have set). */
  readonly now: Date;
  readonly rng: Rng;
  readonly device: Device;
  readonly request?: RequestInfo;
  alert(spec: AlertSpec): void;
  schedule(at: Date, task: ScheduledTask): void;
  /** Encrypt for this command's response; absent outside a command. */
  encrypt?(plaintext: Uint8Array): CipheredBlock;
}

export interface Outcome {
  result: number;
  data?: DlmsData;
}

export const ok = (data?: DlmsData): Outcome => (data ? { result: DAR.success, data } : { result: DAR.success });
export const fail = (result: number): Outcome => ({ result });

/** Selective access as a request gives it (selector 1 = range descriptor). */
export interface Selection {
  selector: number;
  parameters: DlmsData;
}

export const objectKey = (classId: number, obis: Hex): string => `${classId}/${obis.toUpperCase()}`;

/**
 * One COSEM object: its attributes as Data (the object's state) and the behaviour of its interface class.
 * Subclasses override `get`/`set`/`action` for attributes computed from the meter and for methods; plain
 * attributes live in `attrs` and are type-checked on write against what they hold.
 */
/*
 * An ESME holds ~180 COSEM objects, and a Map and a Set per object cost more than the few attributes they
 * index. Attribute ids are small integers, so an array and a bit mask do the same job in less memory.
 */
class AttrTable {
  private readonly v: Array<DlmsData | undefined> = [];
  get(attr: number): DlmsData | undefined {
    return this.v[attr];
  }
  set(attr: number, value: DlmsData): this {
    if (!Number.isInteger(attr) || attr < 0 || attr > 255) throw new RangeError(`COSEM attribute id ${attr} is not 0..255`);
    this.v[attr] = value;
    return this;
  }
  has(attr: number): boolean {
    return this.v[attr] !== undefined;
  }
}

/** Attribute ids (0..255) as bits; most objects' read-only set is just {1}. */
class AttrSet {
  private bits = 0;
  private high: Set<number> | undefined;
  constructor(...ids: number[]) {
    for (const id of ids) this.add(id);
  }
  add(id: number): this {
    if (id >= 0 && id < 31) this.bits |= 1 << id;
    else (this.high ??= new Set()).add(id);
    return this;
  }
  has(id: number): boolean {
    return id >= 0 && id < 31 ? (this.bits & (1 << id)) !== 0 : (this.high?.has(id) ?? false);
  }
}

export class CosemObject {
  readonly attrs = new AttrTable();
  /** Attributes a remote party may not write. */
  protected readonly readOnly = new AttrSet(1);

  constructor(
    readonly classId: number,
    readonly obis: Hex,
    init: Record<number, DlmsData> = {},
  ) {
    this.attrs.set(1, os(obis));
    for (const [k, v] of Object.entries(init)) this.attrs.set(Number(k), v);
  }

  get key(): string {
    return objectKey(this.classId, this.obis);
  }

  get(attr: number, call: Call, selection?: Selection): Outcome {
    if (selection) return fail(DAR.scopeOfAccessViolated);
    const v = this.value(attr, call);
    return v ? ok(clone(v)) : fail(DAR.objectUndefined);
  }

  /** The attribute's current value, or undefined when the object has no such attribute. */
  value(attr: number, _call?: Call): DlmsData | undefined {
    return this.attrs.get(attr);
  }

  set(attr: number, value: DlmsData, call: Call): number {
    const current = this.value(attr, call);
    if (current === undefined) return DAR.objectUndefined;
    if (this.readOnly.has(attr)) return DAR.readWriteDenied;
    if (!sameType(current, value)) return DAR.typeUnmatched;
    return this.store(attr, value, call);
  }

  /** Write an attribute after the checks (objects with side effects override this); a Data-Access-Result. */
  store(attr: number, value: DlmsData, _call?: Call): number {
    this.attrs.set(attr, clone(value));
    return DAR.success;
  }

  action(_method: number, _param: DlmsData, _call: Call): Outcome {
    return fail(DAR.objectUndefined);
  }

  /**
   * Put a value the reference device reported into this object's state (conformance seeding): a reading,
   * a log excerpt, a configuration value. Computed attributes turn it back into the state they derive from.
   */
  seed(attr: number, value: DlmsData, _selection?: Selection): void {
    if (attr !== 1) this.attrs.set(attr, clone(value));
  }

  /** Like `seed`, for what a method returned (CCS07's device-log backup). */
  seedAction(_method: number, _param: DlmsData, _returned: DlmsData): void {}
}

/** The device's objects by (class id, OBIS). */
export class Directory {
  private readonly objects = new Map<string, CosemObject>();
  /** The same objects by class id, then upper-case OBIS: a lookup per access without building a key string. */
  private readonly byClass = new Map<number, Map<Hex, CosemObject>>();

  add<T extends CosemObject>(o: T): T {
    this.objects.set(o.key, o);
    let m = this.byClass.get(o.classId);
    if (!m) this.byClass.set(o.classId, (m = new Map()));
    m.set(o.obis.toUpperCase(), o);
    return o;
  }

  find(classId: number, obis: Hex): CosemObject | undefined {
    const m = this.byClass.get(classId);
    if (!m) return undefined;
    return m.get(obis) ?? m.get(obis.toUpperCase());
  }

  /** The object at this OBIS whatever its class (to tell object-undefined from class-inconsistent). */
  anyAt(obis: Hex): CosemObject | undefined {
    const o = obis.toUpperCase();
    for (const x of this.objects.values()) if (x.obis === o) return x;
    return undefined;
  }

  all(): CosemObject[] {
    return [...this.objects.values()];
  }
}
