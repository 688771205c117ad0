/*
 * DLMS COSEM payload codec for GBCS: A-XDR Data, the access-request / access-response / data-notification
 * APDUs, and discovery of protected (encrypted) data blocks. Pure functions; no I/O, no shared state.
 */
export type {
  AccessRequestSpec,
  AccessResponseSpec,
  CosemAttributeRef,
  CosemDate,
  CosemMethodRef,
  CosemTime,
  DlmsAccessRequest,
  DlmsAccessResponse,
  DlmsApdu,
  DlmsData,
  DlmsDataNotification,
  DlmsDataType,
  DlmsEncryptedPart,
  DlmsNumberType,
  DlmsSimpleType,
  DlmsTypeDescription,
} from './types.js';
export {
  DLMS_ACCESS_REQUEST,
  DLMS_ACCESS_RESPONSE,
  DLMS_DATA_NOTIFICATION,
  decodeDlms,
  decodeDlmsData,
  encodeDlms,
  encodeDlmsData,
  obisTextAt,
} from './apdu.js';
export { MAX_DATA_DEPTH, isDlmsDateTimeBytes, readDlmsData, typeDescriptionMinSize, writeDlmsData } from './data.js';
export { dlmsEncryptedParts } from './protected.js';
export {
  ACTION_RESULT_NAMES,
  COSEM_CLASS_NAMES,
  DATA_ACCESS_RESULT_NAMES,
  OBIS_NAMES,
  accessResultName,
  cosemClassName,
  obisHexToText,
  obisName,
} from './names.js';

/**
 * GBCS long-invoke-id-and-priority: 0x20 ‖ the low 24 bits of the grouping-header Originator Counter
 * (every DLMS APDU in RTDS follows it).
 */
export function dlmsInvokeId(counter: bigint): number {
  return (0x20000000 | Number(counter & 0xffffffn)) >>> 0;
}
