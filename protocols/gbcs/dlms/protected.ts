import { Reader, fromHex } from '../../bytes.js';
import { GBCS_TAG_LENGTH, readCipheredBlock } from '../ciphered.js';
import { decodeDlmsData } from './apdu.js';
import type { DlmsApdu, DlmsData, DlmsEncryptedPart } from './types.js';

/*
 * GBCS protected data (gbcs-framing §2.5) is found by shape, not by message code: a protection-parameters
 * array (each entry a structure {enum protection-type, structure options}) immediately followed, in the
 * same structure, array or list, by an octet-string whose first byte is a security control with both the
 * authentication and encryption bits set and which is long enough for header and tag. That covers the
 * get_protected_attributes result `02 02 {params, block}` and the ECS68 alert body `{code, time, params,
 * block}`. A lone octet-string that merely starts with 0x31 is never taken for ciphertext.
 */

const MIN_BLOCK_HEX = 2 * (5 + GBCS_TAG_LENGTH);

function isProtectionParameters(d: DlmsData): boolean {
  if (d.type !== 'array' || d.items.length === 0) return false;
  for (const e of d.items) {
    if (e.type !== 'structure' || e.items.length !== 2) return false;
    if (e.items[0]!.type !== 'enum' || e.items[1]!.type !== 'structure') return false;
  }
  return true;
}

function cipheredBytes(d: DlmsData): Uint8Array | undefined {
  if (d.type !== 'octet-string' || typeof d.hex !== 'string' || d.hex.length < MIN_BLOCK_HEX) return undefined;
  const sc = parseInt(d.hex.slice(0, 2), 16);
  if ((sc & 0x30) !== 0x30) return undefined;
  try {
    return fromHex(d.hex);
  } catch {
    return undefined;
  }
}

function scanList(items: DlmsData[], path: string, out: DlmsEncryptedPart[], depth: number): void {
  if (depth > 64) return;
  for (let i = 0; i < items.length; i++) {
    const d = items[i]!;
    if (i + 1 < items.length && isProtectionParameters(d)) {
      const bytes = cipheredBytes(items[i + 1]!);
      if (bytes) {
        const blockPath = `${path}[${i + 1}]`;
        out.push({
          path: blockPath,
          block: readCipheredBlock(new Reader(bytes), bytes.length, blockPath),
          parameters: d,
          decodePlaintext: (plain: Uint8Array) => decodeDlmsData(plain, 0),
        });
      }
    }
    scanValue(d, `${path}[${i}]`, out, depth + 1);
  }
}

function scanValue(d: DlmsData, path: string, out: DlmsEncryptedPart[], depth: number): void {
  if (d.type === 'array' || d.type === 'structure') scanList(d.items, `${path}.items`, out, depth);
  else if (d.type === 'compact-array') scanList(d.rows, `${path}.rows`, out, depth);
}

/**
 * Every protected-data block in a decoded APDU, in order. `path` names the ciphered octet-string (e.g.
 * `data[0].items[1]`, `body.items[3]`); `decodePlaintext` reads the decrypted bytes as one A-XDR Data value
 * (offsets in its errors count from the start of the plaintext).
 */
export function dlmsEncryptedParts(apdu: DlmsApdu): DlmsEncryptedPart[] {
  const out: DlmsEncryptedPart[] = [];
  switch (apdu.type) {
    case 'access-request':
    case 'access-response':
      scanList(apdu.data, 'data', out, 0);
      break;
    case 'data-notification':
      scanValue(apdu.body, 'body', out, 0);
      break;
  }
  return out;
}
