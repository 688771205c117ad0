import { describe, expect, it } from 'vitest';
import { type Eui64, parseEui64 } from '../protocols/eui.js';
import { ecdhSharedSecret, makeUtrn } from '../protocols/crypto/index.js';
import { type GroupingHeader, decodeFrameWithLayout } from '../protocols/gbcs/frame.js';
import { CLUSTER, type GbzComponent, type ZclCommand, type ZclComponentSpec, zclComponent } from '../protocols/gbcs/gbz/index.js';
import { sealFrame } from '../protocols/gbcs/seal.js';
import { createSecurityContext, verifyFrame } from '../protocols/gbcs/security.js';
import { deriveKeyPair } from '../protocols/smki/index.js';
import { ManualClock } from '../firmware-sim/clock.js';
import type { AlertSpec, DeviceKind, Emitted } from '../firmware-sim/device.js';
import type { GbzEngine } from '../firmware-sim/gbz/engine.js';
import { ORIGIN, applyTopUp } from '../firmware-sim/gbz/handlers/prepayment.js';
import { Rng } from '../firmware-sim/rng.js';
import { GasProfile } from '../firmware-sim/gas-profile.js';
import { headEndKeystore, keystore, simDevice } from './device-harness.js';

/*
 * A head-end's view: frames sealed with the RTDS organisations' keys (supplier DS key signs critical
 * commands, the ACB's KA key MACs them for the device), sent to a simulated gas meter, and what comes back.
 * Each test follows state from one command to the next.
 */

const ks = keystore;
const SUPPLIER = parseEui64('90B3D51F30010000');
const NETWORK_OPERATOR = parseEui64('90B3D51F30020000');
const ACB = ks.acb()!;
const GSME = parseEui64('00DB1234567890A1');
const GPF = parseEui64('00DB1234567890A3');
const PPMID = parseEui64('00DB1234567890A4');
const T0 = Date.UTC(2015, 0, 1);
const DAY = 86_400_000;

const P = CLUSTER.prepayment;
const M = CLUSTER.metering;
const PR = CLUSTER.price;

interface Answer {
  components: GbzComponent[];
  /** Each response component's command, encrypted ones decrypted. */
  commands: ZclCommand[];
  header: GroupingHeader;
  alerts: Emitted[];
}

function rig(kind: DeviceKind = 'gsme', eui: Eui64 = GSME) {
  const clock = new ManualClock(T0);
  const { device, model, seed } = simDevice({ kind, eui, clock, rngSeed: `gbz behaviour ${kind}`, keySeed: 'gbz behaviour keys' });
  const engine = model.engine('gbz') as GbzEngine;
  const ppmidKa = deriveKeyPair(seed, `${PPMID}/ka`);
  device.hanPeers.set(PPMID, ppmidKa.publicKey);
  const counters = new Map<Eui64, bigint>();

  // The head-end's side: it decrypts with the supplier's (or ACB's) private KA key and the device's public one.
  function open(bytes: Uint8Array): Answer {
    const { frame, layout } = decodeFrameWithLayout(bytes);
    if (frame.kind === 'gbt' || frame.payload.family !== 'gbz') throw new Error('not a GBZ frame');
    const dec = verifyFrame(bytes, frame, layout, createSecurityContext(headEndKeystore(device, eui, [SUPPLIER, NETWORK_OPERATOR, ACB]))).decrypted;
    let i = 0;
    const commands = frame.payload.gbz.components.map((c) => {
      if (c.command) return c.command;
      const d = dec[i++]!;
      if (d.status !== 'decrypted') throw new Error(`encrypted component does not decrypt: ${d.status}`);
      return d.value as ZclCommand;
    });
    return { components: frame.payload.gbz.components, commands, header: frame.header, alerts: [] };
  }

  function send(
    messageCode: number,
    specs: Array<ZclComponentSpec | GbzComponent>,
    opts: { sign?: boolean; from?: Eui64; counter?: bigint; forParty?: Eui64 } = {},
  ): Answer {
    const from = opts.from ?? SUPPLIER;
    const counter = opts.counter ?? (counters.get(from) ?? 999n) + 1n;
    counters.set(from, counter);
    const header: GroupingHeader = {
      cra: 'command',
      counter,
      originator: from,
      target: eui,
      dateTime: null,
      otherInfo: opts.forParty
        ? { form: 'supplementary', messageCode, remotePartyId: opts.forParty, remotePartyCounter: counter }
        : { form: 'code', messageCode },
    };
    const components = specs.map((s, i) => ('commandId' in s ? s : zclComponent({ sequenceNumber: i, ...s })));
    const macOwner = from === PPMID ? ppmidKa.privateKey : ks.privateKey(ACB, 'ka')!;
    const bytes = sealFrame(header, { family: 'gbz', gbz: { components } }, {
      ...(opts.sign ? { sign: ks.privateKey(from, 'ds')! } : {}),
      macSecret: ecdhSharedSecret(macOwner, device.kaPublicKey),
    });
    const out = device.receive(bytes);
    const resp = out.find((e) => e.kind === 'response');
    if (!resp) throw new Error(`no response: ${device.refusals.at(-1)?.reason}`);
    return { ...open(resp.bytes), alerts: out.filter((e) => e.kind === 'alert') };
  }

  function read(cluster: number, ids: number[], messageCode = 0x007b): Array<Record<string, unknown>> {
    const a = send(messageCode, [{ clusterId: cluster, command: 'readAttributes', fields: { attributes: ids.map((id) => ({ id })) } }]);
    const c = a.commands[0]!;
    if (!c.typed || c.name !== 'readAttributesResponse') throw new Error(`unexpected ${JSON.stringify(c)}`);
    return c.fields.records as Array<Record<string, unknown>>;
  }

  const value = (cluster: number, id: number, messageCode?: number) => read(cluster, [id], messageCode)[0]!.value;

  function tickTo(ms: number): Emitted[] {
    clock.set(ms);
    return device.tick();
  }

  return { clock, device, engine, send, read, value, tickTo, open };
}

function fields(c: ZclCommand | undefined): Record<string, unknown> {
  if (!c || !c.typed) throw new Error(`untyped command ${JSON.stringify(c)}`);
  return c.fields;
}

function alertOf(e: Emitted) {
  const { frame } = decodeFrameWithLayout(e.bytes);
  if (frame.kind === 'gbt' || frame.payload.family !== 'gbz') throw new Error('not a GBZ alert');
  return { header: frame.header, gbz: frame.payload.gbz, signed: frame.signature.kind === 'ecdsa' };
}

const tariff = (startTime: string | number, standingCharge: number, issuerTariffId = 1): ZclComponentSpec => ({
  clusterId: PR,
  command: 'publishTariffInformation',
  fields: {
    providerId: 0,
    issuerEventId: 473385600,
    issuerTariffId,
    startTime,
    tariffTypeChargingScheme: 0x10,
    tariffLabel: 'SIM',
    numberOfPriceTiersInUse: 0,
    numberOfBlockThresholdsInUse: 3,
    unitOfMeasure: 0,
    currency: 826,
    priceTrailingDigit: 0x50,
    standingCharge,
    tierBlockMode: 0xff,
    blockThresholdMultiplier: 1,
    blockThresholdDivisor: 1000,
  },
});

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Set the credit and add a time-based debt of 5000 recovered at 100 a day. */
function setCreditWithDebt(r: ReturnType<typeof rig>, credit: number, debtLabel: string): void {
  r.send(0x00b4, [{ clusterId: P, command: 'creditAdjustment', fields: { issuerEventId: 1, startTime: 0, creditAdjustmentType: 1, creditAdjustmentValue: credit } }], { sign: true });
  r.send(0x006e, [
    {
      clusterId: P,
      command: 'changeDebt',
      fields: { issuerEventId: 1, debtLabel, debtAmount: 5000, debtRecoveryMethod: 0, debtAmountType: 0, debtRecoveryStartTime: 0, debtRecoveryCollectionTime: 0, debtRecoveryFrequency: 1, debtRecoveryAmount: 100, debtRecoveryBalancePercentage: 0 },
    },
  ], { sign: true });
}

describe('GBZ engine: tariffs and future dating', () => {
  it('a tariff set now is what reads return; a future-dated one waits, activates with 8F66, and a cancelled one never does', () => {
    const r = rig();
    const now = r.send(0x006b, [
      tariff(0, 12345),
      {
        clusterId: PR,
        command: 'publishBlockThresholds',
        fields: { providerId: 0, issuerEventId: 1, startTime: 0, issuerTariffId: 1, commandIndex: 0, numberOfCommands: 1, subPayloadControl: 1, blockThresholds: [{ tier: 0, blockThresholds: [1000, 2000, 3000] }] },
      },
      {
        clusterId: PR,
        command: 'publishPriceMatrix',
        fields: {
          providerId: 0,
          issuerEventId: 1,
          startTime: 0,
          issuerTariffId: 1,
          commandIndex: 0,
          numberOfCommands: 1,
          subPayloadControl: 0,
          priceMatrix: [0, 1, 2, 3].map((b) => ({ tierBlockId: b, price: 9000 + 100 * b })),
        },
      },
    ], { sign: true });
    expect(now.commands.map((c) => fields(c).statusCode)).toEqual([0, 0, 0]);
    expect(now.components.map((c) => c.frameControl)).toEqual([0, 0, 0]); // default responses from the Price client
    expect(r.read(PR, [0x0301, 0x0100, 0x0102, 0x0400, 0x0403]).map((x) => x.value)).toEqual([12345, 1000, 3000, 9000, 9300]);

    const at = T0 + DAY;
    const future = r.send(0x006b, [tariff(iso(at), 22222, 2)], { sign: true });
    expect(fields(future.commands[0]).statusCode).toBe(0);
    expect(r.value(PR, 0x0301)).toBe(12345); // still the active tariff
    const alerts = r.tickTo(at);
    const outcome = alerts.map(alertOf).find((a) => a.gbz.alert?.alertCode === 0x8f66);
    expect(outcome?.signed).toBe(true);
    expect(outcome?.header.otherInfo.messageCode).toBe(0x00cd);
    expect(outcome?.gbz.alertTail).toMatchObject({ kind: 'futureDatedOutcome', messageCode: 0x006b, originatorCounter: String(future.header.counter), clusterId: PR, commandId: 4 });
    expect(r.value(PR, 0x0301)).toBe(22222);

    r.send(0x006b, [tariff(iso(at + 2 * DAY), 33333, 3)], { sign: true });
    r.send(0x006b, [tariff(0xffffffff, 0, 3)], { sign: true });
    expect(r.tickTo(at + 3 * DAY).map(alertOf).filter((a) => a.gbz.alert?.alertCode === 0x8f66)).toEqual([]);
    expect(r.value(PR, 0x0301)).toBe(22222);
  });

  it('a calendar published piece by piece is read back whole', () => {
    const r = rig();
    const cal = { providerId: 0, issuerEventId: 9, issuerCalendarId: 77 };
    r.send(0x006f, [
      { clusterId: CLUSTER.calendar, command: 'publishCalendar', fields: { ...cal, startTime: 0, calendarType: 3, calendarTimeReference: 0, calendarName: '', numberOfSeasons: 1, numberOfWeekProfiles: 1, numberOfDayProfiles: 1 } },
      { clusterId: CLUSTER.calendar, command: 'publishDayProfile', fields: { ...cal, dayId: 1, totalNumberOfScheduleEntries: 2, commandIndex: 0, totalNumberOfCommands: 1, calendarType: 3, dayScheduleEntries: [{ startTime: 0, friendlyCreditEnable: true }, { startTime: 480, friendlyCreditEnable: false }] } },
      { clusterId: CLUSTER.calendar, command: 'publishWeekProfile', fields: { ...cal, weekId: 1, dayIdRefMonday: 1, dayIdRefTuesday: 1, dayIdRefWednesday: 1, dayIdRefThursday: 1, dayIdRefFriday: 1, dayIdRefSaturday: 1, dayIdRefSunday: 1 } },
    ], { sign: true });
    const got = r.send(0x00b5, [
      { clusterId: CLUSTER.calendar, command: 'getDayProfiles', fields: { providerId: 0, issuerCalendarId: 0xfffffffe, startDayId: 1, numberOfDays: 0 } },
      { clusterId: CLUSTER.calendar, command: 'getSeasons', fields: { providerId: 0, issuerCalendarId: 77 } },
      { clusterId: CLUSTER.calendar, command: 'getSpecialDays', fields: { startTime: 0, numberOfEvents: 0, calendarType: 3, providerId: 0, issuerCalendarId: 0xfffffffe } },
    ]);
    expect(got.commands[0]).toMatchObject({ name: 'publishDayProfile', fields: { issuerCalendarId: 77, dayId: 1, calendarType: 3, totalNumberOfScheduleEntries: 2 } });
    // No seasons and no special days were published: NOT_FOUND, and the command goes on.
    expect(got.commands.slice(1).map((c) => fields(c).statusCode)).toEqual([0x8b, 0x8b]);
    const mode = r.send(0x006d, [{ clusterId: P, command: 'changePaymentMode', fields: { providerId: 0, issuerEventId: 1, implementationDateTime: 0, proposedPaymentControlConfiguration: 0x0097, cutOffValue: 0 } }], { sign: true });
    expect(mode.commands[0]).toMatchObject({ name: 'changePaymentModeResponse', fields: { friendlyCreditCalendarId: 77 } });
  });
});

describe('GBZ engine: prepayment', () => {
  const pp = ks.privateKey(SUPPLIER, 'pp-ka')!;
  const topUp = (utrn: string): ZclComponentSpec => ({ clusterId: P, command: 'consumerTopUp', fields: { originatingDevice: 0, topUpCode: utrn } });

  it('a real UTRN credits once; balance, log and duplicate handling follow from it', () => {
    const r = rig();
    const utrn = makeUtrn({ key: { privateKey: pp, publicKey: r.device.kaPublicKey }, supplier: SUPPLIER, device: GSME, counter: 7n << 32n, value: 20, valueClass: 'pounds' });
    const before = r.value(P, 0x0001, 0x008d) as number;
    const ok = r.send(0x0097, [topUp(utrn)], { counter: 7n << 32n });
    expect(ok.commands[0]).toMatchObject({ name: 'consumerTopUpResponse', fields: { resultType: 0, topUpValue: 2_000_000, creditRemaining: before + 2_000_000 } });
    expect(r.value(P, 0x0001, 0x008d)).toBe(before + 2_000_000);

    const again = r.send(0x0097, [topUp(utrn)], { counter: 8n << 32n });
    expect(again.commands[0]).toMatchObject({ fields: { resultType: 2, topUpValue: -1, creditRemaining: -1 } });

    const foreign = makeUtrn({ key: { privateKey: pp, publicKey: r.device.kaPublicKey }, supplier: SUPPLIER, device: PPMID, counter: 9n << 32n, value: 5, valueClass: 'pounds' });
    expect(r.send(0x0097, [topUp(foreign)], { counter: 9n << 32n }).commands[0]).toMatchObject({ fields: { resultType: 1 } });
    expect(r.value(P, 0x0001, 0x008d)).toBe(before + 2_000_000);

    const log = r.send(0x00c5, [{ clusterId: P, command: 'getTopUpLog', fromDateTime: iso(T0 - DAY), fields: { latestEndTime: 0xfffffffe, numberOfRecords: 5 } }]);
    expect(log.commands[0]).toMatchObject({ name: 'publishTopUpLog', fields: { topUps: [{ topUpCode: utrn, topUpAmount: 2_000_000, topUpTime: iso(T0) }] } });
  });

  it('emergency credit from the PPMID (a HAN peer), logged and alerted; a second select is harmless', () => {
    const r = rig();
    const select = { clusterId: P, command: 'selectAvailableEmergencyCredit', fields: { commandIssueDateTime: 0, originatingDevice: 2 } };
    const a = r.send(0x0090, [select], { from: PPMID, counter: 10000n });
    expect(fields(a.commands[0])).toMatchObject({ commandId: 0, statusCode: 0 });
    expect(a.header.target).toBe(PPMID);
    expect(a.alerts.map((e) => alertOf(e).gbz.alert?.alertCode)).toContain(0x81ab);
    expect(r.value(P, 0x0002)).toBe(1_000_000);
    expect((r.value(P, 0x0003) as number) & 0x10).toBe(0x10); // emergency credit selected
    const events = r.send(0x00a1, [{ clusterId: CLUSTER.events, command: 'getEventLog', fields: { eventControlLogId: 3, eventId: 0, startTime: 0, endTime: 0xffffffff, numberOfEvents: 0, eventOffset: 0 } }]);
    expect((fields(events.commands[0]).events as Array<{ eventId: number }>).map((e) => e.eventId)).toEqual([0x81ab, 0x8154]);
    expect(fields(r.send(0x0090, [select], { from: PPMID }).commands[0]).statusCode).toBe(0);
  });

  it('credit adjustments, debts and limits change what the prepayment reads return; a failing component ends the command', () => {
    const r = rig();
    setCreditWithDebt(r, 700_000, 'D1');
    expect(r.read(P, [0x0001, 0x0211, 0x0005]).map((x) => x.value)).toEqual([700_000, 5000, 5000]);
    // Credit above the threshold: emergency credit is not available, and the rest of the command is not run.
    const cmd = r.send(0x0070, [
      { clusterId: P, command: 'selectAvailableEmergencyCredit', fields: { commandIssueDateTime: 0, originatingDevice: 0 } },
      { clusterId: P, command: 'setLowCreditWarningLevel', fields: { lowCreditWarningLevel: 1 } },
    ], { sign: true });
    expect(cmd.commands.map((c) => fields(c))).toEqual([
      { commandId: 0, statusCode: 0x01 },
      { commandId: 0xff, statusCode: 0x01 },
    ]);
    expect(r.value(P, 0x0031)).toBe(500_000);
  });

  it('a time-based debt is collected from credit each day and shows in the debt repayment log', () => {
    const r = rig();
    setCreditWithDebt(r, 1_000_000, 'T1');
    r.tickTo(T0 + 2 * DAY);
    // No tariff is set, so the debt is all the meter takes.
    expect(r.read(P, [0x0211, 0x0001]).map((x) => x.value)).toEqual([4800, 999_800]);
    const log = r.send(0x00c4, [{ clusterId: P, command: 'getDebtRepaymentLog', fields: { latestEndTime: 0xffffffff, numberOfDebts: 5, debtType: 0 } }]);
    expect(log.components[0]!.encrypted).toBeDefined();
    expect(fields(log.commands[0]).debts).toEqual([
      { collectionTime: iso(T0 + 2 * DAY), amountCollected: 100, debtType: 0, outstandingDebt: 4800 },
      { collectionTime: iso(T0 + DAY), amountCollected: 100, debtType: 0, outstandingDebt: 4900 },
    ]);
  });

  it('a local top-up (meter keypad) is reported with a GNCA 0x810E', () => {
    const r = rig();
    const anchor = r.device.trust.get(2, 'ka-topup')!;
    const utrn = makeUtrn({ key: { privateKey: pp, publicKey: r.device.kaPublicKey }, supplier: anchor.eui, device: GSME, counter: 3n << 32n, value: 10, valueClass: 'pounds' });
    const alerts: AlertSpec[] = [];
    const res = applyTopUp(r.engine.core, { device: r.device, alert: (s) => alerts.push(s) }, utrn, ORIGIN.meter, r.clock.now());
    expect(res).toEqual({ resultType: 0, amount: 1_000_000 });
    expect(alerts.map((a) => [a.messageCode, a.alertCode, a.critical])).toEqual([[0x1001, 0x810e, false]]);
  });
});

describe('GBZ engine: metering', () => {
  it('the valve closes, arms and is read back; the consumer can open an armed valve', () => {
    const r = rig();
    const change = (proposedSupplyStatus: number) => ({
      clusterId: M,
      command: 'changeSupply',
      fields: { providerId: 0, issuerEventId: 1, requestDateTime: 0, implementationDateTime: 0, proposedSupplyStatus, supplyControlBits: 1 },
    });
    expect(r.send(0x0081, [change(0)], { sign: true }).commands[0]).toMatchObject({ name: 'supplyStatusResponse', fields: { supplyStatus: 0 } });
    expect(r.value(M, 0x0014, 0x0082)).toBe(0);
    expect(r.send(0x0085, [change(1)], { sign: true }).commands[0]).toMatchObject({ fields: { supplyStatus: 1 } });
    expect(r.value(M, 0x0014, 0x0082)).toBe(1);
  });

  it('gas flows with time: registers, the daily read log and a network data log started by GCS31', () => {
    const r = rig();
    const first = r.send(0x0074, [{ clusterId: M, command: 'readAttributes', fields: { attributes: [{ id: 0 }] } }]);
    expect(first.components[0]!.encrypted).toBeDefined(); // sensitive: encrypted for the supplier
    expect(first.header.dateTime?.clockStatus).toBe(0); // reliable clock
    expect(fields(first.commands[0]).records).toMatchObject([{ id: 0, status: 0, value: 0 }]);

    const start = r.send(0x0080, [{ clusterId: M, command: 'startSampling', fields: { issuerEventId: 1, startSamplingTime: 0, sampleType: 0, sampleRequestInterval: 1800, maxNumberOfSamples: 10 } }], {
      from: ACB,
      forParty: NETWORK_OPERATOR,
    });
    const sampleId = fields(start.commands[0]).sampleId as number;
    expect(sampleId).not.toBe(0xffff);

    for (let h = 1; h <= 30; h++) r.tickTo(T0 + h * 3_600_000);
    const total = (fields(r.send(0x0074, [{ clusterId: M, command: 'readAttributes', fields: { attributes: [{ id: 0 }] } }]).commands[0]).records as Array<{ value: number }>)[0]!.value;
    expect(total).toBeGreaterThan(0);

    const sampled = r.send(0x0079, [{ clusterId: M, command: 'getSampledData', fields: { sampleId, earliestSampleTime: iso(T0), sampleType: 0, numberOfSamples: 50 } }]);
    const data = fields(sampled.commands[0]);
    expect(data).toMatchObject({ sampleId, sampleStartTime: iso(T0), sampleRequestInterval: 1800 });
    expect((data.samples as number[]).length).toBe(10);

    const daily = r.send(0x0077, [{ clusterId: M, command: 'getSnapshot', fields: { earliestStartTime: iso(T0), latestEndTime: iso(T0 + 2 * DAY), snapshotOffset: 0, snapshotCause: 1 } }]);
    const snap = fields(daily.commands[0]);
    expect(snap).toMatchObject({ snapshotTime: iso(T0 + DAY), snapshotCause: 1, snapshotPayloadType: 6 });
    const atMidnight = (snap.snapshotPayload as { currentSummationDelivered: number }).currentSummationDelivered;
    expect(atMidnight).toBeGreaterThan(0);
    expect(atMidnight).toBeLessThanOrEqual(total);
  });

  it('the end of a billing period logs a snapshot and pushes it to the supplier, encrypted (GCS53)', () => {
    const r = rig();
    r.send(0x007e, [{ clusterId: PR, command: 'publishBillingPeriod', fields: { providerId: 0, issuerEventId: 1, billingPeriodStartTime: iso(T0), billingPeriodDuration: 1, billingPeriodDurationType: 0x01, tariffType: 0 } }], {
      sign: true,
    });
    const got = r.send(0x009d, [{ clusterId: PR, command: 'getBillingPeriod', fields: { earliestStartTime: 0, minIssuerEventId: 0xffffffff, numberOfCommands: 1, tariffType: 0 } }]);
    expect(got.commands[0]).toMatchObject({ name: 'publishBillingPeriod', fields: { billingPeriodStartTime: iso(T0), billingPeriodDuration: 1 } });
    const pushed = r
      .tickTo(T0 + DAY)
      .filter((e) => e.messageCode === 0x008b)
      .map((e) => r.open(e.bytes));
    expect(pushed).toHaveLength(1);
    const snap = fields(pushed[0]!.commands[0]);
    const total = r.value(M, 0x0000, 0x0074);
    expect(snap).toMatchObject({ snapshotTime: iso(T0 + DAY), snapshotCause: 0x02, snapshotPayloadType: 6, snapshotPayload: { currentSummationDelivered: total } });
    const billingLog = r.send(0x0076, [{ clusterId: M, command: 'getSnapshot', fields: { earliestStartTime: iso(T0), latestEndTime: 0xffffffff, snapshotOffset: 0, snapshotCause: 0x02 } }]);
    expect(fields(billingLog.commands[0])).toMatchObject({ snapshotTime: iso(T0 + DAY), totalSnapshotsFound: 1 });
  });

  it('a GPF linked to its GSME answers for it: a top-up at the GSME shows in a read at the GPF, and back', () => {
    const gsme = rig('gsme', GSME);
    const gpf = rig('gpf', GPF);
    gpf.engine.mirror(gsme.engine);
    const pp = ks.privateKey(SUPPLIER, 'pp-ka')!;
    const utrn = makeUtrn({ key: { privateKey: pp, publicKey: gsme.device.kaPublicKey }, supplier: SUPPLIER, device: GSME, counter: 4n << 32n, value: 1500, valueClass: 'pennies' });
    gsme.send(0x0097, [{ clusterId: P, command: 'consumerTopUp', fields: { originatingDevice: 0, topUpCode: utrn } }], { counter: 4n << 32n });
    expect(gpf.value(P, 0x0001, 0x008d)).toBe(1_500_000);
    gpf.send(0x0087, [{ clusterId: CLUSTER.deviceManagement, command: 'updateSiteId', fields: { issuerEventId: 1, siteIdTime: 0, providerId: 0, siteId: '42' } }]);
    expect(gsme.value(M, 0x0307, 0x0089)).toBe('3432');
  });

  it('a GPF answers GSME register reads from its own state', () => {
    const r = rig('gpf', GPF);
    const a = r.send(0x0074, [{ clusterId: M, command: 'readAttributes', fields: { attributes: [{ id: 0x0302 }, { id: 0x0301 }, { id: 0x0300 }] } }]);
    expect(a.header.originator).toBe(GPF);
    expect((fields(a.commands[0]).records as Array<{ value: number }>).map((x) => x.value)).toEqual([1000, 1, 1]);
  });
});

describe('GBZ engine: device management and events', () => {
  it('event configuration and site id are written and read back', () => {
    const r = rig();
    const set = r.send(0x00ad, [
      { clusterId: CLUSTER.deviceManagement, command: 'setEventConfiguration', fields: { issuerEventId: 1, startDateTime: 0, eventConfiguration: 0x0b, configurationControl: 0, eventConfigurationPayload: { eventIds: [0x8f51, 0x8f52] } } },
    ]);
    expect(fields(set.commands[0])).toEqual({ commandId: 4, statusCode: 0 });
    const got = r.send(0x00f1, [{ clusterId: CLUSTER.deviceManagement, command: 'getEventConfiguration', fields: { eventId: 0x8f51 } }]);
    expect(got.commands[0]).toMatchObject({ name: 'reportEventConfiguration', fields: { eventConfigurations: [{ eventId: 0x8f51, eventConfiguration: 0x0b }] } });

    r.send(0x0087, [{ clusterId: CLUSTER.deviceManagement, command: 'updateSiteId', fields: { issuerEventId: 1, siteIdTime: 0, providerId: 0, siteId: '1234567890' } }]);
    expect(r.value(M, 0x0307, 0x0089)).toBe(Buffer.from('1234567890').toString('hex').toUpperCase());
  });

  it('clearing the general event log empties it and records the clearing in the security log', () => {
    const r = rig();
    r.send(0x0090, [{ clusterId: P, command: 'selectAvailableEmergencyCredit', fields: { commandIssueDateTime: 0, originatingDevice: 2 } }], { from: PPMID });
    const getLog = (logId: number) => ({ clusterId: CLUSTER.events, command: 'getEventLog', fields: { eventControlLogId: logId, eventId: 0, startTime: 0, endTime: 0xffffffff, numberOfEvents: 0, eventOffset: 0 } });
    const cleared = r.send(0x0015, [{ clusterId: CLUSTER.events, command: 'clearEventLogRequest', fields: { logId: 3 } }]);
    expect(cleared.commands[0]).toMatchObject({ name: 'clearEventLogResponse', fields: { clearedEventsLogs: 0x08 } });
    expect(fields(r.send(0x00a1, [getLog(3)]).commands[0]).statusCode).toBe(0x8b);
    const security = fields(r.send(0x00a1, [getLog(4)]).commands[0]).events as Array<{ eventId: number }>;
    expect(security.map((e) => e.eventId)).toContain(0x8f52);
  });

  it('bad commands come back as ZCL statuses, never as exceptions', () => {
    const r = rig();
    const noSuch = r.send(0x007b, [{ clusterId: PR, command: 'getCo2Value', fields: { earliestStartTime: 0, minIssuerEventId: 0, numberOfCommands: 1, tariffType: 0 } }]);
    expect(fields(noSuch.commands[0])).toEqual({ commandId: 9, statusCode: 0x81 });
    const malformed: GbzComponent = { clusterId: PR, frameControl: 0x09, sequenceNumber: 0, commandId: 4, command: { typed: false, payload: '0001' } };
    const m = r.send(0x006b, [malformed], { sign: true });
    expect(fields(m.commands[0])).toEqual({ commandId: 4, statusCode: 0x80 });
    const unknownAttr = r.read(M, [0x7777]);
    expect(unknownAttr).toEqual([{ id: 0x7777, status: 0x86 }]);
  });
});

describe('gas profile', () => {
  it('gives the same volume however time is sliced, more in winter than in summer', () => {
    const p = new GasProfile(Rng.fromSeed('g'));
    const whole = p.volumeBetween(T0, T0 + 3 * DAY);
    let sliced = 0;
    for (let t = T0; t < T0 + 3 * DAY; t += 7 * 60_000) sliced += p.volumeBetween(t, Math.min(T0 + 3 * DAY, t + 7 * 60_000));
    expect(sliced).toBeCloseTo(whole, 6);
    expect(p.volumeBetween(T0, T0 + 30 * DAY)).toBeGreaterThan(p.volumeBetween(Date.UTC(2015, 6, 1), Date.UTC(2015, 6, 31)));
  });
});
