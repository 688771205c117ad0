import { CLUSTER, ZCL_STATUS, type GbzComponent, type ZclCommand, type ZclValue } from '../../protocols/gbcs/gbz/index.js';
import { dlmsDateTimeToDate } from '../../protocols/gbcs/time.js';
import type { Exchange } from '../models/composite.js';
import { num, time } from './call.js';
import type { GbzCore } from './core.js';
import { billingBoundaryAfter } from './core.js';
import { READING_TIMESTAMP, utcToDate } from './rules.js';
import type { Calendar, GbzState, Snapshot } from './state.js';

/*
 * Conformance seeding: the reference response says what the device held (register values, logs, calendars,
 * configuration) and where it failed (a hardware fault on an attribute, a log record, a command). That goes
 * into the state; the response itself is then built from the state like any other.
 */

/** The objects a component addresses, for faults the device has on them (attributes are tracked apart). */
export function faultKeys(comp: GbzComponent): string[] {
  const c = comp.command;
  if (!c || !c.typed) return [];
  const base = `${comp.clusterId}/${c.name}`;
  switch (c.name) {
    case 'readAttributes':
      return [];
    case 'getSnapshot':
    case 'getPrepaySnapshot':
      // A log record, by its position in the requested window.
      return [`${base}@${num(c.fields.snapshotOffset)}`];
    case 'setEventConfiguration':
      if (num(c.fields.configurationControl) === 0) {
        const p = c.fields.eventConfigurationPayload as { eventIds?: number[] } | undefined;
        return (p?.eventIds ?? []).map((id) => `event/${id}`);
      }
      return [base];
    default:
      return [base];
  }
}

interface ReplyRef {
  comp: GbzComponent;
  command: ZclCommand | undefined;
}

type Fields = Record<string, ZclValue>;

function typed(r: ReplyRef, name: string): Fields | undefined {
  return r.command && r.command.typed && r.command.name === name ? r.command.fields : undefined;
}

export function seedExchange(core: GbzCore, ex: Exchange, now: Date): void {
  if (ex.command.payload.family !== 'gbz' || ex.expected.payload.family !== 'gbz') return;
  const s = core.s;
  const bySeq = new Map<number, ReplyRef[]>();
  let dec = 0;
  for (const rc of ex.expected.payload.gbz.components) {
    const command = rc.encrypted ? (ex.decrypted[dec++] as ZclCommand | undefined) : rc.command;
    let list = bySeq.get(rc.sequenceNumber);
    if (!list) bySeq.set(rc.sequenceNumber, (list = []));
    list.push({ comp: rc, command });
  }
  const totals: Array<{ log: Snapshot[]; cause: number; total: number }> = [];
  const components = ex.command.payload.gbz.components;
  for (const comp of components) {
    const c = comp.command;
    if (!c || !c.typed) continue;
    const replies = bySeq.get(comp.sequenceNumber) ?? [];
    for (const r of replies) {
      const d = typed(r, 'defaultResponse');
      if (!d) continue;
      const st = num(d.statusCode);
      // 0xFF: the component was never run; NOT_FOUND follows from the state itself.
      if (st !== 0 && st !== ZCL_STATUS.notFound && num(d.commandId) !== 0xff) for (const k of faultKeys(comp)) s.faults.set(k, st);
    }
    seedComponent(core, comp, c.fields, replies, components, totals, now);
  }
  for (const t of totals) fillLog(t.log, t.cause, t.total);

  const dt = ex.expected.header.dateTime;
  if (dt && READING_TIMESTAMP.has(ex.command.header.otherInfo.messageCode)) {
    const at = dlmsDateTimeToDate(dt);
    if (at) core.env.shared.clockOffsetMs = at.getTime() - now.getTime();
    s.readingClockStatus = dt.clockStatus;
  }
}

function seedComponent(
  core: GbzCore,
  comp: GbzComponent,
  f: Fields,
  replies: ReplyRef[],
  siblings: readonly GbzComponent[],
  totals: Array<{ log: Snapshot[]; cause: number; total: number }>,
  now: Date,
): void {
  const s = core.s;
  const name = (comp.command as { name: string }).name;
  for (const r of replies) {
    if (!r.command || !r.command.typed) continue;
    const rf = r.command.fields;
    switch (r.command.name) {
      case 'readAttributesResponse':
        for (const rec of (rf.records as Fields[]) ?? []) seedAttribute(core, comp.clusterId, rec);
        break;
      case 'publishSnapshot':
      case 'publishPrepaySnapshot': {
        const log = r.command.name === 'publishSnapshot' ? s.metering.snapshots : s.prepayment.snapshots;
        const snap: Snapshot = {
          time: utcToDate(time(rf.snapshotTime))?.getTime() ?? now.getTime(),
          cause: num(rf.snapshotCause),
          payloadType: num(rf.snapshotPayloadType),
          payload: rf.snapshotPayload as Fields,
        };
        if (!log.some((x) => x.time === snap.time && x.cause === snap.cause)) log.push(snap);
        log.sort((a, b) => a.time - b.time);
        totals.push({ log, cause: num(f.snapshotCause, snap.cause), total: num(rf.totalSnapshotsFound) });
        break;
      }
      case 'publishTopUpLog':
        for (const t of (rf.topUps as Fields[]) ?? []) {
          const at = utcToDate(time(t.topUpTime))?.getTime() ?? 0;
          if (s.prepayment.topUps.some((x) => x.time === at && x.amount === t.topUpAmount)) continue;
          s.prepayment.topUps.push({ code: t.topUpCode ?? '', amount: num(t.topUpAmount), time: at, origin: 0 });
        }
        s.prepayment.topUps.sort((a, b) => b.time - a.time);
        break;
      case 'publishDebtLog':
        for (const d of (rf.debts as Fields[]) ?? []) {
          s.prepayment.debtLog.push({
            time: utcToDate(time(d.collectionTime))?.getTime() ?? 0,
            amount: num(d.amountCollected),
            debtType: num(d.debtType),
            outstanding: num(d.outstandingDebt),
          });
        }
        break;
      case 'publishEventLog':
        for (const e of (rf.events as Fields[]) ?? []) {
          core.log(num(e.logId), num(e.eventId), utcToDate(time(e.eventTime)) ?? now, typeof e.eventData === 'string' ? e.eventData : '');
        }
        break;
      case 'getSampledDataResponse': {
        const samples = ((rf.samples as number[]) ?? []).slice();
        const id = num(rf.sampleId);
        s.metering.samplings.set(id, {
          id,
          type: num(rf.sampleType),
          startMs: utcToDate(time(rf.sampleStartTime))?.getTime() ?? now.getTime(),
          interval: num(rf.sampleRequestInterval),
          max: Math.max(samples.length, num(f.numberOfSamples)),
          samples,
        });
        break;
      }
      case 'startSamplingResponse': {
        const id = num(rf.sampleId);
        if (id === 0xffff) s.faults.set(`${comp.clusterId}/startSampling`, ZCL_STATUS.hardwareFailure);
        else s.metering.nextSampleId = id;
        break;
      }
      case 'publishBillingPeriod': {
        const b = {
          providerId: num(rf.providerId),
          issuerEventId: num(rf.issuerEventId),
          billingPeriodStartTime: rf.billingPeriodStartTime as string,
          billingPeriodDuration: num(rf.billingPeriodDuration),
          billingPeriodDurationType: num(rf.billingPeriodDurationType),
          tariffType: num(rf.tariffType),
        };
        s.price.billing = b;
        s.price.billingNextEnd = billingBoundaryAfter(b, now.getTime());
        break;
      }
      case 'publishPrice':
        s.price.providerId = num(rf.providerId);
        s.price.issuerEventId = num(rf.issuerEventId);
        s.price.rateLabel = rf.rateLabel ?? '';
        break;
      case 'publishDayProfile':
      case 'publishWeekProfile':
      case 'publishSeasons':
      case 'publishCalendar':
        seedCalendar(s, r.command.name, rf, siblings);
        break;
      case 'publishSpecialDays':
        s.specialDays.set(num(rf.calendarType), {
          providerId: num(rf.providerId),
          issuerEventId: num(rf.issuerEventId),
          issuerCalendarId: num(rf.issuerCalendarId),
          startTime: time(rf.startTime) ?? 0,
          calendarType: num(rf.calendarType),
          entries: (rf.specialDayEntries as Fields[]) ?? [],
        });
        break;
      case 'reportEventConfiguration': {
        // The reply lists the device's configuration for the events asked about, in its own order.
        const asked = num(f.eventId);
        const cfg = s.events.config;
        for (const id of [...cfg.keys()]) {
          if (asked === 0xffff || ((asked & 0xff) === 0xff && (id & 0xff00) === (asked & 0xff00)) || id === asked) cfg.delete(id);
        }
        for (const e of (rf.eventConfigurations as Fields[]) ?? []) cfg.set(num(e.eventId), num(e.eventConfiguration));
        break;
      }
      case 'changePaymentModeResponse':
        s.prepayment.friendlyCredit = num(rf.friendlyCredit);
        s.prepayment.friendlyCreditCalendarId = num(rf.friendlyCreditCalendarId);
        s.attrs.set(CLUSTER.prepayment, 'emergencyCreditLimitAllowance', num(rf.emergencyCreditLimit));
        s.attrs.set(CLUSTER.prepayment, 'emergencyCreditThreshold', num(rf.emergencyCreditThreshold));
        break;
      case 'consumerTopUpResponse':
        if (num(rf.resultType) === 0) {
          s.attrs.set(CLUSTER.prepayment, 'creditRemaining', num(rf.creditRemaining) - num(rf.topUpValue));
        } else if (num(rf.resultType) === 3) {
          s.faults.set(`${comp.clusterId}/${name}`, ZCL_STATUS.hardwareFailure);
        }
        break;
      case 'clearEventLogResponse':
        if (num(rf.clearedEventsLogs) === 0 && num(f.logId) !== 4) s.faults.set(`${comp.clusterId}/${name}`, ZCL_STATUS.hardwareFailure);
        break;
      default:
        break;
    }
  }
}

function seedAttribute(core: GbzCore, cluster: number, rec: Fields): void {
  const a = core.s.attrs;
  const id = num(rec.id);
  const st = num(rec.status);
  if (st === 0) {
    a.override(cluster, id, rec.value ?? null, typeof rec.type === 'number' ? rec.type : undefined);
    // The running firmware version is shared with the ASN.1 side (CS06 activates, GCS38 reads).
    if (cluster === CLUSTER.metering && id === 0x0206 && typeof rec.value === 'string') {
      core.env.shared.firmware.version = rec.value;
      a.compute(cluster, id, () => ({ value: core.env.shared.firmware.version.toUpperCase() }));
    }
  } else if (st === ZCL_STATUS.unsupportedAttribute) {
    a.forget(cluster, id);
  } else {
    a.fail(cluster, id, st);
  }
}

function seedCalendar(s: GbzState, name: string, rf: Fields, siblings: readonly GbzComponent[]): void {
  const id = num(rf.issuerCalendarId);
  let cal = [...s.calendars.values()].find((c) => c.issuerCalendarId === id);
  if (!cal) {
    let type = typeof rf.calendarType === 'number' ? rf.calendarType : undefined;
    for (const sib of siblings) {
      if (type !== undefined) break;
      const t = sib.command?.typed && sib.clusterId === CLUSTER.calendar ? sib.command.fields.calendarType : undefined;
      if (typeof t === 'number') type = t;
    }
    cal = {
      providerId: num(rf.providerId),
      issuerEventId: num(rf.issuerEventId),
      issuerCalendarId: id,
      startTime: 0,
      calendarType: type ?? 0,
      calendarTimeReference: 0,
      calendarName: '',
      numberOfSeasons: 0,
      numberOfWeekProfiles: 0,
      numberOfDayProfiles: 0,
      days: new Map(),
      weeks: new Map(),
      seasons: [],
    } satisfies Calendar;
    s.calendars.set(cal.calendarType, cal);
    if (cal.calendarType === 3) s.prepayment.friendlyCreditCalendarId = id;
  }
  switch (name) {
    case 'publishCalendar':
      Object.assign(cal, {
        startTime: time(rf.startTime) ?? 0,
        calendarTimeReference: num(rf.calendarTimeReference),
        calendarName: rf.calendarName ?? '',
      });
      break;
    case 'publishDayProfile':
      cal.days.set(num(rf.dayId), { dayId: num(rf.dayId), entries: (rf.dayScheduleEntries as Fields[]) ?? [] });
      break;
    case 'publishWeekProfile': {
      const { providerId: _p, issuerEventId: _e, issuerCalendarId: _c, ...refs } = rf;
      cal.weeks.set(num(rf.weekId), refs);
      break;
    }
    case 'publishSeasons':
      cal.seasons = (rf.seasonEntries as Fields[]) ?? [];
      break;
  }
}

/**
 * A log the reference says holds `total` records of a cause but only showed some: the rest are older
 * records of the same kind, at the spacing the shown ones have.
 */
function fillLog(log: Snapshot[], cause: number, total: number): void {
  const matching = () => log.filter((x) => (x.cause & cause) !== 0 || cause === 0xffffffff);
  let have = matching();
  if (have.length >= total || have.length === 0) return;
  const sorted = have.slice().sort((a, b) => a.time - b.time);
  const first = sorted[0]!;
  const spacing = sorted.length > 1 ? Math.max(60_000, sorted[1]!.time - first.time) : 86_400_000;
  for (let k = 1; have.length < total && k < 10_000; k++) {
    log.push({ ...first, time: first.time - k * spacing, payload: { ...first.payload } });
    have = matching();
  }
  log.sort((a, b) => a.time - b.time);
}
