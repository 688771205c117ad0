import type { DlmsData } from '../../protocols/gbcs/dlms/index.js';
import { dateTimeOf, items, num, octets } from './data.js';

/*
 * Activity calendar evaluation (COSEM class 20 with its special days table, class 11): which script
 * selector the tariff script table (0-0:10.0.100.255) runs at an instant. GBCS uses the selector as the
 * tariff register: 1-48 primary TOU registers, 101-108 block tariffs (TOU rate 1-8 with block counters),
 * 201-204 the secondary element's TOU registers.
 */

export interface CalendarTables {
  seasons: DlmsData | undefined;
  weeks: DlmsData | undefined;
  days: DlmsData | undefined;
  specialDays: DlmsData | undefined;
}

interface DayAction {
  /** Seconds after midnight. */
  start: number;
  selector: number;
}

/** Day-by-day schedule of selectors derived from the tables, cached per UTC day. */
export class TariffCalendar {
  private readonly cache = new Map<number, DayAction[]>();

  constructor(private readonly tables: () => CalendarTables) {}

  /** Forget cached days (after the active tables changed). */
  invalidate(): void {
    this.cache.clear();
  }

  /** The selector in force at `t` (ms), or undefined if the calendar says nothing. */
  selectorAt(t: number): number | undefined {
    const day = Math.floor(t / 86_400_000);
    let actions = this.cache.get(day);
    if (!actions) {
      actions = this.dayActions(day);
      if (this.cache.size > 4096) this.cache.clear();
      this.cache.set(day, actions);
    }
    if (actions.length === 0) return undefined;
    const sec = Math.floor((t - day * 86_400_000) / 1000);
    let sel: number | undefined;
    for (const a of actions) if (a.start <= sec) sel = a.selector;
    if (sel !== undefined) return sel;
    // Before the first switch of the day the previous day's last action is still in force.
    const prev = this.cache.get(day - 1) ?? this.dayActions(day - 1);
    return prev.at(-1)?.selector ?? actions.at(-1)!.selector;
  }

  private dayActions(day: number): DayAction[] {
    const t = this.tables();
    const date = new Date(day * 86_400_000);
    const dayId = specialDayId(t.specialDays, date) ?? weekDayId(t, date);
    if (dayId === undefined) return [];
    for (const d of items(t.days)) {
      const f = items(d);
      if (num(f[0]) !== dayId) continue;
      const out: DayAction[] = [];
      for (const a of items(f[1])) {
        const [time, , sel] = items(a);
        const tb = octets(time);
        const selector = num(sel);
        if (!tb || tb.length < 3 || selector === undefined) continue;
        out.push({ start: (tb[0]! === 0xff ? 0 : tb[0]!) * 3600 + (tb[1]! === 0xff ? 0 : tb[1]!) * 60 + (tb[2]! === 0xff ? 0 : tb[2]!), selector });
      }
      return out.sort((a, b) => a.start - b.start);
    }
    return [];
  }
}

function weekDayId(t: CalendarTables, date: Date): number | undefined {
  const season = seasonAt(t.seasons, date);
  if (!season) return undefined;
  for (const w of items(t.weeks)) {
    const f = items(w);
    const name = octets(f[0]);
    if (!name || !sameBytes(name, season)) continue;
    // Week profile fields run Monday..Sunday; getUTCDay is 0 for Sunday.
    const idx = (date.getUTCDay() + 6) % 7;
    return num(f[1 + idx]);
  }
  return undefined;
}

/** Week-profile name of the season in force on `date` (season starts may leave the year unspecified). */
function seasonAt(seasons: DlmsData | undefined, date: Date): Uint8Array | undefined {
  let best: { at: number; week: Uint8Array } | undefined;
  let latest: { at: number; week: Uint8Array } | undefined;
  const t = date.getTime();
  for (const s of items(seasons)) {
    const f = items(s);
    const start = dateTimeOf(f[1]);
    const week = octets(f[2]);
    if (!start || !week) continue;
    for (const year of start.year === 0xffff ? [date.getUTCFullYear() - 1, date.getUTCFullYear()] : [start.year]) {
      if (start.month > 12 || start.day > 31) continue;
      const at = Date.UTC(year, start.month - 1, start.day, start.hour === 0xff ? 0 : start.hour, start.minute === 0xff ? 0 : start.minute);
      if (at <= t && (!best || at > best.at)) best = { at, week };
      if (!latest || at > latest.at) latest = { at, week };
    }
  }
  // A calendar whose every season starts in the future still names a week: the last one wraps round.
  return (best ?? latest)?.week;
}

function specialDayId(table: DlmsData | undefined, date: Date): number | undefined {
  for (const e of items(table)) {
    const f = items(e);
    const d = octets(f[1]);
    const id = num(f[2]);
    if (!d || d.length < 4 || id === undefined) continue;
    const year = (d[0]! << 8) | d[1]!;
    if (year !== 0xffff && year !== date.getUTCFullYear()) continue;
    if (d[2] !== 0xff && d[2] !== date.getUTCMonth() + 1) continue;
    if (d[3] !== 0xff && d[3] !== date.getUTCDate()) continue;
    return id;
  }
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** How a selector books energy: which register family and which rate within it. */
export type Booking = { kind: 'tou'; rate: number } | { kind: 'block'; rate: number } | { kind: 'secondary'; rate: number };

export function bookingOf(selector: number | undefined): Booking {
  if (selector !== undefined && selector >= 1 && selector <= 48) return { kind: 'tou', rate: selector };
  if (selector !== undefined && selector >= 101 && selector <= 108) return { kind: 'block', rate: selector - 100 };
  if (selector !== undefined && selector >= 201 && selector <= 204) return { kind: 'secondary', rate: selector - 200 };
  return { kind: 'tou', rate: 1 };
}
