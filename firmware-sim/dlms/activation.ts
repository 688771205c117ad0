import type { Hex } from '../../protocols/bytes.js';
import type { Eui64 } from '../../protocols/eui.js';
import type { DlmsData } from '../../protocols/gbcs/dlms/index.js';
import { obisHex } from './data.js';

/*
 * Future dating (GBCS "activation date-time"). A command writes passive values and then an activation
 * date-time; the device moves passive to active when that time comes, now (all-zero date-time), or never
 * (unspecified year: a pending activation is cancelled). Which passive attributes an activation date-time
 * governs is a property of the object model, described here as groups.
 */

export interface AttrRef {
  classId: number;
  obis: Hex;
  attr: number;
}

export const refKey = (r: AttrRef): string => `${r.classId}/${r.obis.toUpperCase()}/${r.attr}`;
export const ref = (classId: number, obisText: string, attr: number): AttrRef => ({ classId, obis: obisHex(obisText), attr });

export interface Transfer {
  from: AttrRef;
  to: AttrRef;
}

/** What one activation date-time attribute (the trigger) makes active. */
export interface ActivationGroup {
  trigger: AttrRef;
  transfers: Transfer[];
}

/** A scheduled activation, as the device's task queue holds it. */
export interface ActivationTask {
  id: number;
  trigger: AttrRef;
  /** When it is due, on the device's clock (ms). */
  at: number;
  values: Array<{ to: AttrRef; value: DlmsData }>;
  /** The command that set it up, named in the outcome alert. */
  messageCode: number;
  counter: bigint;
  originator: Eui64;
}

export const ACTIVATION_TASK = 'dlms/activation';

export class Activations {
  private readonly groups = new Map<string, ActivationGroup>();
  /** Attributes with no passive copy of their own: a write waits for the group's activation. */
  private readonly selfStaged = new Map<string, string>();
  private readonly staged = new Map<string, { ref: AttrRef; value: DlmsData }>();
  private readonly pending = new Map<string, number>();
  /** Passive attributes written since their group last activated: only those are made active. */
  private readonly dirty = new Set<string>();
  private readonly sources = new Set<string>();
  private nextId = 1;

  define(group: ActivationGroup): void {
    const k = refKey(group.trigger);
    const existing = this.groups.get(k);
    if (existing) existing.transfers.push(...group.transfers);
    else this.groups.set(k, { trigger: group.trigger, transfers: [...group.transfers] });
    for (const t of group.transfers) {
      this.sources.add(refKey(t.from));
      if (refKey(t.from) === refKey(t.to)) this.selfStaged.set(refKey(t.from), k);
    }
  }

  /** Note a write: a passive attribute written now will be part of its group's next activation. */
  written(r: AttrRef): void {
    if (this.sources.has(refKey(r))) this.dirty.add(refKey(r));
  }

  /** The transfers of `trigger`'s group whose passive side was written, and forget that they were. */
  takeWritten(trigger: AttrRef): Transfer[] {
    const g = this.group(trigger);
    if (!g) return [];
    const out = g.transfers.filter((t) => this.dirty.has(refKey(t.from)) || this.staged.has(refKey(t.from)));
    for (const t of g.transfers) this.dirty.delete(refKey(t.from));
    return out;
  }

  group(trigger: AttrRef): ActivationGroup | undefined {
    return this.groups.get(refKey(trigger));
  }

  isSelfStaged(r: AttrRef): boolean {
    return this.selfStaged.has(refKey(r));
  }

  stage(r: AttrRef, value: DlmsData): void {
    this.staged.set(refKey(r), { ref: r, value });
  }

  /** Forget that passive values were written (a cancelled activation). */
  forgetWritten(trigger: AttrRef): void {
    for (const t of this.group(trigger)?.transfers ?? []) this.dirty.delete(refKey(t.from));
  }

  stagedValue(r: AttrRef): DlmsData | undefined {
    return this.staged.get(refKey(r))?.value;
  }

  /** Drop staged writes that belong to `trigger`'s group (cancelled, or taken into an activation). */
  consumeStaged(trigger: AttrRef): void {
    const g = this.group(trigger);
    if (!g) return;
    for (const t of g.transfers) if (refKey(t.from) === refKey(t.to)) this.staged.delete(refKey(t.from));
  }

  /** Staged writes no activation claimed during the command: they take effect as plain writes. */
  takeUnclaimed(): Array<{ ref: AttrRef; value: DlmsData }> {
    const out = [...this.staged.values()];
    this.staged.clear();
    return out;
  }

  /** Register a pending activation for `trigger`, replacing any earlier one; returns its id. */
  arm(trigger: AttrRef): number {
    const id = this.nextId++;
    this.pending.set(refKey(trigger), id);
    return id;
  }

  cancel(trigger: AttrRef): boolean {
    return this.pending.delete(refKey(trigger));
  }

  /** Whether the task is still the pending activation of its trigger (not cancelled or superseded). */
  claim(task: ActivationTask): boolean {
    const k = refKey(task.trigger);
    if (this.pending.get(k) !== task.id) return false;
    this.pending.delete(k);
    return true;
  }

  pendingTriggers(): string[] {
    return [...this.pending.keys()];
  }
}
