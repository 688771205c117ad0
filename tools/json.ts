import { toHex } from '../protocols/bytes.js';

/**
 * JSON form of decoded values: bigint becomes a decimal string (encoders accept that back), Uint8Array
 * becomes upper-case hex. Everything else is already plain data.
 */
export function toJsonText(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return toHex(v);
      return v;
    },
    indent,
  );
}
