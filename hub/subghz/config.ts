import type { DlmsData } from '../../protocols/gbcs/dlms/index.js';

/**
 * CHF Sub GHz configuration (COSEM 0-0:94.44.10.0, DBCH03 read / DBCH04 set / DBCH09 alert body): the
 * channels the hub may use and the frequency-agility and duty-cycle parameters. Names follow the DUIS
 * DBCH04 template; percentages are hundredths of a percent, as on the wire.
 */
export interface SubGhzConfig {
  /** Allowed channels as page+mask words: pages 28, 29, 30 (lower band) and 31 (upper band). */
  lowerBand0To26: number;
  lowerBand27To34: number;
  lowerBand35To61: number;
  upperBand0To26: number;
  /** Duty cycle (hundredths of %) above which the hub enters Limited. */
  normalLimitedDutyCycleThreshold: number;
  /** Duty cycle (hundredths of %) above which the hub enters Critical. */
  limitedCriticalDutyCycleThreshold: number;
  maxChannelChangesPerWeek: number;
  gsmeCurfew: number;
  /** dB a candidate channel must be quieter than the operating one to move to it. */
  channelQuieterThreshold: number;
  /** dB rise of noise on the operating channel that triggers an assessment. */
  channelNoisierThreshold: number;
  nonGsmePoorCommsPercentageThreshold: number;
  nonGsmePoorCommsMeasurementPeriods: number;
  localChNoiseMeasurementPeriod: number;
  localChFailurePercentage: number;
  localChRetryPercentage: number;
}

type FieldType = 'bit-string' | 'uint16' | 'uint8';
const FIELDS: ReadonlyArray<[keyof SubGhzConfig, FieldType]> = [
  ['lowerBand0To26', 'bit-string'],
  ['lowerBand27To34', 'bit-string'],
  ['lowerBand35To61', 'bit-string'],
  ['upperBand0To26', 'bit-string'],
  ['normalLimitedDutyCycleThreshold', 'uint16'],
  ['limitedCriticalDutyCycleThreshold', 'uint16'],
  ['maxChannelChangesPerWeek', 'uint8'],
  ['gsmeCurfew', 'uint16'],
  ['channelQuieterThreshold', 'uint8'],
  ['channelNoisierThreshold', 'uint8'],
  ['nonGsmePoorCommsPercentageThreshold', 'uint16'],
  ['nonGsmePoorCommsMeasurementPeriods', 'uint8'],
  ['localChNoiseMeasurementPeriod', 'uint16'],
  ['localChFailurePercentage', 'uint16'],
  ['localChRetryPercentage', 'uint16'],
];

/** A sensible factory configuration: every channel allowed, 1.25 % / 2 % duty-cycle thresholds. */
export const DEFAULT_SUBGHZ_CONFIG: SubGhzConfig = {
  lowerBand0To26: 0xe7ffffff,
  lowerBand27To34: 0xe80000ff,
  lowerBand35To61: 0xf7ffffff,
  upperBand0To26: 0xffffffff,
  normalLimitedDutyCycleThreshold: 125,
  limitedCriticalDutyCycleThreshold: 200,
  maxChannelChangesPerWeek: 4,
  gsmeCurfew: 6,
  channelQuieterThreshold: 6,
  channelNoisierThreshold: 10,
  nonGsmePoorCommsPercentageThreshold: 5050,
  nonGsmePoorCommsMeasurementPeriods: 125,
  localChNoiseMeasurementPeriod: 90,
  localChFailurePercentage: 5000,
  localChRetryPercentage: 3000,
};

function word(hex: string): number {
  return parseInt(hex.slice(0, 8).padEnd(8, '0'), 16) >>> 0;
}

export function configToData(c: SubGhzConfig): DlmsData {
  return {
    type: 'structure',
    items: FIELDS.map(([k, t]) =>
      t === 'bit-string' ? { type: 'bit-string', bits: 32, hex: (c[k] >>> 0).toString(16).toUpperCase().padStart(8, '0') } : { type: t, value: c[k] },
    ),
  };
}

/** Reads a DBCH04 configuration; returns the reason when the structure is not the 15-field one. */
export function configFromData(d: DlmsData): SubGhzConfig | string {
  if (d.type !== 'structure' || d.items.length !== FIELDS.length) return `expected a structure of ${FIELDS.length} fields`;
  const out: Partial<SubGhzConfig> = {};
  for (let i = 0; i < FIELDS.length; i++) {
    const [k, t] = FIELDS[i]!;
    const item = d.items[i]!;
    if (t === 'bit-string') {
      if (item.type !== 'bit-string' || item.bits !== 32) return `field ${i} (${k}) must be a 32-bit bit-string`;
      out[k] = word(item.hex);
      const page = out[k]! >>> 27;
      if (page !== 28 + i) return `field ${i} (${k}) must name channel page ${28 + i}, names ${page}`;
    } else {
      if (item.type !== t) return `field ${i} (${k}) must be ${t}, got ${item.type}`;
      out[k] = item.value;
    }
  }
  if (out.normalLimitedDutyCycleThreshold! >= out.limitedCriticalDutyCycleThreshold!) {
    return 'the Normal-Limited threshold must be below the Limited-Critical threshold';
  }
  return out as SubGhzConfig;
}

/** Every allowed channel of a configuration, in page order. */
export function allowedChannelWords(c: SubGhzConfig): number[] {
  return [c.lowerBand0To26, c.lowerBand27To34, c.lowerBand35To61, c.upperBand0To26];
}
