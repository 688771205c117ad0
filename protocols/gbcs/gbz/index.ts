/**
 * GBZ: ZigBee Smart Energy ZCL commands wrapped by GBCS (payloads starting 01 09).
 *
 * decodeGbz / encodeGbz round-trip byte for byte; ZCL payloads are decoded into named fields by the
 * schemas in zcl-commands.ts (untyped hex only where no schema fits, see countUntypedGbz). Encrypted
 * components stay ciphered; gbzEncryptedParts hands them to whoever holds the key.
 */
export type {
  GbzAlertHeader,
  GbzAlertTail,
  GbzComponent,
  GbzDecodeContext,
  GbzEncryption,
  GbzPayload,
  UtcTime,
  ZclCommand,
  ZclValue,
} from './types.js';
export { GBZ_PROFILE_ID, countUntypedGbz, decodeGbz, encodeGbz, gbzEncryptedParts } from './codec.js';
export {
  ZCL_FRAME,
  ZCL_STATUS,
  defaultResponseTo,
  encryptedComponent,
  isClusterSpecific,
  isToClient,
  readAttributesResponseTo,
  zclComponent,
  zclPayloadBytes,
  type ReadAttributeAnswer,
  type ZclComponentSpec,
} from './build.js';
export { decodeZclPayloadBytes as decodeZclCommand, findCommand, findCommandByName, type CompiledCommand } from './schema.js';
export { CLUSTER, CLUSTER_NAMES, SERVER_ATTRIBUTES, findAttribute, type AttributeDef, type AttributeInfo } from './zcl-attributes.js';
export { CLUSTER_COMMANDS, GENERAL_COMMANDS } from './zcl-commands.js';
export { zclTypeName, zclTypeSize } from './zcl-data.js';
/** UTCTime helpers with the same sentinel convention as decoded values (0, 0xFFFFFFFE, 0xFFFFFFFF stay numbers). */
export { utcFromSeconds, utcToSeconds } from './values.js';
