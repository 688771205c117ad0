import { type SetTimeCommand, formatGeneralizedTime, parseGeneralizedTime } from '../../protocols/gbcs/asn1/index.js';
import type { HandlerContext, HandlerResult, Request } from '../device.js';
import { type EngineCtx, asn1, respond } from './respond.js';

/** GCS28 deviceTimeStatus. */
export const TIME_STATUS = { reliable: 0, invalid: 1, unreliable: 2 } as const;

/**
 * GCS28 Set Clock on GSME. The command carries a window: the GSME takes the window's start as the time to
 * set when its own clock lies inside the window (the command is still current), and reports the time it
 * then keeps; outside the window it keeps its clock and says it cannot vouch for it. The GSME's clock is
 * the simulation clock plus `shared.clockOffsetMs`, which the gas side reads too.
 */
export function setClock(_req: Request, cmd: SetTimeCommand, ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  if (eng.env.kind !== 'gsme') return { ignore: `GCS28 sets a GSME clock; this is a ${eng.env.kind}` };
  const shared = eng.env.shared;
  const deviceNow = new Date(ctx.now.getTime() + shared.clockOffsetMs);
  const start = parseGeneralizedTime(cmd.validityIntervalStart);
  const end = parseGeneralizedTime(cmd.validityIntervalEnd);
  const answer = (t: Date, status: number) => respond(asn1('SetTimeResponse', { deviceTime: formatGeneralizedTime(t), deviceTimeStatus: status }));
  if (!start || !end || start.getTime() > end.getTime()) return answer(deviceNow, TIME_STATUS.invalid);
  if (deviceNow.getTime() < start.getTime() || deviceNow.getTime() > end.getTime()) return answer(deviceNow, TIME_STATUS.unreliable);
  shared.clockOffsetMs = start.getTime() - ctx.now.getTime();
  return answer(start, TIME_STATUS.reliable);
}
