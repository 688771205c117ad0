/*
 * Technical Specification Applicability Tables (TSAT): SEC Schedule 11 says, for each version of SMETS2,
 * CHTS and GBCS, when Devices built to it may be installed (Installation Validity Period) and kept in
 * service (Maintenance Validity Period), and which versions go together. A head-end that is tested only
 * against valid combinations never meets the hub that is not, so the estate refuses invalid ones unless told
 * otherwise.
 *
 * Every date below carries its source. Where no public source could be found, the field is left out and the
 * comment says so: a missing date is not checked, so an unsourced rule can never refuse a configuration.
 * Sources were found with a public search (2026); the SEC's own Schedule 11 text was not reachable, so
 * secondary sources are cited where they are all there is.
 */

export type TsatSpec = 'SMETS2' | 'CHTS' | 'GBCS';

export interface TsatEntry {
  spec: TsatSpec;
  version: string;
  /** First day Devices to this version may be installed (ISO date, inclusive). */
  installFrom?: string;
  /** Last day Devices to this version may be installed (ISO date, inclusive). */
  installUntil?: string;
  /** Last day Devices to this version may stay installed and be maintained (ISO date, inclusive). */
  maintainUntil?: string;
  /** SMETS2 and CHTS: whether a dual band comms hub may serve it; absent where unsourced. */
  dualBand?: boolean;
  /** SMETS2 and CHTS: the GBCS versions the TSAT pairs with it; absent where unsourced (then not checked). */
  gbcs?: readonly string[];
  /** Where the dates and rules of this entry come from, or why they are missing. */
  source: string;
}

const SEC_SCHEDULE_11 =
  'TSAT is SEC Schedule 11 "Technical Specification Applicability Tables" (smartenergycodecompany.co.uk/modifications/tsat-expired-communication-hubs/; re-designated 4 Oct 2018, smartenergycodecompany.co.uk/latest-news/sec-version-5-23-designated/)';
const CORNWALL =
  'Cornwall Insight, "Fix Up, Look Smart - SMETS installation dates on the horizon" (cornwall-insight.com.au/fix-up-look-smart-smets-installation-dates-on-the-horizon/), citing the dates BEIS set: SMETS2 v2.0 and v3.1 installable until 27 October 2020; v3.1 adds Dual Band Communications Hubs; v4.2 exists';

export const TSAT: readonly TsatEntry[] = [
  {
    spec: 'SMETS2',
    version: '2.0',
    // Start of installation and end of maintenance: unsourced (Schedule 11 text not found).
    installUntil: '2020-10-27',
    // "One of the key differences between [v2.0 and v3.1] is that SMETS2 v3.1 supports the use of Dual Band
    // Communication Hubs": so v2.0 does not.
    dualBand: false,
    source: CORNWALL,
  },
  {
    spec: 'SMETS2',
    version: '3.0',
    // Every date unsourced. The UK's TRIS notification 2018/0515/UK lists SMETS v3.0 (2018/150/UK) as
    // "not in legal force"; whether it ever had an Installation Validity Period is not known here.
    source: 'switec.info, TRIS notification 2018/0515/UK (lists SMETS v3.0 as notified, not in legal force); dates unsourced',
  },
  {
    spec: 'SMETS2',
    version: '3.1',
    // Start of installation and end of maintenance: unsourced.
    installUntil: '2020-10-27',
    dualBand: true,
    source: CORNWALL,
  },
  {
    spec: 'SMETS2',
    version: '4.2',
    // Known to exist (suppliers moving "directly from SMETS2 v2.0 to SMETS2 v4.2"); every date and its GBCS
    // pairing unsourced.
    source: `${CORNWALL}; dates unsourced`,
  },
  {
    spec: 'CHTS',
    version: '1.0',
    // From the project's issue: CHTS v1.0 hubs may not be installed after 27/10/2019. Start of installation
    // and end of maintenance unsourced. Single band only (dual band came with v1.1).
    installUntil: '2019-10-27',
    dualBand: false,
    source: 'project issue ("CHTS v1.0 is not installable after 27/10/2019; dual band comms hubs only with CHTS v1.1 and GBCS >= 2.0")',
  },
  {
    spec: 'CHTS',
    version: '1.1',
    // Every date unsourced.
    dualBand: true,
    source: 'project issue (dual band comms hubs need CHTS v1.1); dates unsourced',
  },
  {
    spec: 'GBCS',
    version: '1.0',
    // Every date unsourced; a GBCS v1.0 release note of 28 November 2014 is public (essaydocs.org).
    source: 'GBCS "Version 1: Release Note 28 November 2014" (essaydocs.org); dates unsourced',
  },
  { spec: 'GBCS', version: '1.1', source: 'project issue (single band hubs); dates unsourced' },
  { spec: 'GBCS', version: '2.0', source: 'project issue (first GBCS version for dual band hubs); dates unsourced' },
  { spec: 'GBCS', version: '2.1', source: 'dates unsourced' },
  {
    spec: 'GBCS',
    version: '3.2',
    // Known to exist: SEC modification MP093 "Implementing IRP511 and CRP535 to support GBCS v3.2 devices"
    // went live in the November 2020 SEC Release. Every date unsourced.
    source: 'smartenergycodecompany.co.uk/tag/sec-release/ (MP093, November 2020 SEC Release); dates unsourced',
  },
];

/** Dual band comms hubs need at least this GBCS version (project issue). */
export const DUAL_BAND_MIN_GBCS = '2.0';

export interface TsatSubject {
  smets2?: string;
  chts?: string;
  gbcs: string;
  hubBand?: 'single' | 'dual';
  /** The day the equipment was installed (ISO date). */
  installedOn: string;
  /** The day the Maintenance Validity Period is judged on (ISO date or time); not checked when absent. */
  asOf?: string;
}

export interface TsatViolation {
  /** Short id, e.g. `CHTS-1.0-install`, `GBCS-unknown`, `dual-band-gbcs`. */
  rule: string;
  /** One human sentence naming the rule and the date. */
  message: string;
  /** Which part of the subject is at fault, so a caller can point at the key that set it. */
  field: keyof TsatSubject;
}

const FIELD: Record<TsatSpec, 'smets2' | 'chts' | 'gbcs'> = { SMETS2: 'smets2', CHTS: 'chts', GBCS: 'gbcs' };

/** Compares dotted version numbers numerically ('2.10' > '2.9'); non-numeric parts compare as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number(x) || 0);
  const pb = b.split('.').map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** The known versions of one specification, oldest first. */
export function knownVersions(spec: TsatSpec, table: readonly TsatEntry[] = TSAT): string[] {
  return table.filter((e) => e.spec === spec).map((e) => e.version).sort(compareVersions);
}

export function tsatEntry(spec: TsatSpec, version: string, table: readonly TsatEntry[] = TSAT): TsatEntry | undefined {
  return table.find((e) => e.spec === spec && e.version === version);
}

/** The calendar day of an ISO date or date-time (UTC), or null when it is not one. */
function dayOf(text: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(text)) return null;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) return null;
  const day = new Date(ms).toISOString().slice(0, 10);
  // Date.parse rolls 2021-02-30 over to March; a date that does not round-trip is not a date.
  if (text.length === 10 && day !== text) return null;
  return day;
}

/**
 * Every way `subject` breaks the table: unknown versions (with the known ones), installation outside an
 * Installation Validity Period, maintenance past its end as of `asOf`, GBCS versions the table does not pair
 * with the SMETS2 or CHTS version, and dual band hubs without CHTS v1.1, GBCS v2.0 or a SMETS2 version that
 * supports them. Dates are whole days, inclusive at both ends. An empty list means valid as far as known.
 */
export function checkTsat(subject: TsatSubject, table: readonly TsatEntry[] = TSAT): TsatViolation[] {
  const out: TsatViolation[] = [];
  const installed = dayOf(subject.installedOn);
  if (installed === null) out.push({ rule: 'install-date', field: 'installedOn', message: `installation date ${JSON.stringify(subject.installedOn)} is not an ISO date such as 2020-06-01` });
  const asOf = subject.asOf === undefined ? undefined : dayOf(subject.asOf);
  if (asOf === null) out.push({ rule: 'as-of-date', field: 'asOf', message: `date ${JSON.stringify(subject.asOf)} is not an ISO date such as 2026-01-01` });

  const entries: Partial<Record<TsatSpec, TsatEntry>> = {};
  const parts: Array<[TsatSpec, string | undefined]> = [['SMETS2', subject.smets2], ['CHTS', subject.chts], ['GBCS', subject.gbcs]];
  for (const [spec, version] of parts) {
    if (version === undefined) continue;
    const field = FIELD[spec];
    const e = tsatEntry(spec, version, table);
    if (!e) {
      out.push({ rule: `${spec}-unknown`, field, message: `unknown ${spec} version ${JSON.stringify(version)} (known: ${knownVersions(spec, table).join(', ')})` });
      continue;
    }
    entries[spec] = e;
    const name = `${spec} v${e.version}`;
    if (installed) {
      if (e.installFrom && installed < e.installFrom) {
        out.push({ rule: `${spec}-${e.version}-install`, field, message: `${name} cannot be installed before ${e.installFrom} (installed ${installed})` });
      }
      if (e.installUntil && installed > e.installUntil) {
        out.push({ rule: `${spec}-${e.version}-install`, field, message: `${name} cannot be installed after ${e.installUntil} (installed ${installed})` });
      }
    }
    if (asOf && e.maintainUntil && asOf > e.maintainUntil) {
      out.push({ rule: `${spec}-${e.version}-maintain`, field, message: `${name} cannot be maintained after ${e.maintainUntil} (as of ${asOf})` });
    }
  }

  for (const spec of ['SMETS2', 'CHTS'] as const) {
    const e = entries[spec];
    if (e?.gbcs && entries.GBCS && !e.gbcs.includes(entries.GBCS.version)) {
      out.push({ rule: `${spec}-${e.version}-gbcs`, field: 'gbcs', message: `${spec} v${e.version} works with GBCS ${e.gbcs.map((v) => `v${v}`).join(', ')}, not GBCS v${entries.GBCS.version}` });
    }
  }

  if (subject.hubBand === 'dual') {
    if (entries.CHTS?.dualBand === false) {
      out.push({ rule: 'dual-band-chts', field: 'chts', message: `a dual band comms hub needs CHTS v1.1 or later, not CHTS v${entries.CHTS.version}` });
    }
    if (entries.GBCS && compareVersions(entries.GBCS.version, DUAL_BAND_MIN_GBCS) < 0) {
      out.push({ rule: 'dual-band-gbcs', field: 'gbcs', message: `a dual band comms hub needs GBCS v${DUAL_BAND_MIN_GBCS} or later, not GBCS v${entries.GBCS.version}` });
    }
    if (entries.SMETS2?.dualBand === false) {
      out.push({ rule: 'dual-band-smets2', field: 'smets2', message: `SMETS2 v${entries.SMETS2.version} meters cannot use a dual band comms hub (dual band came with SMETS2 v3.1)` });
    }
  }
  return out;
}
