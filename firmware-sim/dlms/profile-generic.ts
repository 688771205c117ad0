import type { Hex } from '../../protocols/bytes.js';
import type { DlmsData } from '../../protocols/gbcs/dlms/index.js';
import { type Call, CosemObject, DAR, type Outcome, type Selection, fail, ok } from './cosem.js';
import { clone, describe, instantOf, items, num, u32 } from './data.js';

/*
 * COSEM class 7, Profile generic. Two kinds of buffer: captured (event logs and snapshots, appended as
 * things happen) and periodic (half-hour, daily and hourly profiles whose rows are a pure function of the
 * meter's energy history, so they are computed for whatever range is asked rather than stored). Rows a
 * conformance run seeds from the reference replace the device's own rows over the range they cover.
 */

export interface PeriodicSource {
  /** Capture period in seconds for the object's attribute 4 (0 when captures follow a calendar). */
  period(): number;
  /** Capture instants in [from, to] (device ms), oldest first, at most `limit` of the latest. */
  instants(from: number, to: number, limit: number): number[];
  /** The row captured at `t` (device ms), or undefined when the device has no data for it. */
  row(t: number): DlmsData | undefined;
}

/** Capture instants every `seconds` (aligned to the epoch) from `since`. */
export function everySeconds(seconds: () => number, since: () => number): Pick<PeriodicSource, 'period' | 'instants'> {
  return {
    period: seconds,
    instants: (from, to, limit) => {
      const p = Math.max(seconds(), 1) * 1000;
      const start = Math.max(from, since(), to - p * (limit - 1));
      const out: number[] = [];
      if (!Number.isFinite(start) || !Number.isFinite(to)) return out;
      for (let t = Math.ceil(start / p) * p; t <= to; t += p) out.push(t);
      return out;
    },
  };
}

interface Overlay {
  from: number;
  to: number;
  rows: DlmsData[];
}

export class ProfileGeneric extends CosemObject {
  private rows: DlmsData[] = [];
  private overlays: Overlay[] = [];
  private clearedAt = -Infinity;
  /** Whether buffers are sent as compact-arrays (GBCS logs are). */
  compact = true;

  constructor(
    obis: Hex,
    /** A typical row: types the compact-array description when a range holds no rows. */
    private template: DlmsData,
    readonly depth: number,
    private readonly source?: PeriodicSource,
    extra: Record<number, DlmsData> = {},
  ) {
    super(7, obis, { 4: u32(source ? source.period() : 0), 8: u32(depth), ...extra });
  }

  override value(attr: number, call?: Call): DlmsData | undefined {
    if (attr === 2) return this.buffer(-Infinity, Infinity, call ? call.now.getTime() : Infinity);
    if (attr === 7) return u32(this.rowsIn(-Infinity, Infinity, call ? call.now.getTime() : Infinity).length);
    return super.value(attr, call);
  }

  override get(attr: number, call: Call, selection?: Selection): Outcome {
    if (attr !== 2 || !selection) return super.get(attr, call, selection);
    const range = rangeOf(selection);
    if (!range) return fail(DAR.otherReason);
    return ok(this.buffer(range.from, range.to, call.now.getTime()));
  }

  override action(method: number, _param: DlmsData, call: Call): Outcome {
    if (method === 1) {
      this.clear(call.now.getTime());
      return ok();
    }
    if (method === 2) return ok();
    return fail(DAR.objectUndefined);
  }

  override seed(attr: number, value: DlmsData, selection?: Selection): void {
    if (attr !== 2) return super.seed(attr, value, selection);
    const rows = items(value);
    if (value.type === 'compact-array') this.compact = true;
    else if (value.type === 'array') this.compact = false;
    if (rows[0]) this.template = clone(rows[0]);
    const range = selection ? rangeOf(selection) : { from: -Infinity, to: Infinity };
    if (!range) return;
    // A later seed of the same range supersedes an earlier one.
    this.overlays = this.overlays.filter((o) => !(o.from >= range.from && o.to <= range.to));
    this.overlays.push({ from: range.from, to: range.to, rows: rows.map((r) => clone(r)) });
  }

  /** Append a captured row (event logs, billing snapshots), dropping the oldest beyond the depth. */
  capture(row: DlmsData): void {
    this.rows.push(clone(row));
    if (this.rows.length > this.depth) this.rows.splice(0, this.rows.length - this.depth);
  }

  clear(at: number): void {
    this.rows = [];
    this.overlays = [];
    this.clearedAt = at;
  }

  latest(now: number): DlmsData | undefined {
    return this.rowsIn(-Infinity, now, now).at(-1);
  }

  /** Rows with time stamps in [from, to], oldest first. */
  rowsIn(from: number, to: number, now: number): DlmsData[] {
    const lo = Math.max(from, this.clearedAt);
    const hi = Math.min(to, now);
    let base: DlmsData[] = [];
    if (this.source) {
      for (const t of this.source.instants(lo, hi, this.depth)) {
        const r = this.source.row(t);
        if (r) base.push(r);
      }
    } else {
      base = this.rows.filter((r) => inRange(r, lo, hi));
    }
    for (const o of this.overlays) {
      base = base.filter((r) => !inRange(r, o.from, o.to));
      base.push(...o.rows.filter((r) => inRange(r, lo, hi)).map((r) => clone(r)));
    }
    return base.sort((a, b) => (timeOf(a) ?? 0) - (timeOf(b) ?? 0));
  }

  private buffer(from: number, to: number, now: number): DlmsData {
    const rows = this.rowsIn(from, to, now);
    if (!this.compact) return { type: 'array', items: rows };
    return { type: 'compact-array', description: describe(rows[0] ?? this.template), rows };
  }
}

function timeOf(row: DlmsData): number | undefined {
  return instantOf(items(row)[0]);
}

function inRange(row: DlmsData, from: number, to: number): boolean {
  const t = timeOf(row);
  return t !== undefined && t >= from && t <= to;
}

/**
 * The time range a selection names: selector 1 is a range descriptor {restricting object, from, to,
 * selected values}; get_protected_attributes passes just {from, to}.
 */
export function rangeOf(selection: Selection): { from: number; to: number } | undefined {
  if (selection.selector !== 1) return undefined;
  const f = items(selection.parameters);
  const [a, b] = f.length >= 3 ? [f[1], f[2]] : [f[0], f[1]];
  const from = instantOf(a);
  const to = instantOf(b);
  if (from === undefined || to === undefined) return undefined;
  return { from, to };
}

/** Numeric column `i` of a row. */
export function column(row: DlmsData | undefined, i: number): number | undefined {
  return num(items(row)[i]);
}
