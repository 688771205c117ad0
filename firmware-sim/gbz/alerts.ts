import type { Hex } from '../../protocols/bytes.js';
import type { Eui64 } from '../../protocols/eui.js';
import type { GroupingHeader } from '../../protocols/gbcs/frame.js';
import {
  CLUSTER,
  type GbzComponent,
  encryptedComponent,
  zclComponent,
  zclPayloadBytes,
} from '../../protocols/gbcs/gbz/index.js';
import type { Payload } from '../../protocols/gbcs/payload.js';
import { encryptPart } from '../../protocols/gbcs/seal.js';
import { DeviceError, type Device } from '../device.js';
import { utc } from './rules.js';
import type { Snapshot } from './state.js';

/*
 * GBZ alert payloads (gbcs-framing §3.3): an alert header (code, time) and then either nothing (GCA/GNCA),
 * a tail that is not a component (future-dated outcome, firmware receipt, integrity warning) or one
 * ordinary component (the billing data log push, encrypted for the recipient).
 */

export function genericAlertPayload(alertCode: number, at: Date): Payload {
  return { family: 'gbz', gbz: { alert: { alertCode, timestamp: utc(at) }, components: [] } };
}

export interface OutcomeRef {
  messageCode: number;
  originatorCounter: bigint;
  clusterId: number;
  frameControl: number;
  commandId: number;
}

/** 8F66/8F67: which future-dated command ran (message code, the command's counter, its ZCL header). */
export function futureDatedOutcomeAlert(success: boolean, at: Date, o: OutcomeRef): Payload {
  return {
    family: 'gbz',
    gbz: {
      alert: { alertCode: success ? 0x8f66 : 0x8f67, timestamp: utc(at) },
      components: [],
      alertTail: {
        kind: 'futureDatedOutcome',
        componentCount: 1,
        messageCode: o.messageCode,
        originatorCounter: o.originatorCounter.toString(),
        clusterId: o.clusterId,
        frameControl: o.frameControl,
        commandId: o.commandId,
      },
    },
  };
}

/** 8F72 (verified) / 8F1C (verification failed): the hash of the image the device received. */
export function firmwareReceiptAlert(alertCode: number, at: Date, imageHash: Hex): Payload {
  return { family: 'gbz', gbz: { alert: { alertCode, timestamp: utc(at) }, components: [], alertTail: { kind: 'firmwareImageHash', componentCount: 1, imageHash } } };
}

/** 81A0: what the self-check found (1 NVM, 2 program execution, 3 program storage, 4 RAM ... 9 unspecified). */
export function integrityWarningAlert(at: Date, integrityCode: number): Payload {
  return {
    family: 'gbz',
    gbz: { alert: { alertCode: 0x81a0, timestamp: utc(at) }, components: [], alertTail: { kind: 'meterIntegrityWarning', componentCount: 1, integrityCode } },
  };
}

export function publishSnapshotComponent(snapshotId: number, snap: Snapshot, extra: { total: number; sequenceNumber: number; clusterId?: number }): GbzComponent {
  const prepay = snap.payloadType === 0 && extra.clusterId === CLUSTER.prepayment;
  return zclComponent({
    clusterId: prepay ? CLUSTER.prepayment : CLUSTER.metering,
    command: prepay ? 'publishPrepaySnapshot' : 'publishSnapshot',
    sequenceNumber: extra.sequenceNumber,
    disableDefaultResponse: true,
    fields: {
      snapshotId,
      snapshotTime: utc(new Date(snap.time)),
      totalSnapshotsFound: extra.total,
      commandIndex: 0,
      totalNumberOfCommands: 1,
      snapshotCause: snap.cause,
      snapshotPayloadType: snap.payloadType,
      snapshotPayload: snap.payload,
    },
  });
}

/**
 * The billing data log pushed to the supplier (GCS53): one Publish Snapshot, encrypted like a sensitive
 * response but keyed to the alert's own header (KDF mode 4 with the alert counter, recipient's KA key).
 */
export function snapshotPushAlert(device: Device, counter: bigint, at: Date, messageCode: number, role: number, snapshotId: number, snap: Snapshot): Payload {
  const to = device.trust.partyFor(role);
  const ka = to ? device.trust.find(to, 'ka') : undefined;
  if (!to || !ka) throw new DeviceError(`no key-agreement trust anchor for role ${role} to encrypt the billing data log`);
  const header: GroupingHeader = {
    cra: 'alert',
    counter,
    originator: device.eui,
    target: to as Eui64,
    dateTime: null,
    otherInfo: { form: 'code', messageCode },
  };
  const plain = publishSnapshotComponent(snapshotId, snap, { total: 1, sequenceNumber: 0 });
  const block = encryptPart(device.keyAgreementSecret(ka.publicKey), header, zclPayloadBytes(plain.clusterId, plain.frameControl, plain.commandId, plain.command));
  return { family: 'gbz', gbz: { alert: { alertCode: 0x8f0a, timestamp: utc(at) }, components: [encryptedComponent(plain, block)] } };
}
