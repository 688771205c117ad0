import { describe, expect, it } from 'vitest';
import { emittedFiles, itRunsRtdsFolders, runRtdsFolder } from './device-harness.js';

/*
 * The DLMS engine (ESME and comms hub) against the RTDS reference: every DLMS folder of the shared corpus
 * in this engine's area, run by the conformance runner in-process. Each scenario gets a fresh device; the
 * reference response seeds readings, logs and faults; future-dated work runs by advancing the clock; the
 * alert-only folders are brought about by the engine's own events. The dual-band (DBCH) folders belong to
 * the hub's Sub GHz engine and are not listed here.
 */

const FOLDERS = [
  '1.1.1_ECS01a',
  '1.1.2_ECS01c',
  '1.2.2_ECS01d',
  '1.5_ECS04a',
  '1.5_ECS04b',
  '1.6_ECS02',
  '1.6_ECS03',
  '1.7_ECS05',
  '11.2_ECS52',
  '2.1_ECS08',
  '2.1_ECS08a',
  '2.2_CS01a',
  '3.1_ECS10',
  '3.2_ECS12',
  '3.3_ECS15a',
  '3.3_ECS15c',
  '3.4_ECS16',
  '4.1.1_ECS17b',
  '4.1.2_ECS17d',
  '4.1.3_ECS17e',
  '4.10_ECS23',
  '4.10_ECS23b',
  '4.11.2_ECS24b',
  '4.12.1_ECS18b',
  '4.13_ECS26a',
  '4.14_ECS21b',
  '4.16_ECS17c',
  '4.17_ECS66',
  '4.18_ECS82',
  '4.2_ECS17a',
  '4.3_ECS19',
  '4.4.3_ECS20c',
  '4.6.2_ECS21c',
  '4.8.1_ECS22b',
  '4.8.2_ECS22c',
  '4.8.3_ECS22a',
  '6.11_ECS70',
  '6.13_ECS35b',
  '6.13_ECS35d',
  '6.13_ECS35g',
  '6.14.1_ECS46a',
  '6.14.3_ECS46d',
  '6.18.1_ECS37',
  '6.2.10_ECS25r1',
  '6.2.10_ECS25r2',
  '6.2.1_ECS26b',
  '6.2.3_ECS26d',
  '6.2.4_ECS26e',
  '6.2.4_ECS26i',
  '6.2.4_ECS26n',
  '6.2.5_ECS26f',
  '6.2.7_ECS40',
  '6.2.9_ECS26j',
  '6.22_ECS25a1',
  '6.22_ECS25a3',
  '6.22_ECS25b',
  '6.22_ECS25b3',
  '6.27_ECS29e',
  '6.4.1_ECS28a',
  '6.5_ECS29b',
  '6.8_ECS30',
  '6.8_ECS30a',
  '7.10_ECS62Remove',
  '7.11_ECS61c',
  '7.12_ECS38',
  '7.14_ECS61d',
  '7.15_ECS61e',
  '7.1_ECS42',
  '7.2_ECS43',
  '7.3_ECS44',
  '7.6_ECS47Deactivate',
  '7.7_ECS61a',
  '7.8_ECS47Reset',
  '7.9_ECS62Add',
  '8.1.1_ECS70Commission',
  '8.11_CCS01',
  '8.11_CCS02',
  '8.12.1_CCS03',
  '8.9_CCS05CCS04',
  '8.9_CCS06',
  '8.9_CCS07',
  '9.1_ECS50',
  'NA_CS14',
  'NA_ECS100',
  'NA_ECS101',
  'NA_ECS200',
  'NA_ECS68',
  'NA_ECS80',
  'NA_GCA-DLMS',
  'NA_GNCA-DLMS',
  'NA_MIIWA-DLMS',
];

/** Folders that cannot pass, with the reason (none at present). */
const EXPECTED_FAILURES: Record<string, string> = {};

describe('DLMS engine RTDS conformance', () => {
  itRunsRtdsFolders(FOLDERS, EXPECTED_FAILURES);

  it('runs the same twice (no hidden randomness or wall-clock time)', () => {
    for (const f of ['1.6_ECS03', '4.1.1_ECS17b', 'NA_ECS68', '8.11_CCS01']) {
      expect(emittedFiles(runRtdsFolder(f))).toEqual(emittedFiles(runRtdsFolder(f)));
    }
  });
});
