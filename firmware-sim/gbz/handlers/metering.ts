import { CLUSTER, ZCL_STATUS } from '../../../protocols/gbcs/gbz/index.js';
import { type Call, type Handler, type Outcome, num, status, time } from '../call.js';
import { activationOf, utc, utcToDate } from '../rules.js';
import type { Sampling, Snapshot } from '../state.js';

/*
 * Metering cluster: registers are attributes; snapshots (billing data log, daily read log), sampled data
 * (network data logs started by GCS31, the daily consumption log) and the valve are records and state
 * that the commands below read and change.
 */

const M = CLUSTER.metering;

/** Log records whose cause matches, and those of them inside [earliest, latest], oldest first. */
export function snapshotQuery(log: readonly Snapshot[], c: Call): { matching: Snapshot[]; window: Snapshot[] } {
  const cause = num(c.f.snapshotCause);
  const matching = log.filter((s) => cause === 0xffffffff || (s.cause & cause) !== 0);
  const from = utcToDate(time(c.f.earliestStartTime))?.getTime() ?? 0;
  const toRaw = time(c.f.latestEndTime);
  const to = typeof toRaw === 'number' && toRaw >= 0xfffffffe ? Infinity : (utcToDate(toRaw)?.getTime() ?? Infinity);
  const window = matching.filter((s) => s.time >= from && s.time <= to).sort((a, b) => a.time - b.time);
  return { matching, window };
}

/** Publish (Prepay) Snapshot for the record at the requested offset; the snapshot id is that offset. */
export function snapshotReply(log: readonly Snapshot[], c: Call, command: 'publishSnapshot' | 'publishPrepaySnapshot'): Outcome {
  const { matching, window } = snapshotQuery(log, c);
  const offset = num(c.f.snapshotOffset);
  const snap = window[offset];
  if (!snap) return status(ZCL_STATUS.notFound);
  return {
    replies: [
      {
        command,
        fields: {
          snapshotId: offset,
          snapshotTime: utc(new Date(snap.time)),
          totalSnapshotsFound: matching.length,
          commandIndex: 0,
          totalNumberOfCommands: 1,
          snapshotCause: snap.cause,
          snapshotPayloadType: snap.payloadType,
          snapshotPayload: snap.payload,
        },
      },
    ],
  };
}

const getSnapshot: Handler = (c) => snapshotReply(c.s.metering.snapshots, c, 'publishSnapshot');

const takeSnapshot: Handler = (c) => {
  const snap = c.core.takeSnapshot(num(c.f.snapshotCause, 0x400), c.now.getTime());
  c.core.pushSnapshot(c.s.metering.snapshots, snap);
  return { replies: [{ command: 'takeSnapshotResponse', fields: { snapshotId: c.s.metering.nextSnapshotId++, snapshotConfirmation: 0 } }] };
};

const INVALID_SAMPLE_ID = 0xffff;

const startSampling: Handler = (c) => {
  const f = c.f;
  const interval = num(f.sampleRequestInterval);
  const max = num(f.maxNumberOfSamples);
  // The device answers with the invalid sample id when it cannot (or may not) start the log.
  if (c.fault !== undefined || interval === 0 || max === 0) {
    return { replies: [{ command: 'startSamplingResponse', fields: { sampleId: INVALID_SAMPLE_ID } }], failed: c.fault !== undefined };
  }
  const a = activationOf(time(f.startSamplingTime), c.now);
  const startMs = a.kind === 'at' ? a.at.getTime() : c.now.getTime();
  let id = c.s.metering.nextSampleId;
  while (c.s.metering.samplings.has(id) || id === INVALID_SAMPLE_ID) id = (id + 1) & 0xffff;
  c.s.metering.nextSampleId = id + 1;
  const sm: Sampling = { id, type: num(f.sampleType), startMs, interval, max, samples: [] };
  c.s.metering.samplings.set(id, sm);
  return { replies: [{ command: 'startSamplingResponse', fields: { sampleId: id } }] };
};
startSampling.reportsOwnFault = true;

function samplingStep(sm: Sampling): number {
  return sm.interval === 0xffff ? 86_400_000 : sm.interval * 1000;
}

const getSampledData: Handler = (c) => {
  const sm = c.s.metering.samplings.get(num(c.f.sampleId));
  if (!sm || sm.type !== num(c.f.sampleType)) return status(ZCL_STATUS.notFound);
  const step = samplingStep(sm);
  const earliest = utcToDate(time(c.f.earliestSampleTime))?.getTime() ?? sm.startMs;
  const first = Math.max(0, Math.ceil((earliest - sm.startMs) / step));
  if (first >= sm.samples.length) return status(ZCL_STATUS.notFound);
  const n = num(c.f.numberOfSamples);
  const samples = sm.samples.slice(first, n > 0 ? first + n : undefined);
  return {
    replies: [
      {
        command: 'getSampledDataResponse',
        fields: {
          sampleId: sm.id,
          sampleStartTime: utc(new Date(sm.startMs + first * step)),
          sampleType: sm.type,
          sampleRequestInterval: sm.interval,
          samples,
        },
      },
    ],
  };
};

/** ZSE supply status: 0 off, 1 off and armed (the consumer may open the valve), 2 on. */
export const SUPPLY = { off: 0, armed: 1, on: 2, unchanged: 3 } as const;

const changeSupply: Handler = (c) => {
  const f = c.f;
  const proposed = num(f.proposedSupplyStatus);
  if (proposed > SUPPLY.on) return status(ZCL_STATUS.invalidField);
  const st = c.effect('metering.supply', time(f.implementationDateTime), () => {
    const before = c.s.attrs.num(M, 'supplyStatus');
    c.s.attrs.set(M, 'supplyStatus', proposed);
    if (proposed === SUPPLY.armed && before !== SUPPLY.armed) c.core.raiseEvent(c.ctx, 0x8f32, c.ctx.now);
    return 0;
  });
  if (st !== 0) return status(st);
  return {
    replies: [
      {
        command: 'supplyStatusResponse',
        fields: {
          providerId: num(f.providerId),
          issuerEventId: num(f.issuerEventId),
          implementationDateTime: f.implementationDateTime ?? 0,
          supplyStatus: c.s.attrs.num(M, 'supplyStatus'),
        },
      },
    ],
  };
};

/** The consumer's button on the meter: only an armed valve may be opened locally. */
const localChangeSupply: Handler = (c) => {
  const proposed = num(c.f.proposedSupplyStatus);
  const current = c.s.attrs.num(M, 'supplyStatus');
  if (proposed === SUPPLY.on && current !== SUPPLY.armed && current !== SUPPLY.on) return status(ZCL_STATUS.notAuthorized);
  if (proposed > SUPPLY.on) return status(ZCL_STATUS.invalidField);
  c.s.attrs.set(M, 'supplyStatus', proposed);
  return status(0);
};

const setSupplyStatus: Handler = (c) => {
  for (const name of ['supplyTamperState', 'supplyDepletionState', 'supplyUncontrolledFlowState', 'loadLimitSupplyState']) {
    const v = num(c.f[name], 0xff);
    // 0xFF leaves a behaviour as it is.
    if (v !== 0xff) c.s.attrs.set(M, name, v);
  }
  return status(0);
};

const setUncontrolledFlowThreshold: Handler = (c) => {
  const a = c.s.attrs;
  a.set(M, 'uncontrolledFlowThreshold', num(c.f.uncontrolledFlowThreshold));
  a.set(M, 'uncontrolledFlowThresholdUnitOfMeasure', num(c.f.unitOfMeasure));
  a.set(M, 'uncontrolledFlowMultiplier', num(c.f.multiplier));
  a.set(M, 'uncontrolledFlowDivisor', num(c.f.divisor));
  a.set(M, 'flowStabilisationPeriod', num(c.f.stabilisationPeriod));
  a.set(M, 'flowMeasurementPeriod', num(c.f.measurementPeriod));
  return status(0);
};

export const METERING_HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ['getSnapshot', getSnapshot],
  ['takeSnapshot', takeSnapshot],
  ['startSampling', startSampling],
  ['getSampledData', getSampledData],
  ['changeSupply', changeSupply],
  ['localChangeSupply', localChangeSupply],
  ['setSupplyStatus', setSupplyStatus],
  ['setUncontrolledFlowThreshold', setUncontrolledFlowThreshold],
]);
