import { type Eui64, parseEui64 } from '../../eui.js';
import { GbcsEncodeError } from '../../errors.js';
import { KeyAgreementCache, type Keystore } from '../../crypto/index.js';
import { ROLES } from '../../smki/profile.js';
import { ruleFor } from '../authority.js';
import { hex4, messageCodeInfo } from '../codes.js';
import type { GroupingHeader, OtherInfo } from '../frame.js';
import { type Payload, decodePayload, encodePayload } from '../payload.js';
import { sealFrame } from '../seal.js';
import { createSecurityContext, sharedSecret } from '../security.js';
import { roleParam } from './asn1-cases.js';
import { invokeId } from './dlms-build.js';
import { Params } from './params.js';
import { builderForCode, resolveUseCase } from './table.js';
import type { BuildContext, UseCaseBuilder } from './types.js';

/** A command cannot be built as asked (role, keys, use case): not a codec problem, a request problem. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** Top-up commands: their counter's low 32 bits are zero and bits 32-41 travel in the UTRN. */
export const TOP_UP_CODES: ReadonlySet<number> = new Set([0x0007, 0x0097]);

/*
 * Use cases where RTDS shows the ACB as business originator acting for a remote party, with the 18-byte
 * other-information naming that party (gbcs-framing §1.4). When the ACB sends one of these it must say for
 * whom; in its own right (CS02a/f, its own CS02b) it does not.
 */
export const ACB_RELAYED_CODES: ReadonlySet<number> = new Set([
  0x0001, 0x0002, 0x0003, 0x0004, 0x00fe, 0x010f, // CCS01-07
  0x010a, 0x010b, 0x010c, 0x010d, 0x010e, // DBCH01-05
  0x000e, 0x000f, 0x00ab, 0x00af, // CS03/CS04 sent by the ACB
  0x0013, 0x0129, // CS07, CS08
  0x0034, 0x0035, 0x0058, 0x0092, 0x0093, 0x0094, 0x004d, 0x011c, 0x00fa, // ECS21b/c, ECS50, ECS26i/n, ECS35c/d, ECS39b, ECS61d
  0x0080, 0x0083, 0x00a0, 0x00c4, // GCS31, GCS36, GCS61, GCS15d
]);

/** The role a supplementary remote party holds by default for relayed use cases (GCS31 is a network one). */
export function defaultRelayedRole(code: number): number {
  return code === 0x0080 ? ROLES.networkOperator : ROLES.supplier;
}

/**
 * A payload in the form the decoder produces: built values go through the codec once, so a built payload
 * deep-equals a decoded one and anything the codec would refuse is refused here, with its path.
 */
export function canonicalPayload(payload: unknown, messageCode: number): Payload {
  const ctx = { messageCode, cra: 'command' as const };
  return decodePayload(encodePayload(payload, 'payload', ctx), 0, ctx);
}

/** Runs a use case's builder on JSON parameters and returns the payload in decoded form. */
export function buildPayload(builder: UseCaseBuilder, params: unknown, ctx: BuildContext): Payload {
  return canonicalPayload(builder.build(Params.of(params), ctx), builder.messageCode);
}

export interface BuildCommandOptions {
  /** Use case name or message code text (`ECS17b`, `0x0027`); or give `messageCode`. */
  useCase?: string;
  messageCode?: number;
  /** Business target: the device. Its KA certificate must be in the keystore (for the MAC). */
  to: Eui64 | string;
  /** Role of the business originator: `supplier`, `network-operator`, `acb`, ..., or the role number. */
  as: string | number;
  /** The originator's EUI; by default the keystore's organisation holding the role. */
  originator?: Eui64 | string;
  /** The originator's counter for this command. */
  counter: bigint;
  /** Use case parameters (JSON). */
  params?: unknown;
  /** A payload in decoded form (as `smets-sim decode` prints it), instead of building one from params. */
  payload?: unknown;
  keystore: Keystore;
  /** The access control broker that MACs the command (default: the keystore's role-04 organisation). */
  acb?: Eui64 | string;
  /**
   * The party the ACB acts for: named with its own counter in 18-byte other-information. With `certificate`
   * (the party's KA certificate, DER hex) the device encrypts the response to that party (RTDS "URP").
   */
  supplementaryParty?: { id: Eui64 | string; counter: bigint; certificate?: string };
  /** Issue time (ZCL issuer event ids, default read windows). Default: the current time. */
  now?: Date;
  cache?: KeyAgreementCache;
}

export interface BuiltCommand {
  bytes: Uint8Array;
  header: GroupingHeader;
  payload: Payload;
  useCase: string;
  messageCode: number;
  signed: boolean;
  macd: boolean;
}

function eui(v: Eui64 | string, what: string): Eui64 {
  try {
    return parseEui64(v, what);
  } catch (e) {
    if (e instanceof GbcsEncodeError) throw new CommandError(`${what}: ${e.reason}`);
    throw e;
  }
}

function roleOf(as: string | number): number {
  try {
    return roleParam(as, 'as');
  } catch {
    throw new CommandError(`unknown role ${JSON.stringify(as)} (use supplier, network-operator, acb or a role number)`);
  }
}

const ROLE_LABEL: Record<number, string> = {
  0: 'root',
  1: 'recovery',
  2: 'supplier',
  3: 'network-operator',
  4: 'acb',
  5: 'transitional-cos',
  6: 'wan-provider',
  8: 'load-controller',
};
export function roleLabel(role: number): string {
  return ROLE_LABEL[role] ?? `role ${role}`;
}

/** The organisation holding `role` in the keystore; one with a DS private key when several do. */
export function organisationFor(ks: Keystore, role: number): Eui64 | undefined {
  const all = ks.euis().filter((e) => ks.role(e) === role);
  return all.find((e) => ks.privateKey(e, 'ds')) ?? all[0];
}

function resolve(opts: BuildCommandOptions): { builder?: UseCaseBuilder; messageCode: number; useCase: string } {
  if (opts.messageCode !== undefined) {
    const info = messageCodeInfo(opts.messageCode);
    if (!info) throw new CommandError(`unknown message code ${hex4(opts.messageCode)}`);
    const b = builderForCode(opts.messageCode);
    return { ...(b ? { builder: b } : {}), messageCode: opts.messageCode, useCase: b?.useCase ?? info.useCase };
  }
  if (!opts.useCase) throw new CommandError('give a use case or a message code');
  const r = resolveUseCase(opts.useCase);
  switch (r.kind) {
    case 'builder':
      return { builder: r.builder, messageCode: r.builder.messageCode, useCase: r.builder.useCase };
    case 'payload-only':
      return { messageCode: r.messageCode, useCase: r.useCase };
    case 'ambiguous':
      throw new CommandError(`${opts.useCase} has several message codes; pick one: ${r.choices.map((c) => `${c.useCase} (${hex4(c.messageCode)})`).join(', ')}`);
    case 'unknown':
      throw new CommandError(`unknown use case ${JSON.stringify(opts.useCase)}${r.suggestions.length ? `; did you mean ${r.suggestions.join(', ')}?` : ''}`);
  }
}

/** Builds, signs (critical commands) and MACs (ACB) one command as a head-end would. */
export function composeCommand(opts: BuildCommandOptions): BuiltCommand {
  const ks = opts.keystore;
  const { builder, messageCode, useCase } = resolve(opts);
  const target = eui(opts.to, 'to');
  const role = roleOf(opts.as);
  const rule = ruleFor(messageCode);
  if (!rule) throw new CommandError(`no security rule for message code ${hex4(messageCode)}`);
  if (rule.han) throw new CommandError(`${useCase} is sent by a HAN device (PPMID/HCALCS), not by a remote party`);
  if (!rule.roles.includes(role)) {
    throw new CommandError(`a ${roleLabel(role)} may not send ${useCase} (${hex4(messageCode)}); allowed: ${rule.roles.map(roleLabel).join(', ') || 'none'}`);
  }
  const originator = opts.originator ? eui(opts.originator, 'originator') : organisationFor(ks, role);
  if (!originator) throw new CommandError(`the keystore has no ${roleLabel(role)} organisation`);
  if (ks.role(originator) !== undefined && ks.role(originator) !== role) {
    throw new CommandError(`${originator} holds role ${roleLabel(ks.role(originator)!)}, not ${roleLabel(role)}`);
  }
  if (!ks.publicKey(target, 'ka')) throw new CommandError(`no KA certificate for ${target} in the keystore (issue one with: smets-sim pki device --eui ${target})`);
  if (opts.counter < 0n || opts.counter > 0xffffffffffffffffn) throw new CommandError(`counter ${opts.counter} is not an unsigned 64-bit value`);
  if (TOP_UP_CODES.has(messageCode) && (opts.counter & 0xffffffffn) !== 0n) {
    throw new CommandError(`${useCase} needs a top-up counter with zero low 32 bits (n << 32), got 0x${opts.counter.toString(16)}`);
  }

  const supp = opts.supplementaryParty ? { ...opts.supplementaryParty, id: eui(opts.supplementaryParty.id, 'supplementaryParty') } : undefined;
  if (!supp && role === ROLES.accessControlBroker && ACB_RELAYED_CODES.has(messageCode)) {
    throw new CommandError(`the ACB sends ${useCase} on behalf of a remote party: give the supplementary party and its counter`);
  }
  const otherInfo: OtherInfo = !supp
    ? { form: 'code', messageCode }
    : supp.certificate
      ? { form: 'supplementary+certificate', messageCode, remotePartyId: supp.id, remotePartyCounter: supp.counter, certificate: supp.certificate }
      : { form: 'supplementary', messageCode, remotePartyId: supp.id, remotePartyCounter: supp.counter };

  const ppKey = ks.privateKey(originator, 'pp-ka');
  const deviceKa = ks.publicKey(target, 'ka');
  const ctx: BuildContext = {
    counter: opts.counter,
    target,
    originator,
    originatorRole: role,
    requester: supp?.id ?? originator,
    now: opts.now ?? new Date(),
    ...(ppKey && deviceKa ? { topUpKey: { privateKey: ppKey, publicKey: deviceKa, ...(opts.cache ? { cache: opts.cache } : {}) } } : {}),
  };

  let payload: Payload;
  if (opts.payload !== undefined) {
    if (opts.params !== undefined) throw new CommandError('give either params or a payload, not both');
    payload = canonicalPayload(opts.payload, messageCode);
    // A payload taken from another frame carries that frame's invoke-id; it must follow this counter.
    if (payload.family === 'dlms') payload = { family: 'dlms', dlms: { ...payload.dlms, invokeIdAndPriority: invokeId(opts.counter) } };
  } else if (builder) {
    payload = buildPayload(builder, opts.params, ctx);
  } else {
    throw new CommandError(`no payload builder for ${useCase} (${hex4(messageCode)}): pass the payload (decoded JSON, as smets-sim decode prints frame.payload)`);
  }

  // Optional protection (CS02a/f): the ACB authenticates by MAC alone; any other originator signs and, as in
  // RTDS, sends the signed command without a MAC.
  const signed = rule.signature === 'required' || (rule.signature === 'optional' && role !== ROLES.accessControlBroker);
  const macd = rule.mac === 'required' || (rule.mac === 'optional' && !signed);
  const header: GroupingHeader = { cra: 'command', counter: opts.counter, originator, target, dateTime: null, otherInfo };

  let sign;
  if (signed) {
    sign = ks.privateKey(originator, 'ds');
    if (!sign) throw new CommandError(`${useCase} is critical: it needs the DS private key of ${originator} (${roleLabel(role)})`);
  }
  let macSecret: Uint8Array | undefined;
  if (macd) {
    const acb = opts.acb ? eui(opts.acb, 'acb') : ks.acb();
    if (!acb) throw new CommandError('no access control broker (role 04) in the keystore to MAC the command');
    if (!ks.privateKey(acb, 'ka')) throw new CommandError(`the MAC needs the ACB's KA private key (${acb}-ka.key)`);
    const z = sharedSecret({ ...createSecurityContext(ks, acb), cache: opts.cache ?? new KeyAgreementCache() }, acb, target);
    if (typeof z === 'string') throw new CommandError(`cannot MAC for ${target}: ${z}`);
    macSecret = z;
  }
  const bytes = sealFrame(header, payload, { ...(sign ? { sign } : {}), ...(macSecret ? { macSecret } : {}) });
  return { bytes, header, payload, useCase, messageCode, signed, macd };
}

/** The command's bytes: see `composeCommand` for what else is known about it. */
export function buildCommand(opts: BuildCommandOptions): Uint8Array {
  return composeCommand(opts).bytes;
}
