/*
 * Display names for the numeric enumerations in typed ASN.1 payloads. Data only: typed values keep the
 * numbers so an unknown value still round-trips.
 */

export const REMOTE_PARTY_ROLES: Readonly<Record<number, string>> = {
  0: 'root',
  1: 'recovery',
  2: 'supplier',
  3: 'networkOperator',
  4: 'accessControlBroker',
  5: 'transitionalCoS',
  6: 'wanProvider',
  7: 'issuingAuthority',
  8: 'loadController', // inferred from RTDS CS02g / OU=08
  127: 'other',
};

/** CS02b/CS02g credentialsReplacementMode; the mode is also implied by the message code. */
export const CREDENTIALS_REPLACEMENT_MODES: Readonly<Record<number, string>> = {
  0: 'rootBySupplier',
  1: 'rootByWanProvider',
  2: 'supplierBySupplier',
  3: 'networkOperatorByNetworkOperator',
  4: 'accessControlBrokerByACB',
  5: 'wanProviderByWanProvider',
  6: 'transCoSByTransCoS',
  7: 'supplierByTransCoS',
  8: 'anyExceptAbnormalRootByRecovery',
  9: 'anyByContingency',
  10: 'loadControllerByLoadController', // inferred: RTDS 0x0125
  11: 'loadControllerBySupplier', // inferred: RTDS 0x0126
};

/** Message code → credentialsReplacementMode for the CS02b/CS02g command codes. */
export const CS02B_MODE_BY_CODE: Readonly<Record<number, number>> = {
  0x0100: 0,
  0x0101: 1,
  0x0102: 2,
  0x0103: 3,
  0x0104: 4,
  0x0105: 5,
  0x0106: 6,
  0x0107: 7,
  0x0108: 8,
  0x0109: 9,
  0x0125: 10,
  0x0126: 11,
};

export const TRUST_ANCHOR_STATUS_CODES: Readonly<Record<number, string>> = {
  0: 'success',
  5: 'badCertificate',
  10: 'noTrustAnchor',
  17: 'insufficientMemory',
  25: 'trustAnchorNotFound',
  30: 'resourcesBusy',
  127: 'other',
};

export const CELL_USAGES: Readonly<Record<number, string>> = { 0: 'management', 1: 'prePaymentTopUp' };

export const DEVICE_TYPES: Readonly<Record<number, string>> = {
  0: 'GSME',
  1: 'ESME',
  2: 'CHF',
  3: 'GPF',
  4: 'HCALCS',
  5: 'PPMID',
  6: 'Type 2',
};

export const JOIN_METHODS: Readonly<Record<number, string>> = {
  0: 'methodAInitiator',
  1: 'methodAResponder',
  2: 'methodB',
  3: 'methodC',
};

export const JOIN_RESPONSE_CODES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'invalidMessageCodeForJoinMethodAndRole',
  2: 'invalidJoinMethodAndRole',
  3: 'incompatibleWithExistingEntry',
  4: 'deviceLogFull',
  5: 'writeFailure',
  6: 'keyAgreementNoResources',
  7: 'keyAgreementUnknownIssuer',
  8: 'keyAgreementUnsupportedSuite',
  9: 'keyAgreementBadMessage',
  10: 'keyAgreementBadKeyConfirm',
  11: 'invalidOrMissingCertificate',
  12: 'noPartnerLinkKeyReceived',
  13: 'noCbkeResponse',
};

export const UNJOIN_RESPONSE_CODES: Readonly<Record<number, string>> = { 0: 'success', 1: 'notInDeviceLog', 2: 'otherFailure' };

export const UPDATE_DEVICE_CERTIFICATE_CODES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'invalidCertificate',
  2: 'wrongDeviceIdentity',
  3: 'invalidKeyUsage',
  4: 'noCorrespondingKeyPairGenerated',
  5: 'wrongPublicKey',
  6: 'certificateStorageFailed',
  7: 'privateKeyChangeFailed',
};

export const ISSUE_SECURITY_CREDENTIALS_CODES: Readonly<Record<number, string>> = {
  1: 'invalidKeyUsage',
  2: 'keyPairGenerationFailed',
  3: 'certificationRequestFailed',
};

export const PROVIDE_DEVICE_CERTIFICATE_CODES: Readonly<Record<number, string>> = {
  1: 'invalidKeyUsage',
  2: 'noCertificateHeld',
  3: 'certificateRetrievalFailure',
};

export const ACTIVATE_FIRMWARE_CODES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'noImageHeld',
  2: 'hashMismatch',
  3: 'activationFailure',
};

export const FIRMWARE_TRANSFER_CODES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'imageDiscarded',
  2: 'hardwareVersionMismatch',
  3: 'fileTransferFailure',
};

export const DEVICE_TIME_STATUSES: Readonly<Record<number, string>> = { 0: 'reliable', 1: 'invalid', 2: 'unreliable' };
