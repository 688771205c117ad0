import { ManualClock } from '../firmware-sim/clock.js';
import { Estate } from '../hub/estate.js';
import { HeadEnd } from '../protocols/gbcs/commands/headend.js';
import { decodeFrame } from '../protocols/gbcs/frame.js';
import { DEFAULT_SERVE_CONFIG } from '../tools/ws-server.js';

/** DBCH04 parameters that the hub accepts; each DBCH04 raises a 0x8F2A alert besides its response. */
export const DBCH04_PARAMS = {
  lowerBand0To26: [0, 1, 2, 3],
  lowerBand27To34: [27, 28],
  lowerBand35To61: [35, 36],
  upperBand0To26: [0, 1],
  normalLimitedDutyCycleThreshold: 10,
  limitedCriticalDutyCycleThreshold: 20,
  maxChannelChangesPerWeek: 4,
  gsmeCurfew: 6,
  channelQuieterThreshold: 6,
  channelNoisierThreshold: 10,
  nonGsmePoorCommsPercentageThreshold: 5050,
  nonGsmePoorCommsMeasurementPeriods: 125,
  localNoiseMeasurementPeriod: 90,
  localFailurePercentage: 5000,
  localRetryPercentage: 3000,
};

// The built-in serve estate: house-1 (dual band hub ..A2, ESME ..A0, Sub GHz GSME ..A1), flat-2 (single band ..B2, ..B0, ..B1).
export const EUI = { hub1: '00DB1234567890A2', esme1: '00DB1234567890A0', gsme1: '00DB1234567890A1', hub2: '00DB1234567890B2', esme2: '00DB1234567890B0', gsme2: '00DB1234567890B1' };

export async function testEstate(): Promise<{ estate: Estate; clock: ManualClock; headEnd: HeadEnd }> {
  const clock = new ManualClock(DEFAULT_SERVE_CONFIG.startMs);
  const estate = await Estate.create({ seed: DEFAULT_SERVE_CONFIG.seed, premises: DEFAULT_SERVE_CONFIG.premises, clock });
  return { estate, clock, headEnd: new HeadEnd(estate.keystore, { now: () => clock.now(), cache: estate.cache }) };
}

/** What a head-end reads from a frame the estate sent. */
export function summary(bytes: Uint8Array): { cra: string; counter: bigint; from: string; messageCode: number; alertCode?: number } {
  const f = decodeFrame(bytes);
  if (f.kind === 'gbt') throw new Error('unexpected GBT frame');
  const h = f.header;
  const out = { cra: h.cra, counter: h.counter, from: h.originator, messageCode: h.otherInfo.messageCode };
  if (h.cra !== 'alert' || f.payload.family !== 'dlms') return out;
  const d = f.payload.dlms as { body?: { items?: Array<{ value?: unknown }> } };
  const code = d.body?.items?.[0]?.value;
  return typeof code === 'number' ? { ...out, alertCode: code } : out;
}
