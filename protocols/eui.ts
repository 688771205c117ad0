import { toHex } from './bytes.js';
import { GbcsEncodeError } from './errors.js';

declare const euiBrand: unique symbol;
/** An EUI-64 as 16 upper-case hex digits. Only `parseEui64` and `euiFromBytes` make one. */
export type Eui64 = string & { readonly [euiBrand]: true };

const EUI_RE = /^[0-9A-F]{16}$/;

/** Accepts `00-DB-12-34-56-78-90-A0`, `00:db:…`, `00DB1234567890A0` and lower case. */
export function parseEui64(text: unknown, path = 'eui'): Eui64 {
  if (typeof text !== 'string') throw new GbcsEncodeError(path, `expected an EUI-64 string, got ${JSON.stringify(text)}`);
  const clean = text.replace(/[-:\s]/g, '').toUpperCase();
  if (!EUI_RE.test(clean)) throw new GbcsEncodeError(path, `not an EUI-64 (16 hex digits): ${JSON.stringify(text)}`);
  return clean as Eui64;
}

export function isEui64(text: string): text is Eui64 {
  return EUI_RE.test(text);
}

export function euiFromBytes(b: Uint8Array): Eui64 {
  return toHex(b) as Eui64;
}

export function euiToBytes(e: Eui64): Uint8Array {
  return new Uint8Array(Buffer.from(e, 'hex'));
}

/** Display form with dashes, as DUIS and GBCS documents print EUIs. */
export function formatEui64(e: Eui64): string {
  return e.match(/../g)!.join('-');
}
