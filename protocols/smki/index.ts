export { type SmkiFailure, SmkiError } from './errors.js';
export {
  type CellUsage,
  type CertUsage,
  DEFAULT_ORGANISATIONS,
  DEVICE_NOT_AFTER,
  DEVICE_TYPES,
  type DeviceType,
  KEY_SLOTS,
  KEY_USAGE_DER,
  type KeySlot,
  OID,
  POLICY_SETS,
  type PolicySet,
  type PolicySetName,
  ROLES,
  type RemotePartyRole,
  type RoleName,
  TRUST_ANCHOR_CELLS,
  describePolicy,
  keyIdentifier,
  keyIdentifierHex,
  parseDeviceType,
  parseRole,
  policySet,
  roleHex,
  roleName,
  rolesForUsage,
  slotUsage,
} from './profile.js';
export { type PemBlock, parsePem, parsePemBlocks, toPem } from './pem.js';
export { type SeedInput, deriveKeyPair, deriveSerial, keyPairFromScalar, seedBytes } from './seed.js';
export {
  type CertificateExtension,
  type CertificateKind,
  type NameAttribute,
  type SmkiCertificate,
  profileProblems,
  readCertificate,
} from './certificate.js';
export { type CertificateSigner, type CertificateSpec, type Issuer, deterministicSigner, signCertificate } from './issue.js';
export { type Credential, type PartyCredentials, Pki, type PkiOptions } from './pki.js';
export { type Expectation, type TrustStore, type ValidatedCertificate, cellExpectation, trustStore, validateCertificate } from './validate.js';
export {
  type ImportedCredential,
  describeParty,
  importKeystoreFiles,
  keystoreFileName,
  keystoreFiles,
  keystoreOf,
  partiesFromImport,
  readPrivateKey,
} from './keystore-files.js';
export {
  type DccBoxedEntry,
  type DccBoxedSelection,
  dccBoxedParties,
  dccBoxedToKeystoreFiles,
  parseDccBoxedKeystore,
  selectDccBoxedCredentials,
  toDccBoxedKeystore,
} from './dccboxed.js';
