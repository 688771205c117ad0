import type { Estate } from '../../hub/estate.js';
import type { Premises, PremisesSpec, TrafficRecord } from '../../hub/premises.js';
import { ChannelError, type HanChannel, type SubGhzChannel, channelKey, channelOfWord, formatChannel, frequencyMHz } from '../../hub/radio/channels.js';
import type { SubGhzController } from '../../hub/subghz/controller.js';
import { alertCodeName, hex4 } from '../../protocols/gbcs/codes.js';
import { roleLabel } from '../../firmware-sim/trust.js';
import type { Eui64 } from '../../protocols/eui.js';
import { type Labeller, type TrafficView, describeTraffic } from './decode.js';
import { DutyHistory } from './duty-history.js';
import { Ring } from './ring.js';
import type {
  BandView,
  ChannelLogView,
  DeviceView,
  EstateSummary,
  HubKind,
  InterferenceView,
  PremisesDetail,
  PremisesFilter,
  PremisesPage,
  PremisesRow,
  PremisesStats,
  SubGhzView,
} from './views.js';

/**
 * Everything the dashboard server reads. The server never sees an Estate: an estate whose premises are built
 * lazily, or one in another process, only needs another implementation of this.
 */
export interface DashboardSource {
  summary(): EstateSummary;
  /** Premises in estate order, `limit` of them from `offset` among those matching `filter`. */
  page(offset: number, limit: number, filter?: PremisesFilter): PremisesPage;
  /**
   * One premises inside and out; undefined for an unknown id. An idle premises shows its spec unless `build`
   * is set: looking inside builds it, as a command reaching it would.
   */
  detail(id: string, opts?: { build?: boolean }): PremisesDetail | undefined;
  /** A premises' hub kind from its spec (never builds it); undefined for an unknown id. */
  hubKind(id: string): HubKind | undefined;
  /** The estate's newest traffic (or one premises'), oldest first. */
  recent(limit: number, premises?: string): TrafficView[];
  /** A record as the page shows it; kept apart from `subscribe` so a busy estate decodes only what is sent. */
  describe(rec: TrafficRecord): TrafficView;
  /** Told of every traffic record as it happens; returns the unsubscribe. */
  subscribe(fn: (rec: TrafficRecord) => void): () => void;
  /** Stop watching the estate. */
  close(): void;
}

export interface EstateSourceOptions {
  /** Traffic records kept for the estate-wide recent list (default 500). */
  recentLimit?: number;
  /** Duty-cycle samples kept per premises (default 240) and premises with a history (default 512). */
  dutySamples?: number;
  dutyPremises?: number;
}

/** Sub GHz channel log entries shown (the hub keeps them all). */
const CHANNEL_LOG_SHOWN = 20;
/** Traffic lines of one premises shown in its detail. */
const PREMISES_RECENT = 25;

const emptyStats = (): PremisesStats => ({ commands: 0, responses: 0, alerts: 0, drops: 0, lastActivityMs: null });

/** Counts that depend only on the specs, kept until the number of premises changes. */
interface SpecIndex {
  size: number;
  ids: string[];
  hubs: Record<HubKind, number>;
  devices: Record<string, number>;
  subGhzDevices: number;
}

/**
 * The dashboard's view of an Estate. Every use of the Estate API is in this class, so that when the estate
 * changes shape (lazy premises, a lookup instead of a map, a traffic event hook) only this adapter changes.
 * It never builds an idle premises unless `detail(id, { build: true })` asks to.
 */
class EstateSource implements DashboardSource {
  private readonly listeners = new Set<(rec: TrafficRecord) => void>();
  private readonly stats = new Map<string, PremisesStats>();
  private readonly totals = emptyStats();
  private premisesWithAlerts = 0;
  private readonly recentRing: Ring<TrafficRecord>;
  private readonly duty: DutyHistory;
  private readonly views = new WeakMap<TrafficRecord, TrafficView>();
  private index: SpecIndex | undefined;
  private closed = false;

  constructor(
    private readonly estate: Estate,
    opts: EstateSourceOptions,
  ) {
    this.recentRing = new Ring(opts.recentLimit ?? 500);
    this.duty = new DutyHistory(opts.dutySamples ?? 240, opts.dutyPremises ?? 512);
    this.seed();
    // observe() holds one traffic observer, so this replaces any earlier one; an `onTraffic` hook that takes
    // several listeners belongs here once the Estate has it.
    estate.observe({ traffic: (r) => this.heard(r) });
  }

  /** What live premises already hold when the dashboard starts watching. */
  private seed(): void {
    const cap = this.recentRing.capacity;
    let pending: TrafficRecord[] = [];
    const trim = () => {
      // Merge by time, bounded: an estate may already hold many premises' worth of traffic.
      pending.sort((a, b) => a.atMs - b.atMs);
      pending = pending.slice(-cap);
    };
    for (const p of this.estate.livePremises()) {
      for (const r of p.traffic) this.count(r);
      pending.push(...p.traffic.slice(-cap));
      if (pending.length > 4 * cap) trim();
    }
    trim();
    for (const r of pending) this.recentRing.push(r);
  }

  private count(r: TrafficRecord): void {
    let s = this.stats.get(r.premises);
    if (!s) this.stats.set(r.premises, (s = emptyStats()));
    if (r.cra === 'alert' && r.direction !== 'han-drop' && s.alerts === 0) this.premisesWithAlerts++;
    for (const t of [s, this.totals]) {
      if (r.direction === 'han-drop') t.drops++;
      else if (r.cra === 'command') t.commands++;
      else if (r.cra === 'response') t.responses++;
      else if (r.cra === 'alert') t.alerts++;
      t.lastActivityMs = Math.max(t.lastActivityMs ?? r.atMs, r.atMs);
    }
  }

  private heard(r: TrafficRecord): void {
    if (this.closed) return;
    this.count(r);
    this.recentRing.push(r);
    this.sampleDuty(r.premises, r.atMs);
    for (const fn of this.listeners) fn(r);
  }

  private sampleDuty(id: string, atMs: number): void {
    // A premises being built already talks (startup alerts) but is not live yet: get() would build it again.
    if (this.estate.spec(id)?.hub.band !== 'dual' || !this.estate.isLive(id)) return;
    const sg = this.estate.get(id)?.subGhz;
    if (sg) this.duty.record(id, { atMs, hundredths: sg.duty.hundredthsOfPercent(atMs) });
  }

  private specIndex(): SpecIndex {
    if (this.index && this.index.size === this.estate.size) return this.index;
    const index: SpecIndex = { size: this.estate.size, ids: [], hubs: { single: 0, dual: 0 }, devices: {}, subGhzDevices: 0 };
    for (const spec of this.estate.allSpecs()) {
      index.ids.push(spec.id);
      index.hubs[spec.hub.band]++;
      for (const d of spec.devices) {
        index.devices[d.kind] = (index.devices[d.kind] ?? 0) + 1;
        if (d.band === 'subGHz') index.subGhzDevices++;
      }
    }
    return (this.index = index);
  }

  summary(): EstateSummary {
    const index = this.specIndex();
    const { lastActivityMs: _, ...traffic } = this.totals;
    return {
      nowMs: this.estate.clock.nowMs(),
      premises: index.size,
      live: this.estate.liveCount(),
      hubs: { ...index.hubs },
      devices: { ...index.devices },
      subGhzDevices: index.subGhzDevices,
      traffic,
      premisesWithAlerts: this.premisesWithAlerts,
    };
  }

  page(offset: number, limit: number, filter: PremisesFilter = {}): PremisesPage {
    const ids = this.specIndex().ids;
    const rows: PremisesRow[] = [];
    const unfiltered = !filter.text && !filter.hub && !filter.device && !filter.status;
    if (unfiltered) {
      for (const id of ids.slice(offset, offset + limit)) rows.push(this.row(this.estate.spec(id)!));
      return { offset, limit, total: ids.length, rows };
    }
    // A full scan per request: fine for 100k specs (milliseconds), and needs no index to keep in step.
    const match = this.matcher(filter);
    let total = 0;
    for (const spec of this.estate.allSpecs()) {
      if (!match(spec)) continue;
      if (total >= offset && rows.length < limit) rows.push(this.row(spec));
      total++;
    }
    return { offset, limit, total, rows };
  }

  private matcher(f: PremisesFilter): (spec: PremisesSpec) => boolean {
    const text = f.text?.trim().toUpperCase();
    return (spec) => {
      if (f.hub && spec.hub.band !== f.hub) return false;
      if (f.device && !spec.devices.some((d) => d.kind === f.device)) return false;
      if (f.status === 'live' && !this.estate.isLive(spec.id)) return false;
      if (f.status === 'idle' && this.estate.isLive(spec.id)) return false;
      if (f.status === 'alerts' && !(this.stats.get(spec.id)?.alerts ?? 0)) return false;
      if (!text) return true;
      // EUIs are upper-case hex. Nothing is allocated per premises: this runs over every spec (~20 ms per 100k).
      if (spec.id.toUpperCase().includes(text) || spec.hub.eui.includes(text)) return true;
      for (const d of spec.devices) if (d.eui.includes(text)) return true;
      return false;
    };
  }

  private row(spec: PremisesSpec): PremisesRow {
    return {
      id: spec.id,
      hub: spec.hub.band,
      hubEui: spec.hub.eui,
      devices: spec.devices.map((d) => ({ kind: d.kind, band: d.band })),
      live: this.estate.isLive(spec.id),
      stats: { ...(this.stats.get(spec.id) ?? emptyStats()) },
    };
  }

  detail(id: string, opts: { build?: boolean } = {}): PremisesDetail | undefined {
    const spec = this.estate.spec(id);
    if (!spec) return undefined;
    const p = this.estate.isLive(id) || opts.build ? this.estate.get(id) : undefined;
    const nowMs = this.estate.clock.nowMs();
    const base = {
      id,
      live: p !== undefined,
      nowMs,
      hub: { eui: spec.hub.eui, band: spec.hub.band, chts: spec.hub.chts, gbcs: spec.hub.gbcs },
      stats: { ...(this.stats.get(id) ?? emptyStats()) },
      recent: this.recent(PREMISES_RECENT, id),
    };
    return p ? { ...base, ...this.inside(p, nowMs) } : { ...base, ...this.fromSpec(spec) };
  }

  hubKind(id: string): HubKind | undefined {
    return this.estate.spec(id)?.hub.band;
  }

  /** A built premises: links, noise and the Sub GHz controller as they are now. */
  private inside(p: Premises, nowMs: number): Pick<PremisesDetail, 'bands' | 'devices' | 'interference' | 'subGhz'> {
    const ch24: HanChannel = { band: '2.4GHz', channel: p.spec.hub.channel24 };
    const sg = p.subGhz;
    // Reads only: noiseDbm and quality are pure, unlike energyDetect, which draws from the premises' seed.
    const bands: BandView[] = [{ band: '2.4GHz', channel: formatChannel(ch24), noiseDbm: p.radio.noiseDbm(ch24, nowMs), devices: p.radio.linksOn('2.4GHz').length }];
    if (sg) bands.push({ band: 'subGHz', channel: formatChannel(sg.operatingChannel), noiseDbm: p.radio.noiseDbm(sg.operatingChannel, nowMs), devices: p.radio.linksOn('subGHz').length });
    const devices: DeviceView[] = p.spec.devices.map((d) => {
      const ch = p.channelOf(d.eui);
      const link = p.radio.link(d.eui) ? p.radio.quality(d.eui, ch, nowMs) : null;
      return {
        eui: d.eui,
        kind: d.kind,
        band: d.band,
        channel: formatChannel(ch),
        baseRssiDbm: d.rssiDbm,
        link: link && { rssiDbm: link.rssiDbm, lqi: link.lqi, snrDb: round1(link.snrDb), packetErrorRate: link.packetErrorRate },
        ...(d.band === 'subGHz' ? { subGhzJoined: sg?.devices.has(d.eui) ?? false } : {}),
      };
    });
    const operating = new Set([channelKey(ch24), ...(sg ? [channelKey(sg.operatingChannel)] : [])]);
    const interference: InterferenceView[] = p.radio.activeInterference(nowMs).map((i) => ({
      band: i.channel.band,
      channel: formatChannel(i.channel),
      levelDbm: i.levelDbm,
      fromMs: i.fromMs,
      toMs: i.toMs,
      onOperating: operating.has(channelKey(i.channel)),
    }));
    return { bands, devices, interference, subGhz: sg ? this.subGhzView(p.id, p, sg, nowMs) : null };
  }

  private subGhzView(id: string, p: Premises, sg: SubGhzController, nowMs: number): SubGhzView {
    const dutyHundredths = sg.duty.hundredthsOfPercent(nowMs);
    // Each look is a sample too, so the chart moves as simulated time passes without traffic.
    this.duty.record(id, { atMs: nowMs, hundredths: dutyHundredths });
    return {
      operating: formatChannel(sg.operatingChannel),
      frequencyMHz: frequencyMHz(sg.operating),
      noiseDbm: round1(p.radio.noiseDbm(sg.operatingChannel, nowMs)),
      level: sg.level,
      dutyHundredths,
      thresholds: { limited: sg.config.normalLimitedDutyCycleThreshold, critical: sg.config.limitedCriticalDutyCycleThreshold, regulated: sg.regulatedLimit },
      windowMs: sg.duty.windowMs,
      capacity: sg.capacity,
      joined: sg.devices.size,
      samples: this.duty.samples(id),
      channelLog: sg.log.slice(-CHANNEL_LOG_SHOWN).map((e): ChannelLogView => {
        // The entry's data is the channel word (4 bytes) ‖ 09 01 sequence, as DBCH02 reports it.
        const word = e.data.length >= 4 ? ((e.data[0]! << 24) | (e.data[1]! << 16) | (e.data[2]! << 8) | e.data[3]!) >>> 0 : undefined;
        return {
          atMs: e.atMs,
          alertCode: hex4(e.alertCode),
          alertName: alertCodeName(e.alertCode) ?? 'unknown alert code',
          channel: word === undefined ? '?' : channelLabel(word),
          sequence: e.data.length >= 7 ? e.data[6]! : null,
        };
      }),
    };
  }

  /** An idle premises: only what its spec says; nothing is measured until it is built. */
  private fromSpec(spec: PremisesSpec): Pick<PremisesDetail, 'bands' | 'devices' | 'interference' | 'subGhz'> {
    const ch24 = formatChannel({ band: '2.4GHz', channel: spec.hub.channel24 });
    const op = spec.hub.subGhz?.operating;
    const subLabel = op ? formatChannel({ band: 'subGHz', ...op }) : 'Sub GHz (chosen when built)';
    const bands: BandView[] = [{ band: '2.4GHz', channel: ch24, noiseDbm: null, devices: spec.devices.filter((d) => d.band === '2.4GHz').length }];
    if (spec.hub.band === 'dual') bands.push({ band: 'subGHz', channel: subLabel, noiseDbm: null, devices: spec.devices.filter((d) => d.band === 'subGHz').length });
    const devices: DeviceView[] = spec.devices.map((d) => ({
      eui: d.eui,
      kind: d.kind,
      band: d.band,
      channel: d.band === 'subGHz' ? subLabel : ch24,
      baseRssiDbm: d.rssiDbm,
      link: null,
    }));
    return { bands, devices, interference: [], subGhz: null };
  }

  recent(limit: number, premises?: string): TrafficView[] {
    if (premises === undefined) return this.recentRing.toArray(limit).map((r) => this.describe(r));
    // One premises: its own log, which holds more of its history than the estate-wide ring.
    if (!this.estate.isLive(premises)) return [];
    const p = this.estate.get(premises);
    return p ? p.traffic.slice(-limit).map((r) => this.describe(r)) : [];
  }

  describe(rec: TrafficRecord): TrafficView {
    let v = this.views.get(rec);
    if (!v) this.views.set(rec, (v = describeTraffic(rec, this.label)));
    return v;
  }

  private readonly label: Labeller = (eui) => {
    const role = this.estate.keystore.role(eui as Eui64);
    if (role !== undefined) return roleLabel(role);
    const id = this.estate.premisesIdOf(eui as Eui64);
    const spec = id === undefined ? undefined : this.estate.spec(id);
    if (!spec) return 'unknown';
    if (spec.hub.eui === eui) return 'CHF';
    return spec.devices.find((d) => d.eui === eui)?.kind.toUpperCase() ?? 'unknown';
  };

  subscribe(fn: (rec: TrafficRecord) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.estate.observe({ traffic: () => {} });
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function channelLabel(word: number): string {
  let ch: SubGhzChannel;
  try {
    ch = channelOfWord(word);
  } catch (e) {
    if (!(e instanceof ChannelError)) throw e;
    return `word 0x${word.toString(16).toUpperCase().padStart(8, '0')}`;
  }
  return formatChannel({ band: 'subGHz', ...ch });
}

/** A DashboardSource over an in-process Estate. */
export function estateSource(estate: Estate, opts: EstateSourceOptions = {}): DashboardSource {
  return new EstateSource(estate, opts);
}
