import { messageCodeInfo } from './codes.js';
import { ROLES } from '../smki/profile.js';

/*
 * Who may send a command and how it must be protected, per message code (GBCS 6.2.4: MAC check, signature
 * check for critical commands, authority of the originator's role). Rows observed in RTDS 4.5.0 come first,
 * as data; other codes follow the rule of their family (`ruleFor`).
 */

export type Requirement = 'required' | 'optional' | 'none';

export interface UseCaseRule {
  /** ECDSA signature by the originator's DS key (critical commands). */
  signature: Requirement;
  /** GMAC by the ACB (or, for HAN-originated commands, the sending device). */
  mac: Requirement;
  /** Roles that may originate the command (for an ACB acting for a supplementary party, that party's role). */
  roles: readonly number[];
  /** Sent by a HAN device (PPMID, HCALCS) rather than a remote party. */
  han?: boolean;
}

type Row = readonly [code: number, signature: Requirement, mac: Requirement, roles: readonly number[], han?: 'han'];

/** Observed in RTDS 4.5.0 command files (generated from the corpus; signature/MAC as the frames carry them). */
const OBSERVED: readonly Row[] = [
  [0x0001, 'none', 'required', [4]],
  [0x0002, 'none', 'required', [4]],
  [0x0003, 'none', 'required', [4]],
  [0x0004, 'none', 'required', [4]],
  [0x0007, 'none', 'required', [2]],
  [0x0008, 'optional', 'optional', [4, 5]],
  [0x000A, 'required', 'required', [2]],
  [0x000B, 'required', 'required', [2]],
  [0x000C, 'required', 'required', [2]],
  [0x000D, 'required', 'required', [2]],
  [0x000E, 'none', 'required', [2, 4]],
  [0x000F, 'required', 'required', [2, 4]],
  [0x0010, 'none', 'required', [2]],
  [0x0013, 'none', 'required', [2, 4]],
  [0x0015, 'none', 'required', [2]],
  [0x0019, 'required', 'required', [2]],
  [0x001A, 'required', 'required', [2]],
  [0x001B, 'required', 'required', [2]],
  [0x001C, 'required', 'required', [2]],
  [0x001D, 'required', 'required', [2]],
  [0x001F, 'required', 'required', [2]],
  [0x0021, 'none', 'required', [2]],
  [0x0022, 'none', 'required', [2]],
  [0x0024, 'none', 'required', [2]],
  [0x0025, 'none', 'required', [2]],
  [0x0026, 'none', 'required', [3]],
  [0x0027, 'none', 'required', [2, 3]],
  [0x0028, 'none', 'required', [3]],
  [0x0029, 'none', 'required', [2]],
  [0x002A, 'none', 'required', [2]],
  [0x002C, 'none', 'required', [2]],
  [0x002D, 'none', 'required', [2]],
  [0x0030, 'none', 'required', [2]],
  [0x0034, 'none', 'required', [2, 4]],
  [0x0035, 'none', 'required', [4]],
  [0x0036, 'none', 'required', [3]],
  [0x0037, 'none', 'required', [2]],
  [0x0038, 'none', 'required', [2]],
  [0x0039, 'none', 'required', [2]],
  [0x003B, 'none', 'required', [2]],
  [0x003C, 'none', 'required', [2]],
  [0x003E, 'none', 'required', [2]],
  [0x003F, 'none', 'required', [2]],
  [0x0040, 'none', 'required', [2]],
  [0x0043, 'required', 'required', [2]],
  [0x0046, 'required', 'required', [2]],
  [0x0049, 'none', 'required', [2]],
  [0x004A, 'none', 'required', [3]],
  [0x004B, 'required', 'required', [2]],
  [0x004E, 'none', 'required', [2]],
  [0x004F, 'required', 'required', [2]],
  [0x0050, 'required', 'required', [2]],
  [0x0051, 'required', 'required', [2]],
  [0x0053, 'required', 'required', [2]],
  [0x0055, 'required', 'required', [2]],
  [0x0058, 'none', 'required', [4]],
  [0x0059, 'none', 'required', [2]],
  [0x005E, 'none', 'required', [2]],
  [0x005F, 'none', 'required', [2]],
  [0x0060, 'none', 'required', [2]],
  [0x0062, 'required', 'required', [2]],
  [0x0069, 'none', 'required', [2]],
  [0x006B, 'required', 'required', [2]],
  [0x006C, 'required', 'required', [2]],
  [0x006D, 'required', 'required', [2]],
  [0x006F, 'required', 'required', [2]],
  [0x0070, 'required', 'required', [2]],
  [0x0072, 'none', 'required', [2]],
  [0x0073, 'none', 'required', [2]],
  [0x0074, 'none', 'required', [2]],
  [0x0076, 'none', 'required', [2]],
  [0x0077, 'none', 'required', [2]],
  [0x0079, 'none', 'required', [2]],
  [0x007B, 'none', 'required', [2]],
  [0x007C, 'required', 'required', [2]],
  [0x007D, 'required', 'required', [2]],
  [0x007E, 'required', 'required', [2]],
  [0x007F, 'required', 'required', [2]],
  [0x0080, 'none', 'required', [4]],
  [0x0081, 'required', 'required', [2]],
  [0x0085, 'required', 'required', [2]],
  [0x0087, 'none', 'required', [2]],
  [0x0088, 'none', 'required', [2]],
  [0x0089, 'none', 'required', [2]],
  [0x008D, 'none', 'required', [2]],
  [0x0090, 'none', 'required', [], 'han'],
  [0x0092, 'none', 'required', [4]],
  [0x0094, 'none', 'required', [4]],
  [0x0097, 'none', 'required', [2]],
  [0x009D, 'none', 'required', [2]],
  [0x009E, 'none', 'required', [2]],
  [0x00A0, 'none', 'required', [2, 4]],
  [0x00A1, 'none', 'required', [2]],
  [0x00A3, 'required', 'required', [2]],
  [0x00AB, 'required', 'required', [2, 4]],
  [0x00AD, 'none', 'required', [2]],
  [0x00AE, 'none', 'required', [3]],
  [0x00AF, 'required', 'required', [2, 4]],
  [0x00B0, 'none', 'required', [3]],
  [0x00B3, 'required', 'required', [2]],
  [0x00B4, 'required', 'required', [2]],
  [0x00B5, 'none', 'required', [2]],
  [0x00B6, 'none', 'required', [2]],
  [0x00B7, 'required', 'required', [2]],
  [0x00B8, 'none', 'required', [2]],
  [0x00BB, 'none', 'required', [2]],
  [0x00BC, 'none', 'required', [2]],
  [0x00BD, 'none', 'required', [2]],
  [0x00BE, 'none', 'required', [2]],
  [0x00C0, 'required', 'required', [2]],
  [0x00C1, 'none', 'required', [2]],
  [0x00C2, 'required', 'required', [2]],
  [0x00C5, 'none', 'required', [2]],
  [0x00C7, 'required', 'required', [2]],
  [0x00D3, 'none', 'required', [3]],
  [0x00D7, 'required', 'required', [2]],
  [0x00D8, 'required', 'required', [2]],
  [0x00DA, 'none', 'required', [2]],
  [0x00DE, 'required', 'required', [2]],
  [0x00EA, 'none', 'required', [2]],
  [0x00EC, 'none', 'required', [2]],
  [0x00ED, 'none', 'required', [3]],
  [0x00EE, 'none', 'required', [2]],
  [0x00EF, 'none', 'required', [3]],
  [0x00F1, 'none', 'required', [2]],
  [0x00FA, 'none', 'required', [4]],
  [0x00FB, 'none', 'required', [2]],
  [0x00FD, 'none', 'required', [2, 3]],
  [0x00FE, 'none', 'required', [4]],
  [0x0102, 'required', 'required', [2, 4]],
  [0x0103, 'required', 'required', [3, 4]],
  [0x0104, 'none', 'required', [4]],
  [0x0105, 'required', 'required', [6]],
  [0x0106, 'required', 'required', [5]],
  [0x0107, 'required', 'required', [5]],
  [0x0108, 'required', 'none', [1]],
  [0x010A, 'none', 'required', [4]],
  [0x010B, 'none', 'required', [4]],
  [0x010C, 'none', 'required', [4]],
  [0x010D, 'none', 'required', [4]],
  [0x010E, 'none', 'required', [4]],
  [0x010F, 'none', 'required', [4]],
  [0x011A, 'required', 'required', [2]],
  [0x011B, 'optional', 'optional', [2, 4, 5]],
  [0x011C, 'none', 'required', [2, 4]],
  [0x011D, 'none', 'required', [2]],
  [0x0125, 'required', 'required', [8]],
  [0x0126, 'required', 'required', [2]],
  [0x0129, 'none', 'required', [4]],
  [0x012A, 'none', 'required', [2]],
];

/** Critical commands not in the shared corpus (GBCS use-case table: critical, supplier-signed). */
const CRITICAL = new Set([0x001e, 0x0020, 0x006e, 0x00fc, 0x0086, 0x0054, 0x011e, 0x011f, 0x00db, 0x0068, 0x0012, 0x00a2, 0x0100]);
/** Commands to the comms hub function, sent by the ACB. */
const CHF_CODES = new Set([0x0001, 0x0002, 0x0003, 0x0004, 0x0092, 0x0093, 0x0094, 0x00fa, 0x00fe, 0x010a, 0x010b, 0x010c, 0x010d, 0x010e, 0x010f]);
/** HAN-originated commands (PPMID, HCALCS). */
const HAN_CODES = new Set([0x0090, 0x009b, 0x0116, 0x0117, 0x0118, 0x0119]);

const TABLE: ReadonlyMap<number, UseCaseRule> = new Map(
  OBSERVED.map(([code, signature, mac, roles, han]) => [code, { signature, mac, roles, ...(han ? { han: true } : {}) }]),
);

const { supplier, networkOperator, accessControlBroker: acb, wanProvider, recovery, root } = ROLES;

export function ruleFor(code: number): UseCaseRule | undefined {
  const known = TABLE.get(code);
  if (known) return known;
  const info = messageCodeInfo(code);
  if (!info) return undefined;
  if (HAN_CODES.has(code)) return { signature: 'none', mac: 'required', roles: [], han: true };
  if (code === 0x0101) return { signature: 'required', mac: 'required', roles: [wanProvider] };
  if (code === 0x0109) return { signature: 'required', mac: 'none', roles: [root, recovery] };
  if (CRITICAL.has(code)) return { signature: 'required', mac: 'required', roles: [supplier] };
  if (CHF_CODES.has(code)) return { signature: 'none', mac: 'required', roles: [acb] };
  if (/network operator/i.test(info.name)) return { signature: 'none', mac: 'required', roles: [networkOperator] };
  return { signature: 'none', mac: 'required', roles: [supplier, networkOperator] };
}
