import type { KeyObject } from 'node:crypto';
import { concatBytes, toHex } from '../bytes.js';
import { encryptPayload, ecdsaSign } from '../crypto/index.js';
import { euiToBytes } from '../eui.js';
import { writeEuiBytes } from '../crypto/eui-bytes.js';
import type { CipheredBlock } from './ciphered.js';
import { type GroupingHeader, encodeGeneralSigning, wrapCiphered } from './frame.js';
import type { Payload } from './payload.js';
import { encryptionKey, macOfGeneralSigning } from './security.js';

/*
 * Building protected frames: the inverse of security.ts. A General-Signing APDU is encoded with a null
 * signature field, signed over [1, end of payload) if a DS key is given, then MAC'd and wrapped in the
 * General-Ciphering header if a shared secret is given.
 */

export interface SealOptions {
  /** Business originator's DS private key: makes the frame signed (critical). */
  sign?: KeyObject;
  /** RFC 6979 signatures, so a simulation replays byte for byte (default true). */
  deterministic?: boolean;
  /** ECDH shared secret of the MAC's two parties: makes the frame a MAC'd `DD` frame. */
  macSecret?: Uint8Array;
  /** Leave the signature field out entirely (RTDS pre-commands). Only without `sign` and `macSecret`. */
  omitSignatureField?: boolean;
}

export function sealFrame(header: GroupingHeader, payload: Payload, opts: SealOptions = {}): Uint8Array {
  let gs = encodeGeneralSigning({ header, payload, signature: { kind: 'none' } });
  // The encoder wrote a trailing 00 (null signature field); everything before it is DF ‖ header ‖ payload.
  const body = gs.subarray(0, gs.length - 1);
  if (opts.sign) {
    const rs = ecdsaSign(opts.sign, body.subarray(1), { deterministic: opts.deterministic ?? true });
    gs = concatBytes(body, new Uint8Array([0x40]), rs);
  } else if (opts.omitSignatureField && !opts.macSecret) {
    return body.slice();
  }
  if (!opts.macSecret) return gs;
  // Keyed from the header fields as just encoded in `gs` (what macKey(secret, header) derives from).
  return wrapCiphered(gs, macOfGeneralSigning(opts.macSecret, gs));
}

/**
 * Encrypt a payload part for a frame with this header (KDF mode 4, IV = originator ‖ invocation counter,
 * AAD = security control byte 0x31). `secret` is ECDH(originator KA, recipient KA).
 */
export function encryptPart(secret: Uint8Array, header: GroupingHeader, plaintext: Uint8Array, invocationCounter = 0): CipheredBlock {
  const key = encryptionKey(secret, header);
  const iv = new Uint8Array(12);
  if (!writeEuiBytes(iv, 0, header.originator)) iv.set(euiToBytes(header.originator), 0);
  new DataView(iv.buffer).setUint32(8, invocationCounter >>> 0);
  const { ciphertext, tag } = encryptPayload(key, iv, plaintext);
  return { securityControl: 0x31, invocationCounter, ciphertext: toHex(ciphertext), tag: toHex(tag) };
}
