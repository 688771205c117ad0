import { describe, expect, it } from 'vitest';
import { emittedFiles, itRunsRtdsFolders, runRtdsFolder } from './device-harness.js';

/*
 * The GBZ engine against the RTDS reference: every gas-side folder of the shared corpus, run by the
 * conformance runner in-process (fresh device per scenario, reference seeded, future-dated work run by
 * advancing the clock, alert-only folders brought about by the engine's own events).
 */

const FOLDERS = [
  '1.1.1_GCS01a',
  '1.2.1_GCS01b',
  '1.5_GCS40b',
  '1.5_GCS40c',
  '1.5_GCS40d',
  '1.6_GCS02',
  '1.6_GCS03',
  '14.1_GCS31',
  '2.1_GCS05',
  '2.2_CS01b',
  '2.5_GCS06',
  '3.2_GCS09',
  '3.3_CS11',
  '3.4_GCS44',
  '3.5_GCS11',
  '4.1.1_GCS13a',
  '4.1.2_GCS13c',
  '4.1.4_GCS13b',
  '4.10_GCS18',
  '4.13_GCS21b',
  '4.17_GCS61',
  '4.18_GCS60',
  '4.18_GCS60a',
  '4.4.3_GCS15c',
  '4.4.5_GCS15e',
  '4.6.1_GCS16a',
  '6.13_CS10b',
  '6.2.10_GCS20r',
  '6.2.3_GCS21d',
  '6.2.3_GCS21k',
  '6.2.4_GCS21e',
  '6.2.4_GCS21m',
  '6.2.7_GCS46',
  '6.2.8_GCS21a',
  '6.20.1_GCS41',
  '6.22_GCS20',
  '6.6_GCS23',
  '6.7_GCS24',
  '6.8_GCS25',
  '6.8_GCS25a',
  '7.2_GCS32',
  '7.3_GCS39',
  'NA_FDRA-ZigBee',
  'NA_GCA-ZigBee',
  'NA_GCS53',
  'NA_GNCA-ZigBee',
  'NA_PCS02',
];

/** Folders that do not pass yet, with the reason. Empty: every folder above passes. */
const EXPECTED_FAILURES: Record<string, string> = {};

describe('GBZ engine RTDS conformance', () => {
  itRunsRtdsFolders(FOLDERS, EXPECTED_FAILURES, (r) => expect(r.exchanges + r.alerts).toBeGreaterThan(0));

  it('runs the same twice (no hidden randomness or wall-clock time)', () => {
    expect(emittedFiles(runRtdsFolder('4.6.1_GCS16a'))).toEqual(emittedFiles(runRtdsFolder('4.6.1_GCS16a')));
  });
});
