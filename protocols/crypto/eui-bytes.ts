/*
 * EUI-64 text (16 upper-case hex digits, the Eui64 form) written straight into a byte array: the KDF, IVs and
 * frame encoders do this several times per message, and going through Buffer.from(hex) plus a copy cost more
 * than the rest of the KDF input. Anything that is not exactly that form is refused (false), so callers keep
 * their own error paths and messages.
 */

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[65 + i] = 10 + i;

/** Writes the 8 bytes of `eui` at `out[at]`; false (nothing trustworthy written) unless it is 16 upper-case hex digits. */
export function writeEuiBytes(out: Uint8Array, at: number, eui: unknown): boolean {
  if (typeof eui !== 'string' || eui.length !== 16) return false;
  for (let i = 0; i < 8; i++) {
    const a = eui.charCodeAt(2 * i);
    const b = eui.charCodeAt(2 * i + 1);
    const hi = a < 128 ? NIBBLE[a]! : -1;
    const lo = b < 128 ? NIBBLE[b]! : -1;
    if ((hi | lo) < 0) return false;
    out[at + i] = (hi << 4) | lo;
  }
  return true;
}
