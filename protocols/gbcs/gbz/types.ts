import type { Hex } from '../../bytes.js';
import type { CipheredBlock } from '../ciphered.js';

/**
 * A ZCL UTCTime (u32 seconds since 2000-01-01T00:00:00Z). Ordinary instants are ISO strings; the three
 * sentinel values GBCS gives a meaning to stay numbers so nobody has to recognise them as dates:
 * 0 = "now", 0xFFFFFFFE and 0xFFFFFFFF = "cancel"/"not specified". Encoders accept either form.
 */
export type UtcTime = string | number;

/** JSON-friendly value of a ZCL field or attribute. */
export type ZclValue =
  | number
  | string
  | boolean
  | null
  | ZclValue[]
  | { [key: string]: ZclValue };

/**
 * A ZCL command payload. Typed when a schema for (cluster, frame type, direction, command id) exists and
 * consumed the payload exactly; otherwise the raw bytes, with the schema name and why it did not fit when
 * a schema existed but the bytes did not match it.
 */
export type ZclCommand =
  | { typed: true; name: string; fields: Record<string, ZclValue> }
  | { typed: false; payload: Hex; name?: string; reason?: string };

/** The part of an encrypted component that is not the ciphertext (gbcs-framing §3.3). */
export interface GbzEncryption {
  additionalHeaderControl: number;
  additionalFrameCounter: number;
  block: CipheredBlock;
}

/**
 * One GBZ use-case-specific component. The control byte is not stored: its bits follow from the value
 * (last = position, encrypted = `encrypted` present, from-date-time = `fromDateTime` present).
 * Exactly one of `command` and `encrypted` is present. `decrypted` is for callers that decrypted the
 * block and want to keep the result next to it; encoders ignore it.
 */
export interface GbzComponent {
  clusterId: number;
  fromDateTime?: UtcTime;
  frameControl: number;
  manufacturerCode?: number;
  sequenceNumber: number;
  commandId: number;
  command?: ZclCommand;
  encrypted?: GbzEncryption;
  decrypted?: ZclCommand;
}

export interface GbzAlertHeader {
  alertCode: number;
  timestamp: UtcTime;
}

/**
 * Alert bodies that are not components although the header still counts one (`componentCount`).
 * Selected by message code (0x00CD, 0x00CF, 0x00F2) or, for the same layouts under other codes, by the
 * alert code.
 */
export type GbzAlertTail =
  | {
      /** 8F66/8F67 outcome of a future-dated command: which command it was. */
      kind: 'futureDatedOutcome';
      componentCount: number;
      messageCode: number;
      /** uint64 as a decimal string (JSON has no 64-bit integers). */
      originatorCounter: string;
      clusterId: number;
      frameControl: number;
      commandId: number;
    }
  | { kind: 'firmwareImageHash'; componentCount: number; imageHash: Hex }
  | { kind: 'meterIntegrityWarning'; componentCount: number; integrityCode: number }
  | { kind: 'userInterfaceCommand'; componentCount: number; userInterfaceCommand: number };

/**
 * A GBZ payload (profile 0x0109). `alert` is present exactly for alerts (CRA 3). When `alertTail` is
 * present `components` is empty.
 */
export interface GbzPayload {
  alert?: GbzAlertHeader;
  components: GbzComponent[];
  alertTail?: GbzAlertTail;
}

export interface GbzDecodeContext {
  messageCode: number;
  cra: 'command' | 'response' | 'alert';
}
