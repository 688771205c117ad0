export { KDF_MODE, type KdfInfo, type KdfMode, OTHER_INFO_LENGTH, deriveKey, deriveKeyRaw, otherInfo } from './kdf.js';
export {
  KeyAgreementCache,
  type KeyAgreementCacheOptions,
  type KeyAgreementStats,
  ecdhSharedSecret,
} from './agreement.js';
export { GBCS_TAG_LENGTH, gbcsIv, gmac, gmacVerify } from './gmac.js';
export { type EncryptedPayload, PAYLOAD_SECURITY_CONTROL, decryptPayload, encryptPayload } from './cipher.js';
export { SIGNATURE_LENGTH, type SignOptions, ecdsaSign, ecdsaVerify } from './ecdsa.js';
export {
  PPTD_OFFSET,
  type ParsedUtrn,
  UTRN_MAX_VALUE,
  type UtrnKey,
  type UtrnParams,
  type UtrnValueClass,
  type VerifyUtrnParams,
  makeUtrn,
  parseUtrn,
  utrnCheckDigit,
  verifyUtrn,
} from './utrn.js';
export {
  type CertificateInfo,
  type FromFilesOptions,
  KEY_USAGES,
  type KeyUsage,
  Keystore,
  type KeystoreEntryInput,
  type KeystoreFile,
  type KeystoreWarning,
  type KeystoreWarningCode,
  ROLE_ACB,
  certificateInfo,
} from './keystore.js';
export { P256_ORDER, publicPoint } from './keys.js';
