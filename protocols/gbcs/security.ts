import type { KeyObject } from 'node:crypto';
import { type Hex, fromHex, toHex } from '../bytes.js';
import { GbcsDecodeError } from '../errors.js';
import { type Eui64, euiToBytes } from '../eui.js';
import { KeyAgreementCache, type Keystore, decryptPayload, deriveKey, deriveKeyRaw, ecdsaVerify, gmac, gmacVerify } from '../crypto/index.js';
import { gmacParts } from '../crypto/gmac.js';
import { type Cra, type FrameLayout, type GbcsFrame, type GroupingHeader, CRA_FLAG, MAC_LENGTH } from './frame.js';
import { payloadEncryptedParts } from './payload.js';
import { writeEuiBytes } from '../crypto/eui-bytes.js';

/*
 * How GBCS applies the crypto primitives to a frame (gbcs-framing §2.3-2.6):
 * - MAC: GMAC with a per-message key from ECDH(KA, KA) + KDF(PartyU = originator, mode = CRA, counter, PartyV =
 *   target); IV = originator ‖ invocation counter; AAD = security control ‖ five zero bytes ‖ the whole
 *   General-Signing APDU. Commands are MAC'd by the ACB's KA key even when a supplier originates them.
 * - Signature: ECDSA over the General-Signing APDU without its DF tag, up to the end of the payload.
 * - Encryption: KDF mode 4, PartyV = supplementary remote party if present, counter = supplementary originator
 *   counter if present; AAD = the security control byte.
 */

export type CheckResult =
  | { status: 'valid' }
  | { status: 'invalid'; reason: string }
  | { status: 'absent' }
  | { status: 'unverifiable'; reason: string };

export interface DecryptedPart {
  path: string;
  status: 'decrypted' | 'invalid' | 'unverifiable';
  reason?: string;
  plaintext?: Hex;
  value?: unknown;
}

export interface SecurityReport {
  mac: CheckResult;
  signature: CheckResult;
  decrypted: DecryptedPart[];
}

export interface SecurityContext {
  keystore: Keystore;
  cache: KeyAgreementCache;
  /** The access control broker; defaults to the keystore's role-04 organisation. */
  acb?: Eui64;
}

export function createSecurityContext(keystore: Keystore, acb?: Eui64): SecurityContext {
  return { keystore, cache: new KeyAgreementCache(), acb };
}

function ivFor(originator: Eui64, invocationCounter: number): Uint8Array {
  const iv = new Uint8Array(12);
  if (!writeEuiBytes(iv, 0, originator)) iv.set(euiToBytes(originator), 0);
  new DataView(iv.buffer).setUint32(8, invocationCounter >>> 0);
  return iv;
}

/** A device EUI in a keystore: it has certificates but no organisation role. */
function isDevice(ks: Keystore, eui: Eui64): boolean {
  return ks.role(eui) === undefined && ks.publicKey(eui, 'ka') !== undefined;
}

/**
 * The two parties whose KA keys key a frame's MAC. Commands from organisations are MAC'd by the ACB
 * against the target; HAN-originated commands (PPMID/HCALCS → meter) by the two devices themselves.
 */
export function macParties(h: GroupingHeader, ctx: SecurityContext): { a: Eui64; b: Eui64 } | { error: string } {
  if (h.cra !== 'command') return { a: h.originator, b: h.target };
  if (isDevice(ctx.keystore, h.originator)) return { a: h.originator, b: h.target };
  const acb = ctx.acb ?? ctx.keystore.acb();
  if (!acb) return { error: 'no access control broker (role 04) in the keystore' };
  return { a: acb, b: h.target };
}

/** Shared secret between two parties when the keystore holds either side's KA private key. */
export function sharedSecret(ctx: SecurityContext, a: Eui64, b: Eui64, usage: 'ka' | 'pp-ka' = 'ka'): Uint8Array | string {
  const ks = ctx.keystore;
  const privA = ks.privateKey(a, usage);
  const pubB = ks.publicKey(b, 'ka');
  if (privA && pubB) return ctx.cache.sharedSecret(privA, pubB);
  const privB = ks.privateKey(b, 'ka');
  const pubA = ks.publicKey(a, usage);
  if (privB && pubA) return ctx.cache.sharedSecret(privB, pubA);
  if (!pubA || !pubB) return `no KA certificate for ${[pubA ? '' : a, pubB ? '' : b].filter(Boolean).join(', ')}`;
  return `no KA private key for ${a} or ${b}`;
}

export function macKey(z: Uint8Array, h: Pick<GroupingHeader, 'originator' | 'target' | 'cra' | 'counter'>): Uint8Array {
  return deriveKey(z, { partyU: h.originator, mode: CRA_FLAG[h.cra] as 1 | 2 | 3, counter: h.counter, partyV: h.target });
}

/** MAC over a General-Signing APDU, as it is placed in a `DD` frame. */
export function computeMac(
  key: Uint8Array,
  gs: Uint8Array,
  originator: Eui64,
  securityControl = 0x11,
  invocationCounter = 0,
): Uint8Array {
  return gmac(key, ivFor(originator, invocationCounter), macAad(securityControl, gs), MAC_LENGTH);
}

/** security control ‖ five zero bytes ‖ the General-Signing APDU, in one allocation. */
function macAad(securityControl: number, gs: Uint8Array): Uint8Array {
  const aad = new Uint8Array(6 + gs.length);
  aad[0] = securityControl;
  aad.set(gs, 6);
  return aad;
}

/**
 * The MAC of a General-Signing APDU `gs` keyed from `z`: the KDF's PartyU, transaction id and PartyV are read
 * from the APDU's own header bytes (what `macKey` would encode from the decoded header), IV = originator ‖
 * invocation counter.
 */
export function macOfGeneralSigning(z: Uint8Array, gs: Uint8Array, securityControl = 0x11, invocationCounter = 0): Uint8Array {
  const originator = gs.subarray(GS_ORIGINATOR, GS_ORIGINATOR + 8);
  const key = deriveKeyRaw(z, originator, gs.subarray(GS_TX, GS_TX + 10), gs.subarray(GS_TARGET, GS_TARGET + 8));
  const iv = new Uint8Array(12);
  for (let i = 0; i < 8; i++) iv[i] = gs[GS_ORIGINATOR + i]!;
  iv[8] = invocationCounter >>> 24;
  iv[9] = invocationCounter >>> 16;
  iv[10] = invocationCounter >>> 8;
  iv[11] = invocationCounter;
  // AAD = security control ‖ five zero bytes ‖ the APDU, authenticated in two parts (no copy of the APDU).
  const prefix = new Uint8Array(6);
  prefix[0] = securityControl;
  return gmacParts(key, iv, [prefix, gs], MAC_LENGTH);
}

/** Whether the MAC of a decoded `ciphered` frame verifies with `z` (the frame's own bytes, no re-encoding). */
export function macVerifies(z: Uint8Array, bytes: Uint8Array, layout: FrameLayout, securityControl: number, invocationCounter: number): boolean {
  if (layout.macStart < 0) return false;
  const mac = macOfGeneralSigning(z, bytes.subarray(layout.gsStart, layout.gsEnd), securityControl, invocationCounter);
  const given = bytes.subarray(layout.macStart, layout.macStart + MAC_LENGTH);
  if (given.length !== mac.length) return false;
  let d = 0;
  for (let i = 0; i < mac.length; i++) d |= mac[i]! ^ given[i]!;
  return d === 0;
}

/** The bytes a GBCS signature covers: General-Signing APDU minus the DF tag, through the end of the payload. */
export function signedBytes(bytes: Uint8Array, layout: FrameLayout): Uint8Array {
  return bytes.subarray(layout.gsStart + 1, layout.payloadEnd);
}

/*
 * Offsets inside a General-Signing APDU (from its DF tag): transaction-id element `09 CRA counter` at 1-10,
 * originator at 12-19, target at 21-28. The MAC and signature checks read these bytes straight from the
 * frame; they are exactly the KDF's PartyU, PartyV prefix and PartyV.
 */
const GS_TX = 1;
const GS_ORIGINATOR = 12;
const GS_TARGET = 21;

function checkMac(bytes: Uint8Array, frame: GbcsFrame, layout: FrameLayout, ctx: SecurityContext): CheckResult {
  if (frame.kind !== 'ciphered') return { status: 'absent' };
  const parties = macParties(frame.header, ctx);
  if ('error' in parties) return { status: 'unverifiable', reason: parties.error };
  const z = sharedSecret(ctx, parties.a, parties.b);
  if (typeof z === 'string') return { status: 'unverifiable', reason: z };
  const gs = layout.gsStart;
  const originator = bytes.subarray(gs + GS_ORIGINATOR, gs + GS_ORIGINATOR + 8);
  const key = deriveKeyRaw(z, originator, bytes.subarray(gs + GS_TX, gs + GS_TX + 10), bytes.subarray(gs + GS_TARGET, gs + GS_TARGET + 8));
  const aad = new Uint8Array(6 + layout.gsEnd - gs);
  aad[0] = frame.securityControl;
  aad.set(bytes.subarray(gs, layout.gsEnd), 6);
  const iv = new Uint8Array(12);
  iv.set(originator, 0);
  new DataView(iv.buffer).setUint32(8, frame.invocationCounter >>> 0);
  const ok = gmacVerify(key, iv, aad, bytes.subarray(layout.macStart, layout.macStart + MAC_LENGTH));
  return ok ? { status: 'valid' } : { status: 'invalid', reason: `MAC does not verify (keys ${parties.a} ↔ ${parties.b})` };
}

function checkSignature(bytes: Uint8Array, frame: GbcsFrame, layout: FrameLayout, ctx: SecurityContext): CheckResult {
  if (frame.kind === 'gbt' || frame.signature.kind !== 'ecdsa') return { status: 'absent' };
  const pub = ctx.keystore.publicKey(frame.header.originator, 'ds');
  if (!pub) return { status: 'unverifiable', reason: `no DS certificate for ${frame.header.originator}` };
  // The signature field is `40` ‖ r ‖ s right after the payload.
  const ok = ecdsaVerify(pub, signedBytes(bytes, layout), bytes.subarray(layout.payloadEnd + 1, layout.gsEnd));
  return ok ? { status: 'valid' } : { status: 'invalid', reason: `signature does not verify with ${frame.header.originator}'s DS key` };
}

/** Party and counter that key payload encryption (gbcs-framing §2.2, mode 4). */
export function encryptionParty(h: GroupingHeader): { partyV: Eui64; counter: bigint } {
  const oi = h.otherInfo;
  const partyV = 'remotePartyId' in oi ? oi.remotePartyId : h.target;
  const counter = oi.form === 'supplementary+originator-counter' ? oi.originatorCounter : h.counter;
  return { partyV, counter };
}

export function encryptionKey(z: Uint8Array, h: GroupingHeader): Uint8Array {
  const { partyV, counter } = encryptionParty(h);
  return deriveKey(z, { partyU: h.originator, mode: 4, counter, partyV });
}

function decryptParts(frame: GbcsFrame, ctx: SecurityContext): DecryptedPart[] {
  if (frame.kind === 'gbt') return [];
  const parts = payloadEncryptedParts(frame.payload);
  if (parts.length === 0) return [];
  const { partyV } = encryptionParty(frame.header);
  const z = sharedSecret(ctx, frame.header.originator, partyV);
  if (typeof z === 'string') return parts.map((p) => ({ path: p.path, status: 'unverifiable', reason: z }));
  const key = encryptionKey(z, frame.header);
  return parts.map((p) => {
    const plain = decryptPayload(
      key,
      ivFor(frame.header.originator, p.block.invocationCounter),
      fromHex(p.block.ciphertext),
      fromHex(p.block.tag),
      new Uint8Array([p.block.securityControl]),
    );
    if (!plain) return { path: p.path, status: 'invalid', reason: 'authentication tag does not verify' };
    try {
      return { path: p.path, status: 'decrypted', plaintext: toHex(plain), value: p.decodePlaintext(plain) };
    } catch (e) {
      if (e instanceof GbcsDecodeError) {
        return { path: p.path, status: 'invalid', plaintext: toHex(plain), reason: `plaintext: ${e.message}` };
      }
      throw e;
    }
  });
}

/** Check everything the keystore allows: MAC, signature, and decrypt protected parts. */
export function verifyFrame(bytes: Uint8Array, frame: GbcsFrame, layout: FrameLayout, ctx: SecurityContext): SecurityReport {
  return {
    mac: checkMac(bytes, frame, layout, ctx),
    signature: checkSignature(bytes, frame, layout, ctx),
    decrypted: decryptParts(frame, ctx),
  };
}

export type { Cra };
