import { expect } from 'vitest';
import { GbcsDecodeError, GbcsEncodeError } from '../protocols/errors.js';

function expectThrown<E extends Error>(type: new (...args: never[]) => E, f: () => unknown): E {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error(`expected a ${type.name}`);
}

export const expectDecodeError = (f: () => unknown): GbcsDecodeError => expectThrown(GbcsDecodeError, f);
export const expectEncodeError = (f: () => unknown): GbcsEncodeError => expectThrown(GbcsEncodeError, f);

/** JSON as a user file would carry it: bigint as decimal strings. */
export function viaJson(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
}
