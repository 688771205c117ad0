import type { Hex } from '../../bytes.js';
import type { CipheredBlock, EncryptedPart } from '../ciphered.js';
import type { DlmsDateTime } from '../time.js';

/*
 * Decoded DLMS COSEM payloads as plain JSON-friendly values. Byte fields are upper-case hex; 64-bit integers
 * are bigint (encoders also take their decimal string form). Every decoded value re-encodes to the bytes it
 * came from (the Reader accepts only shortest-form BER lengths, which is what encoders write).
 */

/** Integer-valued Data types whose value fits a JS number. */
export type DlmsNumberType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'enum'
  | 'bcd'
  | 'delta-int8'
  | 'delta-int16'
  | 'delta-int32'
  | 'delta-uint8'
  | 'delta-uint16'
  | 'delta-uint32';

export interface CosemDate {
  year: number;
  month: number;
  day: number;
  dayOfWeek: number;
}

export interface CosemTime {
  hour: number;
  minute: number;
  second: number;
  hundredths: number;
}

/** A-XDR `Data`, discriminated by `type`. */
export type DlmsData =
  | { type: 'null' }
  | { type: 'dont-care' }
  | { type: 'array'; items: DlmsData[] }
  | { type: 'structure'; items: DlmsData[] }
  /** `raw` is kept only when the byte was neither 00 nor 01, so such a value still re-encodes exactly. */
  | { type: 'boolean'; value: boolean; raw?: number }
  /** `hex` holds ceil(bits/8) bytes, unused trailing bits included as received. */
  | { type: 'bit-string'; bits: number; hex: Hex }
  | { type: DlmsNumberType; value: number }
  | { type: 'int64' | 'uint64'; value: bigint }
  | { type: 'octet-string'; hex: Hex }
  /** A 12-byte octet-string that reads as a DLMS date-time (GBCS carries times this way, tag 09 0C). */
  | { type: 'date-time'; value: DlmsDateTime }
  /** Bytes as Latin-1 characters, so any byte string round-trips. */
  | { type: 'visible-string'; value: string }
  /** `hex` is present only when the bytes are not valid UTF-8; the encoder then writes `hex`, not `value`. */
  | { type: 'utf8-string'; value: string; hex?: Hex }
  /** `hex` is the exact IEEE 754 bytes (NaN payloads survive); `value` is used only when `hex` is absent. */
  | { type: 'float32' | 'float64'; value: number; hex?: Hex }
  /** The dedicated date/time tags 25-27 (not used by GBCS, which sends date-times as octet-strings). */
  | { type: 'cosem-date-time'; value: DlmsDateTime }
  | { type: 'cosem-date'; value: CosemDate }
  | { type: 'cosem-time'; value: CosemTime }
  /** Tag 19: rows are typed by `description` and travel without their own tags. */
  | { type: 'compact-array'; description: DlmsTypeDescription; rows: DlmsData[] };

export type DlmsDataType = DlmsData['type'];

/** Type names allowed as leaves of a compact-array type description. */
export type DlmsSimpleType = Exclude<DlmsDataType, 'array' | 'structure' | 'compact-array' | 'date-time'>;

export type DlmsTypeDescription =
  | { type: 'array'; count: number; element: DlmsTypeDescription }
  | { type: 'structure'; elements: DlmsTypeDescription[] }
  | { type: DlmsSimpleType };

/*
 * OBIS codes are kept as the 6 raw bytes (12 hex digits) so they re-encode exactly whatever they hold;
 * `obisText` ("0-0:94.44.10.2") is filled on decode for people and ignored by the encoder.
 */
interface CosemObjectRef {
  classId: number;
  obis: Hex;
  obisText?: string;
}

export interface CosemAttributeRef extends CosemObjectRef {
  attribute: number;
}

export interface CosemMethodRef extends CosemObjectRef {
  method: number;
}

/** Access-Request-Specification (choice tags 1-5). */
export type AccessRequestSpec =
  | ({ type: 'get' } & CosemAttributeRef)
  | ({ type: 'set' } & CosemAttributeRef)
  | ({ type: 'action' } & CosemMethodRef)
  | ({ type: 'get-with-selection' | 'set-with-selection'; selector: number; parameters: DlmsData } & CosemAttributeRef);

/**
 * Access-Response-Specification: `result` is a Data-Access-Result for get/set and an Action-Result for action
 * (names in names.ts).
 */
export interface AccessResponseSpec {
  type: 'get' | 'set' | 'action';
  result: number;
}

interface ApduCommon {
  /** long-invoke-id-and-priority (GBCS: 0x20 ‖ low 24 bits of the originator counter). */
  invokeIdAndPriority: number;
  /** The APDU's date-time octet-string: null when empty (always so in RTDS). */
  dateTime: DlmsDateTime | null;
}

export interface DlmsAccessRequest extends ApduCommon {
  type: 'access-request';
  specs: AccessRequestSpec[];
  /** One entry per spec in GBCS: null-data for get, the value for set, the parameter for action. */
  data: DlmsData[];
}

export interface DlmsAccessResponse extends ApduCommon {
  type: 'access-response';
  /** The OPTIONAL echo of the request specs; null when absent (always so in RTDS). */
  requestSpecs: AccessRequestSpec[] | null;
  data: DlmsData[];
  results: AccessResponseSpec[];
}

export interface DlmsDataNotification extends ApduCommon {
  type: 'data-notification';
  body: DlmsData;
}

export type DlmsApdu = DlmsAccessRequest | DlmsAccessResponse | DlmsDataNotification;

/** A protected-data block found in a DLMS APDU; its plaintext is A-XDR Data. */
export interface DlmsEncryptedPart extends EncryptedPart {
  block: CipheredBlock;
  /** The protection-parameters array that precedes the block (protection type, transaction id, titles, key info). */
  parameters: DlmsData;
  decodePlaintext(plaintext: Uint8Array): DlmsData;
}
