import { ManualClock, parseDuration } from '../../firmware-sim/clock.js';
import { type EstateConfig, type PremisesOverride, validateEstateConfig } from '../../hub/estate-config.js';
import { Estate, type Outbound } from '../../hub/estate.js';
import { premisesOfMix } from '../../hub/mix.js';
import type { DeviceSpec, PremisesSpec } from '../../hub/premises.js';
import type { Band } from '../../hub/radio/channels.js';
import type { Eui64 } from '../../protocols/eui.js';
import { HeadEnd } from '../../protocols/gbcs/commands/headend.js';
import { type GbcsFrame, decodeFrame } from '../../protocols/gbcs/frame.js';
import { mixPlanOf } from './plan.js';

/*
 * The estate as a library, for a head-end's own tests: in-process, deterministic (manual clock, seeded),
 * no sockets and no files. See the README's "Library" section for a complete vitest example.
 */

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export interface CreateEstateConfig {
  seed?: string;
  /** The mix of premises, as in the YAML config (`count` defaults to 3 here: tests want small estates). */
  premises?: DeepPartial<EstateConfig['premises']>;
  overrides?: PremisesOverride[];
  /** Where the manual clock starts (default 2026-01-01T00:00:00Z). */
  start?: string | number | Date;
  /** Time step of `clock.advance` (default 30m): every live premises ticks once per step. */
  tick?: string | number;
  allowInvalidTsat?: boolean;
}

/** A frame that left the estate (its premises, kind, parties, codes, counter and bytes), decoded. */
export interface EstateFrame extends Outbound {
  frame: GbcsFrame;
}

/** One premises: its id and who is in it, by kind. */
export interface PremisesInfo {
  id: string;
  hub: Eui64;
  band: 'single' | 'dual';
  esme?: Eui64;
  gsme?: Eui64;
  gpf?: Eui64;
  ppmid?: Eui64;
  ihd?: Eui64;
  devices: readonly DeviceSpec[];
}

export class EstateSendError extends Error {
  override readonly name = 'EstateSendError';
}

/** A queue that is also an async iterator: `for await (const a of estate.alerts)`, or `await next()`. */
export class AlertStream implements AsyncIterableIterator<EstateFrame> {
  private readonly items: EstateFrame[] = [];
  private readonly waiting: Array<(r: IteratorResult<EstateFrame>) => void> = [];
  private closed = false;

  /** @internal */
  push(a: EstateFrame): void {
    const w = this.waiting.shift();
    if (w) w({ value: a, done: false });
    else this.items.push(a);
  }

  /** Alerts raised and not yet taken, taken now (no waiting). */
  take(): EstateFrame[] {
    return this.items.splice(0);
  }

  next(): Promise<IteratorResult<EstateFrame>> {
    const a = this.items.shift();
    if (a) return Promise.resolve({ value: a, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<EstateFrame>> {
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<EstateFrame> {
    return this;
  }

  /** @internal ends every iteration */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
  }
}

export interface TestClock {
  now(): Date;
  /** Moves time on in `tick` steps; every live premises ticks at each, and its alerts go to `estate.alerts`. */
  advance(by: string | number): Date;
}

export interface TestEstate {
  readonly seed: string;
  readonly premises: readonly PremisesInfo[];
  readonly clock: TestClock;
  readonly alerts: AlertStream;
  /** A command as a head-end would send it, signed and MAC'd with the estate's organisation keys. */
  command(useCase: string, to: Eui64 | string, as?: 'supplier' | 'acb' | 'network-operator' | string, params?: unknown): Uint8Array;
  /** Sends a command; resolves with the responses. Alerts it raised go to `alerts`. */
  send(frame: Uint8Array): Promise<EstateFrame[]>;
  /** Interference on a premises' channel (default: its Sub GHz operating channel if it has one). */
  inject(o: { premises: string; band?: Band; levelDbm: number; duration?: string | number }): void;
  /** The underlying estate (premises, radios, devices) for what this API does not cover. */
  readonly estate: Estate;
  readonly headEnd: HeadEnd;
  close(): Promise<void>;
}

/** An in-process estate for tests. Throws EstateConfigError (every problem, with its path) for a bad config. */
export async function createEstate(config: CreateEstateConfig = {}): Promise<TestEstate> {
  const { config: resolved } = validateEstateConfig(
    {
      ...(config.seed !== undefined ? { seed: config.seed } : {}),
      premises: { count: 3, ...config.premises },
      ...(config.overrides ? { overrides: config.overrides } : {}),
    },
    { allowInvalidTsat: config.allowInvalidTsat === true },
  );
  const start = config.start === undefined ? Date.UTC(2026, 0, 1) : new Date(config.start).getTime();
  if (!Number.isFinite(start)) throw new RangeError(`start: not a date: ${String(config.start)}`);
  const tickMs = parseDuration(config.tick ?? '30m');
  const clock = new ManualClock(start);
  const specs = [...premisesOfMix(mixPlanOf(resolved))];
  const estate = await Estate.create({ seed: resolved.seed, premises: specs, clock });
  const headEnd = new HeadEnd(estate.keystore, { now: () => clock.now(), cache: estate.cache });
  const alerts = new AlertStream();
  let closed = false;

  const publish = (out: Outbound[]): EstateFrame[] => {
    const responses: EstateFrame[] = [];
    for (const o of out) {
      const f = toFrame(o);
      if (o.kind === 'response') responses.push(f);
      else alerts.push(f);
    }
    return responses;
  };

  return {
    seed: resolved.seed,
    premises: specs.map(info),
    estate,
    headEnd,
    alerts,
    clock: {
      now: () => clock.now(),
      advance: (by) => clock.advanceInSteps(parseDuration(by), tickMs, () => publish(estate.tick())),
    },
    command: (useCase, to, as = 'supplier', params) => headEnd.command(useCase, to, as, params),
    async send(frame) {
      if (closed) throw new EstateSendError('the estate is closed');
      const out = estate.send(frame);
      if ('error' in out) throw new EstateSendError(out.error);
      return publish(out);
    },
    inject({ premises, band, levelDbm, duration }) {
      const p = estate.get(premises);
      if (!p) throw new RangeError(`inject: no premises ${premises}`);
      p.inject(p.operatingChannel(band ?? (p.subGhz ? 'subGHz' : '2.4GHz')), levelDbm, parseDuration(duration ?? '1h'));
    },
    async close() {
      closed = true;
      alerts.close();
    },
  };
}

function info(s: PremisesSpec): PremisesInfo {
  const of = (k: DeviceSpec['kind']) => s.devices.find((d) => d.kind === k)?.eui;
  const i: PremisesInfo = { id: s.id, hub: s.hub.eui, band: s.hub.band, devices: s.devices };
  for (const k of ['esme', 'gsme', 'gpf', 'ppmid', 'ihd'] as const) {
    const e = of(k);
    if (e) i[k] = e;
  }
  return i;
}

function toFrame(o: Outbound): EstateFrame {
  return { ...o, frame: decodeFrame(o.bytes) };
}
