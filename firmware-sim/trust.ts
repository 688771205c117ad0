import type { KeyObject, X509Certificate } from 'node:crypto';
import { toHex } from '../protocols/bytes.js';
import { readCertificate } from '../protocols/smki/index.js';
import type { Hex } from '../protocols/bytes.js';
import type { Eui64 } from '../protocols/eui.js';
import type { Keystore } from '../protocols/crypto/index.js';

/** SMKI remote party roles a device holds trust anchors for (GBCS RemotePartyRole). */
export const ROLE = {
  root: 0,
  recovery: 1,
  supplier: 2,
  networkOperator: 3,
  acb: 4,
  transitionalCoS: 5,
  wanProvider: 6,
  issuingAuthority: 7,
  loadController: 8,
} as const;
export type Role = (typeof ROLE)[keyof typeof ROLE];

export function roleLabel(role: number): string {
  return Object.entries(ROLE).find(([, v]) => v === role)?.[0] ?? `role-${role}`;
}

/** A trust anchor cell is identified by role, key usage and cell usage (management or prepayment top-up). */
export type AnchorUsage = 'ds' | 'ka' | 'ka-topup';

export interface AnchorCell {
  role: number;
  usage: AnchorUsage;
  /** The remote party the key belongs to (subject unique id). */
  eui: Eui64;
  publicKey: KeyObject;
  /** Subject key identifier, when the anchor came from a certificate. */
  ski?: Hex;
  /** The certificate as DER hex, when the anchor came from one (CS02a reports its ids). */
  certificate?: Hex;
}

const cellKey = (role: number, usage: AnchorUsage) => `${role}/${usage}`;

/**
 * A device's trust anchor cells (GBCS 4.3.x / SMKI). Commands are authenticated only against what is in
 * here, so replacing a cell (CS02b) changes whom the device trusts from that moment on.
 */
export class TrustAnchors {
  private readonly cells = new Map<string, AnchorCell>();
  /** CS02 sequence numbers per role (anti-replay of credential updates). */
  private readonly seq = new Map<number, bigint>();

  set(cell: AnchorCell): AnchorCell | undefined {
    const k = cellKey(cell.role, cell.usage);
    const previous = this.cells.get(k);
    this.cells.set(k, cell);
    return previous;
  }

  get(role: number, usage: AnchorUsage): AnchorCell | undefined {
    return this.cells.get(cellKey(role, usage));
  }

  list(): AnchorCell[] {
    return [...this.cells.values()];
  }

  /** Roles in which `eui` is an anchor (a party can hold more than one, rarely). */
  rolesOf(eui: Eui64): number[] {
    const out = new Set<number>();
    for (const c of this.cells.values()) if (c.eui === eui) out.add(c.role);
    return [...out];
  }

  /** The first role `eui` holds (asked per command, so no list is made). */
  roleOf(eui: Eui64): number | undefined {
    for (const c of this.cells.values()) if (c.eui === eui) return c.role;
    return undefined;
  }

  /** The anchor for a party and usage, whatever role it holds. */
  find(eui: Eui64, usage: AnchorUsage): AnchorCell | undefined {
    for (const c of this.cells.values()) if (c.eui === eui && c.usage === usage) return c;
    return undefined;
  }

  /** The party holding a role (its KA or DS cell). */
  partyFor(role: number): Eui64 | undefined {
    return (this.get(role, 'ka') ?? this.get(role, 'ds'))?.eui;
  }

  sequenceNumber(role: number): bigint {
    return this.seq.get(role) ?? 0n;
  }

  setSequenceNumber(role: number, n: bigint): void {
    this.seq.set(role, n);
  }

  clone(): TrustAnchors {
    const t = new TrustAnchors();
    for (const c of this.cells.values()) t.set({ ...c });
    for (const [r, n] of this.seq) t.seq.set(r, n);
    return t;
  }
}

function anchorIds(cert: X509Certificate): { ski?: Hex; certificate: Hex } {
  const c = readCertificate(new Uint8Array(cert.raw));
  return { ...(c.ski ? { ski: c.ski } : {}), certificate: toHex(c.der) };
}

/**
 * Trust anchors for every organisation in a keystore whose certificate names a role: DS and KA cells, and
 * the supplier's prepayment top-up KA. This is how the conformance runner and an estate install the
 * RTDS or their own PKI's organisations on a device.
 */
export function anchorsFromKeystore(ks: Keystore, roles?: readonly number[]): TrustAnchors {
  const t = new TrustAnchors();
  for (const eui of ks.euis()) {
    const role = ks.role(eui);
    if (role === undefined || (roles && !roles.includes(role))) continue;
    for (const [slot, usage] of [
      ['ds', 'ds'],
      ['ka', 'ka'],
      ['pp-ka', 'ka-topup'],
    ] as const) {
      const cert = ks.certificate(eui, slot);
      const pub = ks.publicKey(eui, slot);
      if (!pub) continue;
      // A second organisation of the same role (e.g. a second supplier) does not displace the first.
      if (t.get(role, usage)) continue;
      t.set({
        role,
        usage,
        eui,
        publicKey: pub,
        ...(cert ? anchorIds(cert) : {}),
      });
    }
  }
  return t;
}
