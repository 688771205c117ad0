import type { Eui64 } from '../../protocols/eui.js';
import type { GbzComponent, UtcTime, ZclValue } from '../../protocols/gbcs/gbz/index.js';
import type { Request } from '../device.js';
import type { Ctx, GbzCore } from './core.js';
import type { GbzState } from './state.js';

/** A reply component a handler asks for (the engine sets cluster, sequence number and frame control). */
export interface Reply {
  command: string;
  fields: Record<string, unknown>;
}

/**
 * What one command component came to: a status (sent as a Default Response), or replies. `failed` marks
 * replies that report a failure (a Read Attributes record the device could not read), which ends the
 * processing of the remaining components like a failing status does.
 */
export type Outcome = { status: number } | { replies: Reply[]; failed?: boolean };

export interface CommandInfo {
  messageCode: number;
  counter: bigint;
  /** Who outcome alerts go to: the remote party the command came from (or the ACB relayed for). */
  replyTo: Eui64;
  /** ZCL frame control of the command's first component: RTDS GSMEs quote it in 8F66/8F67 alerts. */
  firstFrameControl: number;
  /** Sent by a HAN device (PPMID) rather than over the WAN. */
  han: boolean;
  request?: Request;
}

/** One command component being handled. */
export interface Call {
  core: GbzCore;
  s: GbzState;
  ctx: Ctx;
  now: Date;
  comp: GbzComponent;
  name: string;
  f: Record<string, ZclValue>;
  cmd: CommandInfo;
  /** The whole command, for components that refer to their siblings (calendar type of a get). */
  siblings: readonly GbzComponent[];
  /** Scratch shared by the components of one command (a calendar being published piece by piece). */
  scope: Map<string, unknown>;
  /**
   * Do `apply` at the time the command gives (the component's from-date-time, else `when`): now, later
   * (future-dated, superseding pending work of the same kind), or never (cancellation of `kind`).
   */
  effect(kind: string, when: UtcTime | undefined, apply: () => number): number;
  /** Status of a fault the device has on what this component addresses (see `reportsOwnFault`). */
  fault?: number;
}

export interface Handler {
  (c: Call): Outcome;
  /** The handler reports a fault in its own reply; otherwise a fault becomes a Default Response status. */
  reportsOwnFault?: boolean;
}

export function status(code: number): Outcome {
  return { status: code };
}

/** A UtcTime field of a decoded command (ISO text or a sentinel number). */
export function time(v: ZclValue | undefined): UtcTime | undefined {
  return typeof v === 'string' || typeof v === 'number' ? v : undefined;
}

export function num(v: ZclValue | undefined, fallback = 0): number {
  return typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : fallback;
}

/** A reply of one component. */
export function reply(command: string, fields: Record<string, unknown>): Outcome {
  return { replies: [{ command, fields }] };
}

/**
 * The common "publish a setting" command: when it takes effect (see `Call.effect`), each attribute of
 * `cluster` takes the numeric value of its command field (`attribute: field`).
 */
export function setFromFields(c: Call, kind: string, when: UtcTime | undefined, cluster: number, fields: Record<string, string>): Outcome {
  return status(
    c.effect(kind, when, () => {
      for (const [attribute, field] of Object.entries(fields)) c.s.attrs.set(cluster, attribute, num(c.f[field]));
      return 0;
    }),
  );
}
