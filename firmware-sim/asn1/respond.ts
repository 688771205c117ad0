import type { Asn1SchemaName, Asn1Schemas } from '../../protocols/gbcs/asn1/index.js';
import { encodeAsn1Payload } from '../../protocols/gbcs/asn1/index.js';
import { GbcsEncodeError } from '../../protocols/errors.js';
import type { Payload } from '../../protocols/gbcs/payload.js';
import { GCA, type HandlerContext, type HandlerResult, type Request, type TickContext } from '../device.js';
import { ROLE } from '../trust.js';
import type { EngineEnv } from '../shared.js';
import type { Asn1State } from './state.js';

/** What every handler gets besides the request. */
export interface EngineCtx {
  env: EngineEnv;
  state: Asn1State;
}

/**
 * A typed ASN.1 payload. `twoOctet` repeats how RTDS devices write the lengths of their CS02a/b/g answers
 * (`82 hh ll` for every length from 128), which is part of what a head-end sees on the wire.
 */
export function asn1<K extends Asn1SchemaName>(schema: K, value: Asn1Schemas[K], lengthForm?: 'twoOctet'): Payload {
  return { family: 'asn1', asn1: (lengthForm ? { schema, value, lengthForm } : { schema, value }) as never };
}

/**
 * The answer to a command, checked to encode: a handler bug must come out as a refused command, never as an
 * exception thrown out of the device while it seals the response.
 */
export function respond(payload: Payload): HandlerResult {
  if (payload.family === 'asn1') {
    try {
      encodeAsn1Payload(payload.asn1);
    } catch (e) {
      if (e instanceof GbcsEncodeError) return { ignore: `response does not encode: ${e.message}` };
      throw e;
    }
  }
  return { payload };
}

/**
 * Refuses a command the way the security gate does: no response, and a signed generic alert to the
 * originator when the device trusts it, else to the supplier.
 */
export function refuse(req: Request, ctx: HandlerContext | TickContext, alertCode: number, reason: string): HandlerResult {
  const trust = ctx.device.trust;
  const originator = req.header.originator;
  const to = trust.roleOf(originator) !== undefined ? originator : trust.partyFor(ROLE.supplier) ? ROLE.supplier : undefined;
  if (to !== undefined) {
    const model = ctx.device.model;
    ctx.alert({ messageCode: GCA, alertCode, to, critical: true, payload: (counter, at) => model.genericAlert(alertCode, counter, at) });
  }
  return { ignore: reason };
}
