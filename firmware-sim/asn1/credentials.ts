import { type Hex, fromHex, toHex } from '../../protocols/bytes.js';
import { ecdsaVerify, publicPoint } from '../../protocols/crypto/index.js';
import {
  CS02B_MODE_BY_CODE,
  type KeyUsageBit,
  type ProvideSecurityCredentialDetailsCommand,
  type ProvideSecurityCredentialDetailsResponse,
  type RemotePartyDetails,
  type RemotePartySeqNumberChange,
  type ReplacementOutcome,
  type TrustAnchorCellContents,
  type TrustAnchorCellIdentifier,
  type TrustAnchorReplacement,
  type UpdateSecurityCredentialsCommand,
  type UpdateSecurityCredentialsExecutionOutcome,
  formatGeneralizedTime,
  parseGeneralizedTime,
} from '../../protocols/gbcs/asn1/index.js';
import { signedBytes } from '../../protocols/gbcs/security.js';
import { type SmkiCertificate, SmkiError, TRUST_ANCHOR_CELLS, keyIdentifierHex, readCertificate } from '../../protocols/smki/index.js';
import { type Device, type DeviceKind, type HandlerContext, type HandlerResult, type Request, SECURITY_ALERT, type TickContext } from '../device.js';
import type { Exchange } from '../models/composite.js';
import type { AnchorCell, AnchorUsage } from '../trust.js';
import { type EngineCtx, asn1, refuse, respond } from './respond.js';
import type { Asn1State, PendingCredentialUpdate } from './state.js';
import { chainsToRoot, isValidRoot, readPath } from './trust-path.js';

/*
 * CS02a/CS02f (report trust anchor cells) and CS02b/CS02g (replace them). The cells a device authenticates
 * commands with are `device.trust`; the Root cell is engine state (it anchors certification paths only).
 * A replacement takes effect the moment it is executed: the security gate reads the same cells.
 */

/** Trust anchor status codes (GBCS CS02a/CS02b). */
export const TA_STATUS = { success: 0, badCertificate: 5, noTrustAnchor: 10, notFound: 25, other: 127 } as const;

const ZERO_ID: Hex = '0000000000000000';
/** `executionDateTime` that cancels a pending future-dated update. */
const CANCEL = '99991231235959Z';
const ALERT_SUCCESS = 0x8f66;
const ALERT_FAILURE = 0x8f67;

export type CellSlot = AnchorUsage | 'root';

/**
 * Remote party roles whose cells each kind of device has (GBCS device types): meters and HAN devices take
 * supplier, network operator, ACB and transitional CoS credentials; only the ESME controls loads; the comms
 * hub answers to the ACB and the WAN provider.
 */
const HELD_ROLES: Record<DeviceKind, readonly number[]> = {
  esme: [0, 1, 2, 3, 4, 5, 8],
  gsme: [0, 1, 2, 3, 4, 5],
  gpf: [0, 1, 2, 3, 4, 5],
  ppmid: [0, 1, 2, 3, 4, 5],
  hcalcs: [0, 1, 2, 3, 4, 5],
  chf: [0, 1, 4, 6],
  ihd: [],
};

/**
 * Per credentials replacement mode: whose DS cell authorises it and which roles' cells it may replace.
 * Modes 10 and 11 are CS02g (load controller by load controller / by supplier).
 */
const MODES: Record<number, { auth: number; targets: readonly number[] | 'any' | 'anyButRoot' }> = {
  0: { auth: 2, targets: [0] },
  1: { auth: 6, targets: [0] },
  2: { auth: 2, targets: [2] },
  3: { auth: 3, targets: [3] },
  4: { auth: 4, targets: [4] },
  5: { auth: 6, targets: [6] },
  6: { auth: 5, targets: [5] },
  7: { auth: 5, targets: [2] },
  8: { auth: 1, targets: 'anyButRoot' },
  9: { auth: 0, targets: 'any' },
  10: { auth: 8, targets: [8] },
  11: { auth: 2, targets: [8] },
};

const SLOT_ORDER: readonly AnchorUsage[] = ['ds', 'ka', 'ka-topup'];

export function slotOf(id: TrustAnchorCellIdentifier): CellSlot | undefined {
  if (id.keyUsage.length !== 1) return undefined;
  const ku = id.keyUsage[0];
  const cu = id.cellUsage ?? 0;
  if (ku === 'keyCertSign') return id.remotePartyRole === 0 && cu === 0 ? 'root' : undefined;
  if (ku === 'digitalSignature') return cu === 0 ? 'ds' : undefined;
  if (ku === 'keyAgreement') return cu === 0 ? 'ka' : cu === 1 ? 'ka-topup' : undefined;
  return undefined;
}

function cellIdentifier(role: number, slot: CellSlot): TrustAnchorCellIdentifier {
  const keyUsage: KeyUsageBit[] = [slot === 'root' ? 'keyCertSign' : slot === 'ds' ? 'digitalSignature' : 'keyAgreement'];
  return slot === 'ka-topup' ? { remotePartyRole: role, keyUsage, cellUsage: 1 } : { remotePartyRole: role, keyUsage };
}

/** Whether GBCS defines the cell at all (SMKI trust anchor cell table). */
function cellDefined(role: number, slot: CellSlot): boolean {
  const usage = slot === 'root' ? 'keyCertSign' : slot === 'ds' ? 'digitalSignature' : 'keyAgreement';
  const cellUsage = slot === 'ka-topup' ? 'prePaymentTopUp' : 'management';
  return TRUST_ANCHOR_CELLS.some((c) => c.role === role && c.usage === usage && c.cellUsage === cellUsage);
}

function holdsRole(eng: EngineCtx, role: number): boolean {
  return HELD_ROLES[eng.env.kind].includes(role) && !eng.state.emptyRoles.has(role);
}

function skiOf(cell: AnchorCell): Hex {
  return cell.ski ?? keyIdentifierHex(publicPoint(cell.publicKey));
}

/** A filled cell (the Root cell is always filled). */
function cellOf(device: Device, state: Asn1State, role: number, slot: AnchorUsage): AnchorCell | undefined {
  return state.emptyCells.has(`${role}/${slot}`) ? undefined : device.trust.get(role, slot);
}

function cellIds(device: Device, state: Asn1State, role: number, slot: CellSlot): { suid: Hex; ski: Hex } {
  if (slot === 'root') return { suid: ZERO_ID, ski: state.root.ski };
  const cell = cellOf(device, state, role, slot);
  return cell ? { suid: cell.eui, ski: skiOf(cell) } : { suid: ZERO_ID, ski: ZERO_ID };
}

// ---------------------------------------------------------------------------------------------------------
// CS02a / CS02f

function partyDetails(device: Device, eng: EngineCtx, role: number): RemotePartyDetails {
  const fault = eng.state.faults.partyStatus.get(role);
  if (fault !== undefined) return { remotePartyRole: role, statusCode: fault };
  if (!holdsRole(eng, role)) return { remotePartyRole: role, statusCode: TA_STATUS.notFound };
  const cells: TrustAnchorCellContents[] = [];
  if (role === 0) {
    cells.push({ keyUsage: ['keyCertSign'], subjectUniqueId: ZERO_ID, subjectKeyIdentifier: eng.state.root.ski });
  } else {
    for (const slot of SLOT_ORDER) {
      const cell = cellOf(device, eng.state, role, slot);
      if (!cell || !cellDefined(role, slot)) continue;
      const id = cellIdentifier(role, slot);
      cells.push({
        keyUsage: id.keyUsage,
        ...(id.cellUsage !== undefined ? { cellUsage: id.cellUsage } : {}),
        subjectUniqueId: cell.eui,
        subjectKeyIdentifier: skiOf(cell),
      });
    }
  }
  if (cells.length === 0) return { remotePartyRole: role, statusCode: TA_STATUS.notFound };
  return { remotePartyRole: role, statusCode: TA_STATUS.success, currentSeqNumber: device.trust.sequenceNumber(role), trustAnchorCells: cells };
}

export function provideCredentialDetails(req: Request, cmd: ProvideSecurityCredentialDetailsCommand, ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  // The command names the cell it is authorised through; it has to be one of the originator's own.
  const slot = slotOf(cmd.authorisingTaCell);
  const auth = slot && slot !== 'root' ? ctx.device.trust.get(cmd.authorisingTaCell.remotePartyRole, slot) : undefined;
  if (!auth || auth.eui !== req.header.originator) {
    return refuse(req, ctx, SECURITY_ALERT.noAuthority, `authorising cell role ${cmd.authorisingTaCell.remotePartyRole} is not held by ${req.header.originator}`);
  }
  const value: ProvideSecurityCredentialDetailsResponse = { remoteParties: cmd.remotePartyRoles.map((r) => partyDetails(ctx.device, eng, r)) };
  return respond(asn1('ProvideSecurityCredentialDetailsResponse', value, 'twoOctet'));
}

// ---------------------------------------------------------------------------------------------------------
// CS02b / CS02g

/** The alert message code of a future-dated update's outcome: CS02g has its own. */
function alertMessageCode(messageCode: number): number {
  return messageCode >= 0x0124 ? 0x0124 : 0x00cb;
}

function targetAllowed(mode: number, role: number): boolean {
  const t = MODES[mode]!.targets;
  if (t === 'any') return true;
  if (t === 'anyButRoot') return role !== 0;
  return t.includes(role);
}

/** The certificate's subject may sit in the cell: same role, except that a supplier may be the load controller. */
function roleFits(cellRole: number, certRole: number | undefined): boolean {
  return certRole === cellRole || (cellRole === 8 && certRole === 2);
}

interface Checked {
  status: number;
  cert?: SmkiCertificate;
}

function checkReplacement(r: TrustAnchorReplacement, mode: number, cmd: UpdateSecurityCredentialsCommand, now: Date, path: SmkiCertificate[], eng: EngineCtx): Checked {
  const role = r.targetTaCell.remotePartyRole;
  const slot = slotOf(r.targetTaCell);
  if (!slot || !cellDefined(role, slot) || !holdsRole(eng, role)) return { status: TA_STATUS.notFound };
  if (!targetAllowed(mode, role)) return { status: TA_STATUS.other };
  let cert: SmkiCertificate;
  try {
    cert = readCertificate(fromHex(r.certificate.der));
  } catch (e) {
    if (e instanceof SmkiError) return { status: TA_STATUS.badCertificate };
    throw e;
  }
  if (slot === 'root') return isValidRoot(cert) ? { status: TA_STATUS.success, cert } : { status: TA_STATUS.badCertificate };
  const usage = slot === 'ds' ? 'digitalSignature' : 'keyAgreement';
  if (cert.kind !== 'organisation' || cert.usage !== usage || !roleFits(role, cert.role) || cert.eui === undefined || cert.ski === undefined) {
    return { status: TA_STATUS.badCertificate };
  }
  // Time-based checks only when the command asks for them (RTDS certificates post-date RTDS "now").
  if (cmd.control.applyTimeBasedCpvChecks === 0 && (now < cert.notBefore || now > cert.notAfter)) return { status: TA_STATUS.badCertificate };
  if (!chainsToRoot(cert, path, eng.state.root)) return { status: TA_STATUS.noTrustAnchor };
  return { status: TA_STATUS.success, cert };
}

/** Validates and applies every replacement of an update, then the sequence-number floors; returns the outcome. */
function execute(cmd: UpdateSecurityCredentialsCommand, mode: number, now: Date, device: Device, eng: EngineCtx): UpdateSecurityCredentialsExecutionOutcome {
  const path = readPath(cmd.certificationPathCertificates.map((c) => c.der));
  const outcomes: ReplacementOutcome[] = new Array(cmd.replacements.length);
  // A new Root first: the other certificates of the same command may already chain to it.
  const order = cmd.replacements.map((r, i) => ({ r, i })).sort((a, b) => Number(slotOf(b.r.targetTaCell) === 'root') - Number(slotOf(a.r.targetTaCell) === 'root'));
  let anySuccess = false;
  for (const { r, i } of order) {
    const role = r.targetTaCell.remotePartyRole;
    const slot = slotOf(r.targetTaCell);
    const existing = slot ? cellIds(device, eng.state, role, slot) : { suid: ZERO_ID, ski: ZERO_ID };
    const { status, cert } = checkReplacement(r, mode, cmd, now, path, eng);
    let replacing = existing;
    if (status === TA_STATUS.success && cert && slot) {
      anySuccess = true;
      if (slot === 'root') {
        eng.state.root = { ski: cert.ski ?? keyIdentifierHex(cert.publicPoint), publicKey: cert.publicKey, certificate: toHex(cert.der) };
        replacing = { suid: ZERO_ID, ski: eng.state.root.ski };
      } else {
        device.trust.set({ role, usage: slot, eui: cert.eui!, publicKey: cert.publicKey, ski: cert.ski!, certificate: toHex(cert.der) });
        eng.state.emptyCells.delete(`${role}/${slot}`);
        replacing = { suid: cert.eui!, ski: cert.ski! };
      }
    }
    outcomes[i] = {
      affectedTaCell: r.targetTaCell,
      statusCode: status,
      existingSubjectUniqueId: existing.suid,
      existingSubjectKeyId: existing.ski,
      replacingSubjectUniqueId: replacing.suid,
      replacingSubjectKeyId: replacing.ski,
    };
  }
  const changes = seqNumberChanges(cmd, mode);
  // Floors protect the new credentials; with nothing replaced there is nothing to protect.
  if (anySuccess) {
    for (const c of changes) {
      device.trust.setSequenceNumber(c.remotePartyRole, c.floorSeqNumber);
      for (const s of c.specialistFloorSeqNumbers ?? []) eng.state.specialistSeq.set(`${c.remotePartyRole}/${s.seqNumberUsage}`, s.seqNumber);
    }
  }
  return { authorisingSeqNumber: cmd.control.authorisingSeqNumber, credentialsReplacementMode: mode, seqNumberChanges: changes, replacementOutcomes: outcomes };
}

function seqNumberChanges(cmd: UpdateSecurityCredentialsCommand, mode: number): RemotePartySeqNumberChange[] {
  const c = cmd.control;
  const own: RemotePartySeqNumberChange[] =
    c.newFloorSeqNumber !== undefined
      ? [
          {
            remotePartyRole: MODES[mode]!.auth,
            floorSeqNumber: c.newFloorSeqNumber,
            ...(c.newSpecialistFloorSeqNumbers ? { specialistFloorSeqNumbers: c.newSpecialistFloorSeqNumbers } : {}),
          },
        ]
      : [];
  return [...own, ...(c.otherRemotePartySeqNumberChanges ?? [])];
}

export function updateSecurityCredentials(req: Request, cmd: UpdateSecurityCredentialsCommand, ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  const mode = CS02B_MODE_BY_CODE[req.messageCode];
  if (mode === undefined || cmd.control.credentialsReplacementMode !== mode || !MODES[mode]) {
    return refuse(req, ctx, SECURITY_ALERT.integrity, `credentials replacement mode ${cmd.control.credentialsReplacementMode} does not match message code ${req.messageCode}`);
  }
  const authRole = MODES[mode].auth;
  const named = cmd.control.authorisingTaCell;
  if (named && (named.remotePartyRole !== authRole || slotOf(named) !== 'ds')) {
    return refuse(req, ctx, SECURITY_ALERT.noAuthority, `mode ${mode} is authorised by role ${authRole}, not by the cell the command names`);
  }
  const device = ctx.device;
  if (req.signed) {
    // The signature must come from the authorising cell itself, not just from some cell of the originator.
    const cell = cellOf(device, eng.state, authRole, 'ds');
    const sig = req.frame.signature;
    if (authRole !== 0 && (!cell || sig.kind !== 'ecdsa' || !ecdsaVerify(cell.publicKey, signedBytes(req.bytes, req.layout), fromHex(sig.rs)))) {
      return refuse(req, ctx, SECURITY_ALERT.authentication, `signature does not verify against the role ${authRole} DS trust anchor`);
    }
  } else if (authRole !== 4 || device.trust.get(4, 'ka')?.eui !== req.header.originator) {
    // Only the ACB's own update is authorised by its MAC alone.
    return refuse(req, ctx, SECURITY_ALERT.authentication, `mode ${mode} must be signed by role ${authRole}`);
  }
  const current = device.trust.sequenceNumber(authRole);
  if (cmd.control.authorisingSeqNumber <= current) {
    return refuse(req, ctx, SECURITY_ALERT.other, `authorising sequence number ${cmd.control.authorisingSeqNumber} is not above ${current}`);
  }
  device.trust.setSequenceNumber(authRole, cmd.control.authorisingSeqNumber);

  const when = cmd.executionDateTime;
  if (when === CANCEL) {
    for (const p of eng.state.pendingCredentialUpdates.values()) if (p.messageCode === req.messageCode) p.cancelled = true;
    return respond(asn1('UpdateSecurityCredentialsResponse', { commandAccepted: null }));
  }
  const at = when !== undefined ? parseGeneralizedTime(when) : undefined;
  if (when !== undefined && !at) return refuse(req, ctx, SECURITY_ALERT.integrity, `execution date-time ${when} is not a GeneralizedTime`);
  if (at && at.getTime() > ctx.now.getTime()) {
    const id = eng.state.nextTaskId++;
    eng.state.pendingCredentialUpdates.set(id, { id, messageCode: req.messageCode, mode, originator: req.header.originator, command: cmd, at, cancelled: false });
    ctx.schedule(at, { type: TASK_CREDENTIALS, data: id });
    return respond(asn1('UpdateSecurityCredentialsResponse', { commandAccepted: null }));
  }
  const outcome = execute(cmd, mode, ctx.now, device, eng);
  return respond(asn1('UpdateSecurityCredentialsResponse', { commandAccepted: null, executionOutcome: outcome }, 'twoOctet'));
}

export const TASK_CREDENTIALS = 'asn1/update-security-credentials';

/** A future-dated update reaches its time: execute it and tell the originator how it went (8F66/8F67). */
export function runCredentialUpdate(id: unknown, ctx: TickContext, eng: EngineCtx): void {
  const p: PendingCredentialUpdate | undefined = eng.state.pendingCredentialUpdates.get(id as number);
  if (!p) return;
  eng.state.pendingCredentialUpdates.delete(p.id);
  if (p.cancelled) return;
  const outcome = execute(p.command, p.mode, ctx.now, ctx.device, eng);
  const alertCode = outcome.replacementOutcomes.every((o) => o.statusCode === TA_STATUS.success) ? ALERT_SUCCESS : ALERT_FAILURE;
  const executionDateTime = p.command.executionDateTime ?? formatGeneralizedTime(p.at);
  ctx.alert({
    messageCode: alertMessageCode(p.messageCode),
    alertCode,
    to: p.originator,
    critical: true,
    payload: () => asn1('UpdateSecurityCredentialsAlert', { alertCode, executionDateTime, executionOutcome: outcome }, 'twoOctet'),
  });
}

// ---------------------------------------------------------------------------------------------------------
// Seeding from a reference exchange

/**
 * Make a cell hold the credentials with key id `ski` when the reference says it did (a DCC-controlled
 * device whose supplier cells hold the ACB's keys, say). Only keys the device already knows can be moved:
 * a cell is never given a key nobody has.
 */
function ensureCell(device: Device, role: number, slot: AnchorUsage, suid: Hex, ski: Hex): void {
  const cell = device.trust.get(role, slot);
  if (cell && cell.eui === suid && skiOf(cell) === ski) return;
  const donor = device.trust.list().find((c) => c.eui === suid && skiOf(c) === ski);
  if (donor) device.trust.set({ ...donor, role, usage: slot });
}

export function seedCredentials(x: Exchange, eng: EngineCtx): void {
  const p = x.expected.payload;
  if (p.family !== 'asn1') return;
  const a = p.asn1;
  if (a.schema === 'ProvideSecurityCredentialDetailsResponse') {
    for (const party of a.value.remoteParties) {
      const role = party.remotePartyRole;
      if (party.statusCode === TA_STATUS.notFound) {
        if (HELD_ROLES[eng.env.kind].includes(role)) eng.state.emptyRoles.add(role);
        continue;
      }
      if (party.statusCode !== TA_STATUS.success) {
        eng.state.faults.partyStatus.set(role, party.statusCode);
        continue;
      }
      const seq = party.currentSeqNumber ?? 0n;
      const listed = new Map<AnchorUsage, TrustAnchorCellContents>();
      for (const c of party.trustAnchorCells ?? []) {
        const slot = slotOf({ remotePartyRole: role, keyUsage: c.keyUsage, ...(c.cellUsage !== undefined ? { cellUsage: c.cellUsage } : {}) });
        if (slot && slot !== 'root') listed.set(slot, c);
      }
      // The cells listed are all the role has: the others are empty on this device.
      if (role !== 0) for (const slot of SLOT_ORDER) if (!listed.has(slot)) eng.state.emptyCells.add(`${role}/${slot}`);
      eng.state.deviceSeed.push((device) => {
        device.trust.setSequenceNumber(role, seq);
        for (const [slot, c] of listed) ensureCell(device, role, slot, c.subjectUniqueId, c.subjectKeyIdentifier);
      });
    }
  } else if (a.schema === 'UpdateSecurityCredentialsResponse' && a.value.executionOutcome) {
    const outcomes = a.value.executionOutcome.replacementOutcomes;
    eng.state.deviceSeed.push((device) => {
      for (const o of outcomes) {
        const slot = slotOf(o.affectedTaCell);
        if (slot && slot !== 'root') ensureCell(device, o.affectedTaCell.remotePartyRole, slot, o.existingSubjectUniqueId, o.existingSubjectKeyId);
      }
    });
  }
}
