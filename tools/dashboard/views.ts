import type { DutyLevel } from '../../hub/subghz/controller.js';
import type { DutySample } from './duty-history.js';
import type { TrafficView } from './decode.js';

/*
 * What the dashboard shows, as plain JSON-ready data: the contract between a DashboardSource, the server and
 * the page (app.js reads these shapes). Times are simulated milliseconds since the epoch; duty cycles are
 * hundredths of a percent, as the hub and the GBCS thresholds count them.
 */

export type { DutySample } from './duty-history.js';
export type { TrafficView } from './decode.js';

export type HubKind = 'single' | 'dual';
export type BandName = '2.4GHz' | 'subGHz';

export interface TrafficCounts {
  commands: number;
  responses: number;
  alerts: number;
  /** Lost on the HAN or discarded under duty-cycle management. */
  drops: number;
}

export interface EstateSummary {
  nowMs: number;
  premises: number;
  /** Premises built so far (the rest are only their spec until something reaches them). */
  live: number;
  hubs: Record<HubKind, number>;
  /** Devices by kind (esme, gsme, ...), hubs not included. */
  devices: Record<string, number>;
  subGhzDevices: number;
  /** Traffic seen since the dashboard started watching, plus what live premises still held then. */
  traffic: TrafficCounts;
  premisesWithAlerts: number;
}

export interface PremisesFilter {
  /** Part of the premises id or of any of its EUIs, any case. */
  text?: string;
  hub?: HubKind;
  /** Has at least one device of this kind. */
  device?: string;
  status?: 'live' | 'idle' | 'alerts';
}

export interface PremisesStats extends TrafficCounts {
  lastActivityMs: number | null;
}

export interface PremisesRow {
  id: string;
  hub: HubKind;
  hubEui: string;
  devices: Array<{ kind: string; band: BandName }>;
  live: boolean;
  stats: PremisesStats;
}

export interface PremisesPage {
  offset: number;
  limit: number;
  /** Premises matching the filter (all of them without one). */
  total: number;
  rows: PremisesRow[];
}

export interface LinkView {
  rssiDbm: number;
  lqi: number;
  snrDb: number;
  packetErrorRate: number;
}

export interface DeviceView {
  eui: string;
  kind: string;
  band: BandName;
  /** The channel its traffic uses now, e.g. `2.4 GHz ch 15`. */
  channel: string;
  baseRssiDbm: number;
  /** Link quality now; null while the premises is idle (nothing has been built to measure). */
  link: LinkView | null;
  /** Sub GHz devices only: whether the hub took it (capacity may refuse). */
  subGhzJoined?: boolean;
}

export interface BandView {
  band: BandName;
  channel: string;
  /** Noise on the channel now (floor plus interference); null while idle. */
  noiseDbm: number | null;
  devices: number;
}

export interface InterferenceView {
  band: BandName;
  channel: string;
  levelDbm: number;
  fromMs: number;
  toMs: number;
  /** On the channel the hub's traffic uses now on that band. */
  onOperating: boolean;
}

export interface ChannelLogView {
  atMs: number;
  alertCode: string;
  alertName: string;
  channel: string;
  sequence: number | null;
}

export interface SubGhzView {
  operating: string;
  frequencyMHz: number;
  noiseDbm: number;
  /** The level the hub last decided on (it re-evaluates when it transmits). */
  level: DutyLevel;
  /** Duty cycle over the rolling window ending now. */
  dutyHundredths: number;
  thresholds: { limited: number; critical: number; regulated: number };
  windowMs: number;
  capacity: number;
  joined: number;
  /** Oldest first. */
  samples: DutySample[];
  /** Newest last. */
  channelLog: ChannelLogView[];
}

export interface PremisesDetail {
  id: string;
  live: boolean;
  nowMs: number;
  hub: { eui: string; band: HubKind; chts: string; gbcs: string };
  bands: BandView[];
  devices: DeviceView[];
  interference: InterferenceView[];
  /** Null for a single band hub, and for an idle one (built on demand). */
  subGhz: SubGhzView | null;
  stats: PremisesStats;
  /** This premises' newest traffic, oldest first. */
  recent: TrafficView[];
}
