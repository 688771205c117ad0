import type { Payload } from '../../protocols/gbcs/payload.js';
import { dlmsDateTimeFromDate } from '../../protocols/gbcs/time.js';
import type { DeviceKind } from '../device.js';

/**
 * A generic alert (GCA/GNCA) in the device's own alert family: DLMS data-notification {alert code,
 * date-time} for electricity meters and the comms hub, a GBZ alert header with no components otherwise.
 * ASN.1 has no generic alert of its own; this is what the engine raises through when it refuses a command.
 */
export function genericAlertPayload(kind: DeviceKind, alertCode: number, counter: bigint, at: Date): Payload {
  if (kind === 'esme' || kind === 'chf') {
    return {
      family: 'dlms',
      dlms: {
        type: 'data-notification',
        invokeIdAndPriority: 0x20000000 | Number(counter & 0xffffffn),
        dateTime: null,
        body: { type: 'structure', items: [{ type: 'uint16', value: alertCode }, { type: 'date-time', value: dlmsDateTimeFromDate(at) }] },
      },
    };
  }
  const timestamp = `${at.toISOString().slice(0, 19)}Z`;
  return { family: 'gbz', gbz: { alert: { alertCode, timestamp }, components: [] } };
}
