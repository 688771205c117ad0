import type { Hex } from '../../bytes.js';
import { GbcsEncodeError } from '../../errors.js';
import type { KeyUsageBit } from '../../asn1/certificate.js';
import {
  type Certificate,
  type Codec,
  SchemaMismatch,
  bigInt,
  certificate,
  choice,
  enumerated,
  generalizedTime,
  implicit,
  int,
  keyUsage,
  nul,
  octets,
  opt,
  seq,
  seqOf,
  sequenceElement,
} from './schema.js';

/*
 * Typed GBCS ASN.1 payloads (GBCS §10-13 use cases CS02a-g, CS03, CS04, CS06-CS09, CCS08, GCS28, GCS59,
 * GCS62). Field names follow the GBCS ASN.1 type and component names as far as the notes and the RTDS corpus
 * establish them; where they do not (marked "inferred") the name describes the observed role of the field.
 * Numeric enumerations stay numbers; names for display are in names.ts.
 */

// ---------------------------------------------------------------------------------------------------------
// Building blocks shared by several use cases

/** Trust anchor cell id: (role, key usage, cell usage). cellUsage absent = DEFAULT management (0). */
export interface TrustAnchorCellIdentifier {
  remotePartyRole: number;
  keyUsage: KeyUsageBit[];
  cellUsage?: number;
}
const trustAnchorCellIdentifier: Codec<TrustAnchorCellIdentifier> = seq('TrustAnchorCellIdentifier', {
  remotePartyRole: int,
  keyUsage,
  cellUsage: opt(int),
});

/** CHF/GPF device log entry (CS07, GCS59, GCS62). deviceType: 0 GSME, 1 ESME, 2 CHF, 3 GPF, 4 HCALCS, 5 PPMID, 6 Type 2. */
export interface DeviceLogEntry {
  deviceId: Hex;
  deviceType: number;
}
const deviceLogEntry: Codec<DeviceLogEntry> = seq('DeviceLogEntry', { deviceId: octets, deviceType: int });

/** seqNumberUsage 0 = prepayment top-up. */
export interface SpecialistSeqNumber {
  seqNumberUsage: number;
  seqNumber: bigint;
}
const specialistSeqNumber: Codec<SpecialistSeqNumber> = seq('SpecialistSeqNumber', {
  seqNumberUsage: int,
  seqNumber: bigInt,
});

export interface RemotePartySeqNumberChange {
  remotePartyRole: number;
  floorSeqNumber: bigint;
  specialistFloorSeqNumbers?: SpecialistSeqNumber[];
}
const remotePartySeqNumberChange: Codec<RemotePartySeqNumberChange> = seq('RemotePartySeqNumberChange', {
  remotePartyRole: int,
  floorSeqNumber: bigInt,
  specialistFloorSeqNumbers: opt(seqOf(specialistSeqNumber)),
});

/** Wraps a codec whose wire form is a single non-SEQUENCE element so the typed value is still an object. */
function single<K extends string, T>(key: K, codec: Codec<T>): Codec<{ [P in K]: T }> {
  return {
    what: codec.what,
    utag: codec.utag,
    accepts: (n) => codec.accepts(n),
    decode(n) {
      try {
        return { [key]: codec.decode(n) } as { [P in K]: T };
      } catch (e) {
        if (e instanceof SchemaMismatch) e.path.unshift(key);
        throw e;
      }
    },
    encode(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new GbcsEncodeError(path, 'expected an object');
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (k !== key && o[k] !== undefined) throw new GbcsEncodeError(`${path}.${k}`, `unknown field (expected only ${key})`);
      }
      if (o[key] === undefined) throw new GbcsEncodeError(`${path}.${key}`, `missing required field (${codec.what})`);
      return codec.encode(o[key], `${path}.${key}`);
    },
  };
}

/** A command whose whole payload is NULL: its typed value is an empty object. */
export type EmptyCommand = Record<string, never>;
const emptyNull: Codec<EmptyCommand> = {
  what: 'NULL',
  utag: nul.utag,
  accepts: (n) => n.type === 'null',
  decode(n) {
    nul.decode(n);
    return {};
  },
  encode(v, path) {
    if (v !== null && (typeof v !== 'object' || Array.isArray(v) || Object.keys(v).some((k) => (v as Record<string, unknown>)[k] !== undefined))) {
      throw new GbcsEncodeError(path, 'expected {} (the payload is NULL)');
    }
    return { type: 'null' };
  },
};

// ---------------------------------------------------------------------------------------------------------
// CS02a Provide Security Credentials Details (0x0008), CS02f (0x011B, same layout in RTDS)

export interface ProvideSecurityCredentialDetailsCommand {
  authorisingTaCell: TrustAnchorCellIdentifier;
  remotePartyRoles: number[];
}
export interface TrustAnchorCellContents {
  keyUsage: KeyUsageBit[];
  cellUsage?: number;
  subjectUniqueId: Hex;
  subjectKeyIdentifier: Hex;
}
/** statusCode (ENUMERATED): 0 success, 5 bad certificate, 10 no trust anchor, 17 insufficient memory, 25 not found, 30 busy, 127 other. */
export interface RemotePartyDetails {
  remotePartyRole: number;
  statusCode: number;
  currentSeqNumber?: bigint;
  trustAnchorCells?: TrustAnchorCellContents[];
}
export interface ProvideSecurityCredentialDetailsResponse {
  remoteParties: RemotePartyDetails[];
}

const provideSecurityCredentialDetailsCommand: Codec<ProvideSecurityCredentialDetailsCommand> = seq(
  'ProvideSecurityCredentialDetailsCommand',
  { authorisingTaCell: trustAnchorCellIdentifier, remotePartyRoles: seqOf(int) },
);
const trustAnchorCellContents: Codec<TrustAnchorCellContents> = seq('TrustAnchorCellContents', {
  keyUsage,
  cellUsage: opt(int),
  subjectUniqueId: octets,
  subjectKeyIdentifier: octets,
});
const remotePartyDetails: Codec<RemotePartyDetails> = seq('RemotePartyDetails', {
  remotePartyRole: int,
  statusCode: enumerated,
  currentSeqNumber: opt(bigInt),
  trustAnchorCells: opt(seqOf(trustAnchorCellContents)),
});
const provideSecurityCredentialDetailsResponse = single('remoteParties', seqOf(remotePartyDetails));

// ---------------------------------------------------------------------------------------------------------
// CS02b Update Security Credentials (0x0100-0x0109, alert 0x00CB), CS02g (0x0125/0x0126, alert 0x0124)

/**
 * credentialsReplacementMode: 0 rootBySupplier … 9 anyByContingency (see names.ts); 10/11 are the CS02g
 * load-controller modes seen in RTDS (inferred). applyTimeBasedCpvChecks: 0 apply, 1 disapply.
 */
export interface AuthorisingRemotePartyControl {
  credentialsReplacementMode: number;
  plaintextSymmetricKey?: Hex;
  applyTimeBasedCpvChecks?: number;
  authorisingTaCell?: TrustAnchorCellIdentifier;
  authorisingSeqNumber: bigint;
  newFloorSeqNumber?: bigint;
  newSpecialistFloorSeqNumbers?: SpecialistSeqNumber[];
  otherRemotePartySeqNumberChanges?: RemotePartySeqNumberChange[];
}
export interface TrustAnchorReplacement {
  certificate: Certificate;
  targetTaCell: TrustAnchorCellIdentifier;
}
export interface UpdateSecurityCredentialsCommand {
  control: AuthorisingRemotePartyControl;
  replacements: TrustAnchorReplacement[];
  certificationPathCertificates: Certificate[];
  /** Future-dated execution; `99991231235959Z` cancels a pending one. */
  executionDateTime?: string;
}
export interface ReplacementOutcome {
  affectedTaCell: TrustAnchorCellIdentifier;
  statusCode: number;
  existingSubjectUniqueId: Hex;
  existingSubjectKeyId: Hex;
  replacingSubjectUniqueId: Hex;
  replacingSubjectKeyId: Hex;
}
export interface UpdateSecurityCredentialsExecutionOutcome {
  authorisingSeqNumber: bigint;
  credentialsReplacementMode: number;
  seqNumberChanges: RemotePartySeqNumberChange[];
  replacementOutcomes: ReplacementOutcome[];
}
export interface UpdateSecurityCredentialsResponse {
  commandAccepted: null;
  executionOutcome?: UpdateSecurityCredentialsExecutionOutcome;
}
export interface UpdateSecurityCredentialsAlert {
  alertCode: number;
  executionDateTime: string;
  executionOutcome: UpdateSecurityCredentialsExecutionOutcome;
}

const authorisingRemotePartyControl: Codec<AuthorisingRemotePartyControl> = seq('AuthorisingRemotePartyControl', {
  credentialsReplacementMode: int,
  plaintextSymmetricKey: opt(implicit(0, octets)),
  applyTimeBasedCpvChecks: opt(implicit(1, int)),
  authorisingTaCell: opt(implicit(2, trustAnchorCellIdentifier)),
  authorisingSeqNumber: implicit(3, bigInt),
  newFloorSeqNumber: opt(implicit(4, bigInt)),
  newSpecialistFloorSeqNumbers: opt(implicit(5, seqOf(specialistSeqNumber))),
  otherRemotePartySeqNumberChanges: opt(implicit(6, seqOf(remotePartySeqNumberChange))),
});
const trustAnchorReplacement: Codec<TrustAnchorReplacement> = seq('TrustAnchorReplacement', {
  certificate,
  targetTaCell: trustAnchorCellIdentifier,
});
const updateSecurityCredentialsCommand: Codec<UpdateSecurityCredentialsCommand> = seq('UpdateSecurityCredentialsCommand', {
  control: authorisingRemotePartyControl,
  replacements: seqOf(trustAnchorReplacement),
  certificationPathCertificates: seqOf(certificate),
  executionDateTime: opt(generalizedTime),
});
const replacementOutcome: Codec<ReplacementOutcome> = seq('ReplacementOutcome', {
  affectedTaCell: trustAnchorCellIdentifier,
  statusCode: enumerated,
  existingSubjectUniqueId: octets,
  existingSubjectKeyId: octets,
  replacingSubjectUniqueId: octets,
  replacingSubjectKeyId: octets,
});
const updateSecurityCredentialsExecutionOutcome: Codec<UpdateSecurityCredentialsExecutionOutcome> = seq(
  'UpdateSecurityCredentialsExecutionOutcome',
  {
    authorisingSeqNumber: bigInt,
    credentialsReplacementMode: int,
    seqNumberChanges: seqOf(remotePartySeqNumberChange),
    replacementOutcomes: seqOf(replacementOutcome),
  },
);
const updateSecurityCredentialsResponse: Codec<UpdateSecurityCredentialsResponse> = seq('UpdateSecurityCredentialsResponse', {
  commandAccepted: nul,
  executionOutcome: opt(updateSecurityCredentialsExecutionOutcome),
});
const updateSecurityCredentialsAlert: Codec<UpdateSecurityCredentialsAlert> = seq('UpdateSecurityCredentialsAlert', {
  alertCode: int,
  executionDateTime: generalizedTime,
  executionOutcome: updateSecurityCredentialsExecutionOutcome,
});

// ---------------------------------------------------------------------------------------------------------
// CS02c Issue Security Credentials (0x000A), CS02d (0x000B), CS02e (0x000C)

export interface KeyUsageRequest {
  keyUsage: KeyUsageBit[];
}
/** Either the PKCS#10 request (whole DER, hex) or responseCode 1 invalid KU, 2 keygen failed, 3 CR failed. */
export type IssueSecurityCredentialsResponse = { certificationRequest: Hex } | { responseCode: number };
export interface UpdateDeviceCertificateCommand {
  certificate: Certificate;
}
/** 0 ok, 1 invalid cert, 2 wrong identity, 3 invalid KU, 4 no key pair, 5 wrong key, 6 storage failed, 7 key change failed. */
export interface ResponseCode {
  responseCode: number;
}
/** Either the certificate or responseCode 1 invalid KU, 2 none held, 3 retrieval failure. */
export type ProvideDeviceCertificateResponse = { certificate: Certificate } | { responseCode: number };

const keyUsageRequest: Codec<KeyUsageRequest> = seq('KeyUsageRequest', { keyUsage });
const responseCode: Codec<ResponseCode> = single('responseCode', int);
const issueSecurityCredentialsResponse: Codec<IssueSecurityCredentialsResponse> = choice('IssueSecurityCredentialsResponse', {
  certificationRequest: sequenceElement('CertificationRequest'),
  responseCode: int,
});
const updateDeviceCertificateCommand: Codec<UpdateDeviceCertificateCommand> = single('certificate', certificate);
const provideDeviceCertificateResponse: Codec<ProvideDeviceCertificateResponse> = choice('ProvideDeviceCertificateResponse', {
  certificate,
  responseCode: int,
});

// ---------------------------------------------------------------------------------------------------------
// CS03 join (0x000D A1, 0x00AB A2, 0x000E B, 0x00AF C) and CS04 unjoin (0x000F A/C, 0x0010 B)

/** joinMethodAndRole: 0 method A initiator, 1 method A responder, 2 method B, 3 method C. */
export interface JoinDeviceCommand {
  joinMethodAndRole: number;
  entityId: Hex;
  deviceType: number;
  /** The other device's KA certificate (method C). */
  certificate?: Certificate;
}
export interface UnjoinDeviceCommand {
  entityId: Hex;
}

const joinDeviceCommand: Codec<JoinDeviceCommand> = seq('JoinDeviceCommand', {
  joinMethodAndRole: int,
  entityId: octets,
  deviceType: int,
  certificate: opt(certificate),
});
const unjoinDeviceCommand: Codec<UnjoinDeviceCommand> = single('entityId', octets);

// ---------------------------------------------------------------------------------------------------------
// CS06 Activate Firmware (0x0012, future-dated alert 0x00CA)

export interface ActivateFirmwareCommand {
  manufacturerImageHash: Hex;
  originatorCounter: bigint;
  executionDateTime?: string;
}
/** responseCode: 0 success, 1 no image held, 2 hash mismatch, 3 activation failure. */
export interface ActivateFirmwareOutcome {
  responseCode: number;
  firmwareVersion: Hex;
}
/** NULL when a future-dated activation was accepted, else the outcome. */
export type ActivateFirmwareResponse = { commandAccepted: null } | { executionOutcome: ActivateFirmwareOutcome };
export interface ActivateFirmwareAlert {
  alertCode: number;
  executionDateTime: string;
  originatorCounter: bigint;
  executionOutcome: ActivateFirmwareOutcome;
}

const activateFirmwareCommand: Codec<ActivateFirmwareCommand> = seq('ActivateFirmwareCommand', {
  manufacturerImageHash: octets,
  originatorCounter: bigInt,
  executionDateTime: opt(generalizedTime),
});
const activateFirmwareOutcome: Codec<ActivateFirmwareOutcome> = seq('ActivateFirmwareOutcome', {
  responseCode: int,
  firmwareVersion: octets,
});
const activateFirmwareResponse: Codec<ActivateFirmwareResponse> = choice('ActivateFirmwareResponse', {
  commandAccepted: nul,
  executionOutcome: activateFirmwareOutcome,
});
const activateFirmwareAlert: Codec<ActivateFirmwareAlert> = seq('ActivateFirmwareAlert', {
  alertCode: int,
  executionDateTime: generalizedTime,
  originatorCounter: bigInt,
  executionOutcome: activateFirmwareOutcome,
});

// ---------------------------------------------------------------------------------------------------------
// CS07 Read Device Join Details (0x0013), CS08 Read PPMID/HCALCS Firmware Version (0x0129), CS09 alert
// (0x012B), CCS08 Firmware Transfer Alert (0x0128)

/** responseCode 0 success, 1 read failure; entries absent on failure. */
export interface ReadDeviceJoinDetailsResponse {
  responseCode: number;
  deviceLogEntries?: DeviceLogEntry[];
}
/** responseCode 0 read success, 1 read failure. */
export interface ReadFirmwareVersionResponse {
  firmwareVersion: Hex;
  responseCode: number;
}
/** CS09 (0x8F8B): responseCode 0 success, 1 failure (the parser calls it "activate image"; inferred). */
export interface FirmwareVersionAlert {
  alertCode: number;
  executionDateTime: string;
  firmwareVersion: Hex;
  responseCode: number;
}
/** CCS08 (0x8F8A success / 0x8F89 fail): responseCode 0 success, 1 image discarded, 2 HW version mismatch, 3 transfer failure. */
export interface FirmwareTransferAlert {
  alertCode: number;
  executionDateTime: string;
  entityId: Hex;
  firmwareVersion: Hex;
  responseCode: number;
}

const readDeviceJoinDetailsResponse: Codec<ReadDeviceJoinDetailsResponse> = seq('ReadDeviceJoinDetailsResponse', {
  responseCode: int,
  deviceLogEntries: opt(seqOf(deviceLogEntry)),
});
const readFirmwareVersionResponse: Codec<ReadFirmwareVersionResponse> = seq('ReadFirmwareVersionResponse', {
  firmwareVersion: octets,
  responseCode: int,
});
const firmwareVersionAlert: Codec<FirmwareVersionAlert> = seq('FirmwareVersionAlert', {
  alertCode: int,
  executionDateTime: generalizedTime,
  firmwareVersion: octets,
  responseCode: int,
});
const firmwareTransferAlert: Codec<FirmwareTransferAlert> = seq('FirmwareTransferAlert', {
  alertCode: int,
  executionDateTime: generalizedTime,
  entityId: octets,
  firmwareVersion: octets,
  responseCode: int,
});

// ---------------------------------------------------------------------------------------------------------
// GCS28 Set Clock on GSME (0x007F), GCS59 Restore GPF Device Log (0x008C), GCS62 Backup GPF Device Log (0x00B2)

export interface SetTimeCommand {
  validityIntervalStart: string;
  validityIntervalEnd: string;
}
/** deviceTimeStatus: 0 reliable, 1 invalid, 2 unreliable. */
export interface SetTimeResponse {
  deviceTime: string;
  deviceTimeStatus: number;
}
export interface GpfDeviceLogRestoreCommand {
  deviceLogEntries: DeviceLogEntry[];
}
/** joinResponseCode uses the CS03 response codes. */
export interface GpfDeviceLogRestoreOutcome {
  deviceLogEntry: DeviceLogEntry;
  joinResponseCode: number;
}
export interface GpfDeviceLogRestoreResponse {
  restoreOutcomes: GpfDeviceLogRestoreOutcome[];
}
export interface GpfDeviceLogBackupAlert {
  alertCode: number;
  backupDateTime: string;
  deviceLogEntries: DeviceLogEntry[];
}

const setTimeCommand: Codec<SetTimeCommand> = seq('SetTimeCommand', {
  validityIntervalStart: generalizedTime,
  validityIntervalEnd: generalizedTime,
});
const setTimeResponse: Codec<SetTimeResponse> = seq('SetTimeResponse', { deviceTime: generalizedTime, deviceTimeStatus: int });
const gpfDeviceLogRestoreCommand: Codec<GpfDeviceLogRestoreCommand> = seq('GpfDeviceLogRestoreCommand', {
  deviceLogEntries: seqOf(deviceLogEntry),
});
const gpfDeviceLogRestoreResponse: Codec<GpfDeviceLogRestoreResponse> = seq('GpfDeviceLogRestoreResponse', {
  restoreOutcomes: seqOf(seq('GpfDeviceLogRestoreOutcome', { deviceLogEntry, joinResponseCode: int })),
});
const gpfDeviceLogBackupAlert: Codec<GpfDeviceLogBackupAlert> = seq('GpfDeviceLogBackupAlert', {
  alertCode: int,
  backupDateTime: generalizedTime,
  deviceLogEntries: seqOf(deviceLogEntry),
});

// ---------------------------------------------------------------------------------------------------------
// Registry

/** Typed value of each schema. */
export interface Asn1Schemas {
  ProvideSecurityCredentialDetailsCommand: ProvideSecurityCredentialDetailsCommand;
  ProvideSecurityCredentialDetailsResponse: ProvideSecurityCredentialDetailsResponse;
  UpdateSecurityCredentialsCommand: UpdateSecurityCredentialsCommand;
  UpdateSecurityCredentialsResponse: UpdateSecurityCredentialsResponse;
  UpdateSecurityCredentialsAlert: UpdateSecurityCredentialsAlert;
  IssueSecurityCredentialsCommand: KeyUsageRequest;
  IssueSecurityCredentialsResponse: IssueSecurityCredentialsResponse;
  UpdateDeviceCertificateCommand: UpdateDeviceCertificateCommand;
  UpdateDeviceCertificateResponse: ResponseCode;
  ProvideDeviceCertificateCommand: KeyUsageRequest;
  ProvideDeviceCertificateResponse: ProvideDeviceCertificateResponse;
  JoinDeviceCommand: JoinDeviceCommand;
  JoinDeviceResponse: ResponseCode;
  UnjoinDeviceCommand: UnjoinDeviceCommand;
  UnjoinDeviceResponse: ResponseCode;
  ActivateFirmwareCommand: ActivateFirmwareCommand;
  ActivateFirmwareResponse: ActivateFirmwareResponse;
  ActivateFirmwareAlert: ActivateFirmwareAlert;
  ReadDeviceJoinDetailsCommand: EmptyCommand;
  ReadDeviceJoinDetailsResponse: ReadDeviceJoinDetailsResponse;
  ReadFirmwareVersionCommand: EmptyCommand;
  ReadFirmwareVersionResponse: ReadFirmwareVersionResponse;
  FirmwareVersionAlert: FirmwareVersionAlert;
  FirmwareTransferAlert: FirmwareTransferAlert;
  SetTimeCommand: SetTimeCommand;
  SetTimeResponse: SetTimeResponse;
  GpfDeviceLogRestoreCommand: GpfDeviceLogRestoreCommand;
  GpfDeviceLogRestoreResponse: GpfDeviceLogRestoreResponse;
  GpfDeviceLogBackupAlert: GpfDeviceLogBackupAlert;
}
export type Asn1SchemaName = keyof Asn1Schemas;

export const SCHEMAS: { readonly [K in Asn1SchemaName]: Codec<Asn1Schemas[K]> } = {
  ProvideSecurityCredentialDetailsCommand: provideSecurityCredentialDetailsCommand,
  ProvideSecurityCredentialDetailsResponse: provideSecurityCredentialDetailsResponse,
  UpdateSecurityCredentialsCommand: updateSecurityCredentialsCommand,
  UpdateSecurityCredentialsResponse: updateSecurityCredentialsResponse,
  UpdateSecurityCredentialsAlert: updateSecurityCredentialsAlert,
  IssueSecurityCredentialsCommand: keyUsageRequest,
  IssueSecurityCredentialsResponse: issueSecurityCredentialsResponse,
  UpdateDeviceCertificateCommand: updateDeviceCertificateCommand,
  UpdateDeviceCertificateResponse: responseCode,
  ProvideDeviceCertificateCommand: keyUsageRequest,
  ProvideDeviceCertificateResponse: provideDeviceCertificateResponse,
  JoinDeviceCommand: joinDeviceCommand,
  JoinDeviceResponse: responseCode,
  UnjoinDeviceCommand: unjoinDeviceCommand,
  UnjoinDeviceResponse: responseCode,
  ActivateFirmwareCommand: activateFirmwareCommand,
  ActivateFirmwareResponse: activateFirmwareResponse,
  ActivateFirmwareAlert: activateFirmwareAlert,
  ReadDeviceJoinDetailsCommand: emptyNull,
  ReadDeviceJoinDetailsResponse: readDeviceJoinDetailsResponse,
  ReadFirmwareVersionCommand: emptyNull,
  ReadFirmwareVersionResponse: readFirmwareVersionResponse,
  FirmwareVersionAlert: firmwareVersionAlert,
  FirmwareTransferAlert: firmwareTransferAlert,
  SetTimeCommand: setTimeCommand,
  SetTimeResponse: setTimeResponse,
  GpfDeviceLogRestoreCommand: gpfDeviceLogRestoreCommand,
  GpfDeviceLogRestoreResponse: gpfDeviceLogRestoreResponse,
  GpfDeviceLogBackupAlert: gpfDeviceLogBackupAlert,
};

export const SCHEMA_NAMES = Object.keys(SCHEMAS) as Asn1SchemaName[];

export type Cra = 'command' | 'response' | 'alert';
type ByCra = Partial<Record<Cra, readonly Asn1SchemaName[]>>;

const CS02B: ByCra = { command: ['UpdateSecurityCredentialsCommand'], response: ['UpdateSecurityCredentialsResponse'] };
const CS02B_ALERT: ByCra = { alert: ['UpdateSecurityCredentialsAlert'] };
const CS02A: ByCra = {
  command: ['ProvideSecurityCredentialDetailsCommand'],
  response: ['ProvideSecurityCredentialDetailsResponse'],
};
const CS03: ByCra = { command: ['JoinDeviceCommand'], response: ['JoinDeviceResponse'] };
const CS04: ByCra = { command: ['UnjoinDeviceCommand'], response: ['UnjoinDeviceResponse'] };

/** Which schemas may describe the payload of each ASN.1 message code, per CRA flag. */
export const MESSAGE_SCHEMAS: ReadonlyMap<number, ByCra> = new Map<number, ByCra>([
  [0x0008, CS02A],
  [0x011b, CS02A],
  [0x000a, { command: ['IssueSecurityCredentialsCommand'], response: ['IssueSecurityCredentialsResponse'] }],
  [0x000b, { command: ['UpdateDeviceCertificateCommand'], response: ['UpdateDeviceCertificateResponse'] }],
  [0x000c, { command: ['ProvideDeviceCertificateCommand'], response: ['ProvideDeviceCertificateResponse'] }],
  [0x000d, CS03],
  [0x000e, CS03],
  [0x00ab, CS03],
  [0x00af, CS03],
  [0x000f, CS04],
  [0x0010, CS04],
  [0x0012, { command: ['ActivateFirmwareCommand'], response: ['ActivateFirmwareResponse'] }],
  [0x00ca, { alert: ['ActivateFirmwareAlert'] }],
  [0x0013, { command: ['ReadDeviceJoinDetailsCommand'], response: ['ReadDeviceJoinDetailsResponse'] }],
  [0x0129, { command: ['ReadFirmwareVersionCommand'], response: ['ReadFirmwareVersionResponse'] }],
  [0x012b, { alert: ['FirmwareVersionAlert'] }],
  [0x0128, { alert: ['FirmwareTransferAlert'] }],
  [0x007f, { command: ['SetTimeCommand'], response: ['SetTimeResponse'] }],
  [0x008c, { command: ['GpfDeviceLogRestoreCommand'], response: ['GpfDeviceLogRestoreResponse'] }],
  [0x00b2, { alert: ['GpfDeviceLogBackupAlert'] }],
  [0x00cb, CS02B_ALERT],
  [0x0124, CS02B_ALERT],
  [0x0125, CS02B],
  [0x0126, CS02B],
  ...Array.from({ length: 10 }, (_, i): [number, ByCra] => [0x0100 + i, CS02B]),
]);
