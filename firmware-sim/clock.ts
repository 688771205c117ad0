/**
 * One clock drives everything in a simulation (profiles, logs, alerts, duty-cycle windows), injected
 * so tests can replay time exactly. Devices read `now()`; only the owner of the clock moves it.
 */
export interface Clock {
  now(): Date;
  /** Milliseconds since the Unix epoch, as `now().getTime()` without the allocation. */
  nowMs(): number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90m`, `30d`, `1h30m`, `500ms`, or a number of milliseconds. */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw new RangeError(`bad duration ${text}`);
    return text;
  }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    if (m.index !== consumed) break;
    total += Number(m[1]) * UNITS[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new RangeError(`bad duration ${JSON.stringify(text)} (use e.g. 500ms, 90s, 30m, 2h, 30d, 1h30m)`);
  }
  return total;
}

/** Time moves only when told: the clock for tests and scenarios. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | number = Date.UTC(2015, 0, 1)) {
    this.ms = typeof start === 'number' ? start : start.getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  nowMs(): number {
    return this.ms;
  }
  advance(by: string | number): Date {
    this.ms += parseDuration(by);
    return this.now();
  }
  set(to: Date | number): void {
    const ms = typeof to === 'number' ? to : to.getTime();
    if (ms < this.ms) throw new RangeError('a ManualClock does not go backwards');
    this.ms = ms;
  }
  /**
   * Moves on by `byMs` in steps of at most `stepMs`, calling `each` after every step: how an estate lets a
   * stretch of time pass (every live premises ticks once per step).
   */
  advanceInSteps(byMs: number, stepMs: number, each: () => void): Date {
    if (!(stepMs > 0)) throw new RangeError(`time step must be > 0 ms, got ${stepMs}`);
    const end = this.ms + byMs;
    while (this.ms < end) {
      this.ms = Math.min(end, this.ms + stepMs);
      each();
    }
    return this.now();
  }
}

/** Simulated time running `factor` times faster than the host clock from `start`. */
export class AcceleratedClock implements Clock {
  private readonly hostStart: number;
  constructor(
    private readonly start: number,
    private readonly factor: number,
    private readonly host: () => number = Date.now,
  ) {
    if (!(factor > 0)) throw new RangeError(`acceleration factor must be > 0, got ${factor}`);
    this.hostStart = host();
  }
  nowMs(): number {
    return this.start + (this.host() - this.hostStart) * this.factor;
  }
  now(): Date {
    return new Date(this.nowMs());
  }
}

export class RealClock implements Clock {
  now(): Date {
    return new Date();
  }
  nowMs(): number {
    return Date.now();
  }
}
