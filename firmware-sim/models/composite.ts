import type { GbcsFrame } from '../../protocols/gbcs/frame.js';
import type { Payload, PayloadFamily } from '../../protocols/gbcs/payload.js';
import type { DeviceKind, DeviceModel, HandlerContext, HandlerResult, Request, ScheduledTask, TickContext } from '../device.js';

/** A decoded frame of the signing kinds (commands, responses, alerts). */
export type SigningFrame = Exclude<GbcsFrame, { kind: 'gbt' }>;

/**
 * What a conformance run knows about one exchange before the command is sent: the command and the response
 * the reference says the device gave, with its encrypted parts already decrypted (in order). Engines use it
 * to seed measured values and injected faults, never to copy bytes.
 */
export interface Exchange {
  command: SigningFrame;
  expected: SigningFrame;
  decrypted: unknown[];
}

/** The use cases of one payload family (DLMS, GBZ or ASN.1) on one device. */
export interface FamilyEngine {
  handle(req: Request, ctx: HandlerContext): HandlerResult;
  seed?(exchange: Exchange): void;
  runTask?(task: ScheduledTask, ctx: TickContext): boolean;
  tick?(ctx: TickContext): void;
  /**
   * Drive the device's state so it raises the alert the reference shows (a supply outage, a local top-up …);
   * returns false when the engine has no such event.
   */
  conformanceEvent?(alert: SigningFrame, decrypted: unknown[], ctx: TickContext): boolean;
}

/**
 * A device model made of one engine per payload family; the command's payload family picks the engine.
 * `alerts` says which family the device's own alerts use (DLMS for ESME and CHF, GBZ for gas devices).
 */
export class CompositeModel implements DeviceModel {
  constructor(
    readonly kind: DeviceKind,
    private readonly engines: Partial<Record<PayloadFamily, FamilyEngine>>,
    private readonly alerts: { genericAlert(alertCode: number, counter: bigint, at: Date): Payload },
  ) {}

  engine(family: PayloadFamily): FamilyEngine | undefined {
    return this.engines[family];
  }

  handle(req: Request, ctx: HandlerContext): HandlerResult {
    const e = this.engines[req.payload.family];
    if (!e) return { ignore: `a ${this.kind} does not take ${req.payload.family.toUpperCase()} commands` };
    return e.handle(req, ctx);
  }

  genericAlert(alertCode: number, counter: bigint, at: Date): Payload {
    return this.alerts.genericAlert(alertCode, counter, at);
  }

  seed(exchange: Exchange): void {
    this.engines[exchange.command.payload.family]?.seed?.(exchange);
  }

  runTask(task: ScheduledTask, ctx: TickContext): void {
    for (const e of Object.values(this.engines)) if (e.runTask?.(task, ctx)) return;
  }

  tick(ctx: TickContext): void {
    for (const e of Object.values(this.engines)) e.tick?.(ctx);
  }

  conformanceEvent(alert: SigningFrame, decrypted: unknown[], ctx: TickContext): boolean {
    const first = this.engines[alert.payload.family];
    if (first?.conformanceEvent?.(alert, decrypted, ctx)) return true;
    return Object.values(this.engines).some((e) => e !== first && e.conformanceEvent?.(alert, decrypted, ctx));
  }
}
