import { type Hex, fromHex, toHex } from '../../protocols/bytes.js';
import type { Eui64 } from '../../protocols/eui.js';
import type { Payload } from '../../protocols/gbcs/payload.js';
import { SmkiError, keyIdentifierHex, readCertificate } from '../../protocols/smki/index.js';
import { type HandlerContext, type HandlerResult, type Request, SECURITY_ALERT, type ScheduledTask, type TickContext } from '../device.js';
import type { Exchange, FamilyEngine, SigningFrame } from '../models/composite.js';
import type { EngineEnv } from '../shared.js';
import { TASK_CREDENTIALS, provideCredentialDetails, runCredentialUpdate, seedCredentials, updateSecurityCredentials } from './credentials.js';
import { issueSecurityCredentials, provideDeviceCertificate, seedDeviceCredentials, updateDeviceCertificate } from './device-credentials.js';
import { TASK_ACTIVATE, activateFirmware, firmwareTransferred, readFirmwareVersion, reportFirmwareVersion, runActivation, seedFirmware } from './firmware.js';
import { genericAlertPayload } from './generic-alert.js';
import { gpfLogEvent, joinDevice, readDeviceJoinDetails, restoreGpfDeviceLog, seedJoins, unjoinDevice } from './joins.js';
import { type EngineCtx, refuse } from './respond.js';
import { setClock } from './set-time.js';
import { type Asn1State, type DeviceKeyUsage, applyDeviceSeed, newAsn1State } from './state.js';
import { isValidRoot } from './trust-path.js';

/**
 * The ASN.1 use cases of one device (any kind): security credentials (CS02a-g), HAN joins (CS03, CS04,
 * CS07, GCS59/62), firmware (CS06, CS08, CS09, CCS08) and the GSME clock (GCS28). Besides the family-engine
 * interface it offers the provisioning an estate needs and tests use.
 */
export interface Asn1Engine extends FamilyEngine {
  readonly state: Asn1State;
  genericAlert(alertCode: number, counter: bigint, at: Date): Payload;
  /** Put a Root certificate in the Root cell (manufacture-time provisioning for an estate's own PKI). */
  setRootAnchor(certificate: Hex | Uint8Array): void;
  /** The device's own certificate for a key usage, as CS02e reports it. */
  installDeviceCertificate(usage: DeviceKeyUsage, certificate: Hex | Uint8Array): void;
  /** An image received and verified (CS01/CCS firmware distribution), waiting for CS06. */
  loadFirmwareImage(image: { version: Hex; hash: Hex }): void;
  /** CCS08: the comms hub's transfer of an image to a HAN device ended with `outcome` (0 = success). */
  firmwareTransfer(ctx: TickContext, entity: Eui64, version: Hex, outcome: number): void;
  /** CS09: a deferred firmware version read completes. */
  firmwareVersionRead(ctx: TickContext): void;
}

export function createAsn1Engine(env: EngineEnv): Asn1Engine {
  const state = newAsn1State(env);
  const eng: EngineCtx = { env, state };

  function dispatch(req: Request, ctx: HandlerContext): HandlerResult {
    if (env.kind === 'ihd') return { ignore: 'a Type 2 device takes no ASN.1 use cases' };
    const p = req.payload;
    if (p.family !== 'asn1') return { ignore: `not an ASN.1 payload (${p.family})` };
    const a = p.asn1;
    switch (a.schema) {
      case 'ProvideSecurityCredentialDetailsCommand':
        return provideCredentialDetails(req, a.value, ctx, eng);
      case 'UpdateSecurityCredentialsCommand':
        return updateSecurityCredentials(req, a.value, ctx, eng);
      case 'IssueSecurityCredentialsCommand':
        return issueSecurityCredentials(req, a.value, ctx, eng);
      case 'UpdateDeviceCertificateCommand':
        return updateDeviceCertificate(req, a.value, ctx, eng);
      case 'ProvideDeviceCertificateCommand':
        return provideDeviceCertificate(req, a.value, ctx, eng);
      case 'JoinDeviceCommand':
        return joinDevice(req, a.value, ctx, eng);
      case 'UnjoinDeviceCommand':
        return unjoinDevice(req, a.value, ctx, eng);
      case 'ReadDeviceJoinDetailsCommand':
        return readDeviceJoinDetails(req, ctx, eng);
      case 'GpfDeviceLogRestoreCommand':
        return restoreGpfDeviceLog(req, a.value, ctx, eng);
      case 'ActivateFirmwareCommand':
        return activateFirmware(req, a.value, ctx, eng);
      case 'ReadFirmwareVersionCommand':
        return readFirmwareVersion(req, ctx, eng);
      case 'SetTimeCommand':
        return setClock(req, a.value, ctx, eng);
      case 'untyped':
        // Well-formed DER that is not the use case's structure: the command is malformed.
        return refuse(req, ctx, SECURITY_ALERT.integrity, `payload does not fit message code ${req.messageCode}: ${a.mismatch ?? 'no schema'}`);
      default:
        return { ignore: `${a.schema} is not a command` };
    }
  }

  return {
    state,

    handle(req, ctx) {
      applyDeviceSeed(state, ctx.device);
      try {
        return dispatch(req, ctx);
      } catch (e) {
        // A device never throws at its head-end: an unforeseen failure is a command it could not act on.
        return { ignore: `the ASN.1 engine failed on message code ${req.messageCode}: ${(e as Error).message}` };
      }
    },

    seed(x: Exchange) {
      seedCredentials(x, eng);
      seedDeviceCredentials(x, eng);
      seedJoins(x, eng);
      seedFirmware(x, eng);
    },

    runTask(task: ScheduledTask, ctx: TickContext) {
      applyDeviceSeed(state, ctx.device);
      if (task.type === TASK_CREDENTIALS) runCredentialUpdate(task.data, ctx, eng);
      else if (task.type === TASK_ACTIVATE) runActivation(task.data, ctx, eng);
      else return false;
      return true;
    },

    conformanceEvent(alert: SigningFrame, _decrypted: unknown[], ctx: TickContext) {
      applyDeviceSeed(state, ctx.device);
      const p = alert.payload;
      if (p.family !== 'asn1') return false;
      const a = p.asn1;
      switch (a.schema) {
        case 'FirmwareTransferAlert': {
          if (env.kind !== 'chf') return false;
          firmwareTransferred(ctx, eng, a.value.entityId as Eui64, a.value.firmwareVersion, a.value.responseCode);
          return true;
        }
        case 'FirmwareVersionAlert': {
          // The version the alert reports is what the device runs (or, with a failure code, could not read).
          if (a.value.responseCode === 0) env.shared.firmware.version = a.value.firmwareVersion;
          else state.faults.firmwareRead = true;
          reportFirmwareVersion(ctx, eng);
          return true;
        }
        case 'GpfDeviceLogBackupAlert':
          return gpfLogEvent(a.value.deviceLogEntries, ctx, eng);
        default:
          return false;
      }
    },

    genericAlert(alertCode, counter, at) {
      return genericAlertPayload(env.kind, alertCode, counter, at);
    },

    setRootAnchor(certificate) {
      const der = typeof certificate === 'string' ? fromHex(certificate) : certificate;
      const cert = readCertificate(der);
      if (!isValidRoot(cert)) throw new SmkiError('broken-chain', `${cert.subjectText} is not a self-signed Root CA certificate`);
      state.root = { ski: cert.ski ?? keyIdentifierHex(cert.publicPoint), publicKey: cert.publicKey, certificate: toHex(cert.der) };
    },

    installDeviceCertificate(usage, certificate) {
      state.deviceCertificates[usage] = typeof certificate === 'string' ? certificate.toUpperCase() : toHex(certificate);
    },

    loadFirmwareImage(image) {
      env.shared.firmware.pending = { version: image.version.toUpperCase(), hash: image.hash.toUpperCase() };
    },

    firmwareTransfer(ctx, entity, version, outcome) {
      firmwareTransferred(ctx, eng, entity, version, outcome);
    },

    firmwareVersionRead(ctx) {
      reportFirmwareVersion(ctx, eng);
    },
  };
}
