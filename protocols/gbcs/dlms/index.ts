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
