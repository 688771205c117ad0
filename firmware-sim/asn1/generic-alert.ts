import type { Payload } from '../../protocols/gbcs/payload.js';
import type { DeviceKind } from '../device.js';
import { plainAlert } from '../dlms/alerts.js';
import { genericAlertPayload as gbzGenericAlert } from '../gbz/alerts.js';

/**
 * A generic alert (GCA/GNCA) in the device's own alert family — DLMS for electricity meters and the comms
 * hub, GBZ otherwise. ASN.1 has no generic alert of its own; this is what the engine raises through when it
 * refuses a command.
 */
export function genericAlertPayload(kind: DeviceKind, alertCode: number, counter: bigint, at: Date): Payload {
  return kind === 'esme' || kind === 'chf' ? plainAlert(counter, alertCode, at) : gbzGenericAlert(alertCode, at);
}
