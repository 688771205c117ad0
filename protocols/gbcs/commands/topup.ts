import { makeUtrn } from '../../crypto/index.js';
import type { Params } from './params.js';
import type { BuildContext } from './types.js';

/** A top-up token: the UTRN given, or one made from value/valueClass with the supplier's PP key. */
export function utrnParam(p: Params, ctx: BuildContext): string {
  if (p.has('utrn')) {
    if (p.has('value')) p.fail('value', 'give either utrn or value, not both');
    return p.str('utrn', { pattern: /^\d{20}$/, what: '20 decimal digits' });
  }
  const value = p.int('value', { max: 8191 });
  const valueClass = p.oneOf('valueClass', ['pennies', 'pounds'] as const, 'pennies');
  if (!ctx.topUpKey) p.fail('value', 'making a UTRN needs the supplier prepayment (pp-ka) private key; pass utrn instead');
  if ((ctx.counter & 0xffffffffn) !== 0n) {
    p.fail('value', `the top-up counter 0x${ctx.counter.toString(16)} has non-zero low 32 bits (top-ups use counters n << 32)`);
  }
  return makeUtrn({ key: ctx.topUpKey, supplier: ctx.originator, device: ctx.target, counter: ctx.counter, value, valueClass });
}
