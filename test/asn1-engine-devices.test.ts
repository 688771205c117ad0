import { describe, expect, it } from 'vitest';
import type { Eui64 } from '../protocols/eui.js';
import type { TickContext } from '../firmware-sim/device.js';
import { Bench, PARTY, asn1, value } from './asn1-engine-harness.js';

/*
 * Joins, firmware and the GSME clock across commands: what one use case changes, the next one reads.
 */

const joinA1 = (entityId: string, deviceType: number) => asn1('JoinDeviceCommand', { joinMethodAndRole: 0, entityId, deviceType });
const unjoin = (entityId: string) => asn1('UnjoinDeviceCommand', { entityId });
const readLog = () => asn1('ReadDeviceJoinDetailsCommand', {});

function log(b: Bench) {
  return value(b.send(PARTY.supplier, 0x0013, readLog()).response!, 'ReadDeviceJoinDetailsResponse');
}

function tickContext(b: Bench, alerts: unknown[]): TickContext {
  return { device: b.device, now: b.clock.now(), rng: b.rng, alert: (s) => alerts.push(b.device.emitAlert(s)), schedule: () => undefined };
}

describe('CS03 / CS04 / CS07: the device log', () => {
  it('joins, reads, refuses a conflicting join, unjoins', () => {
    const b = new Bench('esme');
    expect(log(b)).toEqual({ responseCode: 0, deviceLogEntries: [] });
    const code = (r: ReturnType<Bench['send']>) => value(r.response!, 'JoinDeviceResponse').responseCode;

    expect(code(b.send(PARTY.supplier, 0x000d, joinA1('00DB12345678909A', 4)))).toBe(0);
    expect(code(b.send(PARTY.supplier, 0x000d, joinA1('00DB12345678909B', 5)))).toBe(0);
    expect(log(b).deviceLogEntries).toEqual([
      { deviceId: '00DB12345678909A', deviceType: 4 },
      { deviceId: '00DB12345678909B', deviceType: 5 },
    ]);
    // The same entity as another device type: incompatible with the entry it has.
    expect(code(b.send(PARTY.supplier, 0x000d, joinA1('00DB12345678909A', 5)))).toBe(3);
    // Method A initiator under the Method B message code; a GPF is no Method A partner of an ESME.
    expect(code(b.send(PARTY.supplier, 0x000e, joinA1('00DB12345678909C', 4)))).toBe(1);
    expect(code(b.send(PARTY.supplier, 0x000d, joinA1('00DB12345678909C', 3)))).toBe(2);

    const un = (e: string, mc = 0x000f) => value(b.send(PARTY.supplier, mc, unjoin(e)).response!, 'UnjoinDeviceResponse').responseCode;
    // Method A entries are undone by 0x000F, not by the Method B unjoin.
    expect(un('00DB12345678909A', 0x0010)).toBe(2);
    expect(un('00DB12345678909A')).toBe(0);
    expect(un('00DB12345678909A')).toBe(1);
    expect(log(b).deviceLogEntries).toEqual([{ deviceId: '00DB12345678909B', deviceType: 5 }]);
  });

  it('Method C needs the partner’s key agreement certificate', () => {
    const b = new Bench('gsme');
    const r = b.send(PARTY.supplier, 0x00af, asn1('JoinDeviceCommand', { joinMethodAndRole: 3, entityId: '00DB123456789098', deviceType: 5 }));
    expect(value(r.response!, 'JoinDeviceResponse').responseCode).toBe(11);
    expect(log(b).deviceLogEntries).toEqual([]);
  });

  it('a GPF backs its log up to the DCC whenever it changes, and takes a restore', () => {
    const b = new Bench('gpf');
    const r = b.send(PARTY.supplier, 0x000e, asn1('JoinDeviceCommand', { joinMethodAndRole: 2, entityId: '00DB1234567890A1', deviceType: 0 }));
    expect(value(r.response!, 'JoinDeviceResponse').responseCode).toBe(0);
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]!.frame.header.otherInfo.messageCode).toBe(0x00b2);
    expect(r.alerts[0]!.frame.header.target).toBe(PARTY.acb);
    expect(value(r.alerts[0]!.frame, 'GpfDeviceLogBackupAlert')).toEqual({
      alertCode: 0x8071,
      backupDateTime: '20150101000000Z',
      deviceLogEntries: [{ deviceId: '00DB1234567890A1', deviceType: 0 }],
    });

    const restore = b.send(
      PARTY.supplier,
      0x008c,
      asn1('GpfDeviceLogRestoreCommand', {
        deviceLogEntries: [
          { deviceId: '00DB1234567890A1', deviceType: 0 },
          { deviceId: '00DB123456789077', deviceType: 6 },
          { deviceId: '00DB1234567890A1', deviceType: 6 },
        ],
      }),
    );
    expect(value(restore.response!, 'GpfDeviceLogRestoreResponse').restoreOutcomes.map((o) => o.joinResponseCode)).toEqual([0, 0, 3]);
    expect(log(b).deviceLogEntries).toEqual([
      { deviceId: '00DB1234567890A1', deviceType: 0 },
      { deviceId: '00DB123456789077', deviceType: 6 },
    ]);
  });
});

describe('CS06 / CS08 / CCS08: firmware', () => {
  const HASH = 'AA'.repeat(32);
  const activate = (hash: string, originatorCounter: bigint, executionDateTime?: string) =>
    asn1('ActivateFirmwareCommand', { manufacturerImageHash: hash, originatorCounter, ...(executionDateTime ? { executionDateTime } : {}) });

  it('activates a held image only with its hash, immediately or when the date comes', () => {
    const b = new Bench('esme');
    const outcome = (r: ReturnType<Bench['send']>) => value(r.response!, 'ActivateFirmwareResponse');
    expect(outcome(b.send(PARTY.supplier, 0x0012, activate(HASH, 1n)))).toEqual({ executionOutcome: { responseCode: 1, firmwareVersion: '0123ABCD' } });

    b.asn1.loadFirmwareImage({ version: '0200ABCD', hash: HASH });
    expect(outcome(b.send(PARTY.supplier, 0x0012, activate('BB'.repeat(32), 2n)))).toEqual({ executionOutcome: { responseCode: 2, firmwareVersion: '0123ABCD' } });

    expect(outcome(b.send(PARTY.supplier, 0x0012, activate(HASH, 3n, '20150101120000Z')))).toEqual({ commandAccepted: null });
    const later = b.advance(new Date(Date.UTC(2015, 0, 1, 12)));
    expect(later.alerts).toHaveLength(1);
    expect(later.alerts[0]!.frame.header.otherInfo.messageCode).toBe(0x00ca);
    expect(value(later.alerts[0]!.frame, 'ActivateFirmwareAlert')).toEqual({
      alertCode: 0x8f66,
      executionDateTime: '20150101120000Z',
      originatorCounter: 3n,
      executionOutcome: { responseCode: 0, firmwareVersion: '0200ABCD' },
    });
    // The image is used up: activating it again finds nothing.
    expect(outcome(b.send(PARTY.supplier, 0x0012, activate(HASH, 4n)))).toEqual({ executionOutcome: { responseCode: 1, firmwareVersion: '0200ABCD' } });
  });

  it('a PPMID reports the version it runs (CS08)', () => {
    const b = new Bench('ppmid');
    const r = b.send(PARTY.acb, 0x0129, asn1('ReadFirmwareVersionCommand', {}));
    expect(value(r.response!, 'ReadFirmwareVersionResponse')).toEqual({ firmwareVersion: '0123ABCD', responseCode: 0 });
  });

  it('the comms hub reports a firmware transfer to a HAN device (CCS08)', () => {
    const b = new Bench('chf');
    const alerts: Array<{ bytes: Uint8Array; alertCode?: number }> = [];
    b.asn1.firmwareTransfer(tickContext(b, alerts), '00DB1234567890A4' as Eui64, '0200ABCD', 2);
    expect(alerts.map((a) => a.alertCode)).toEqual([0x8f89]);
    expect(b.asn1.state.hanImages.get('00DB1234567890A4' as Eui64)).toMatchObject({ version: '0200ABCD', outcome: 2 });
  });
});

describe('GCS28: the GSME clock', () => {
  const setTime = (start: string, end: string) => asn1('SetTimeCommand', { validityIntervalStart: start, validityIntervalEnd: end });

  it('sets the clock inside the window, keeps it outside, and judges later windows by the new time', () => {
    const b = new Bench('gsme');
    const answer = (r: ReturnType<Bench['send']>) => value(r.response!, 'SetTimeResponse');
    expect(answer(b.send(PARTY.supplier, 0x007f, setTime('20150101010000Z', '20150101020000Z')))).toEqual({ deviceTime: '20150101000000Z', deviceTimeStatus: 2 });
    expect(answer(b.send(PARTY.supplier, 0x007f, setTime('20141231233000Z', '20150101003000Z')))).toEqual({ deviceTime: '20141231233000Z', deviceTimeStatus: 0 });
    // The GSME now runs 30 minutes behind the simulation: a window around real time no longer contains it.
    expect(answer(b.send(PARTY.supplier, 0x007f, setTime('20141231235000Z', '20150101001000Z')))).toEqual({ deviceTime: '20141231233000Z', deviceTimeStatus: 2 });
    expect(answer(b.send(PARTY.supplier, 0x007f, setTime('20150101003000Z', '20150101000000Z')))).toEqual({ deviceTime: '20141231233000Z', deviceTimeStatus: 1 });
  });
});
