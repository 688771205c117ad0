import { GbcsEncodeError } from '../../errors.js';
import { type Eui64, parseEui64 } from '../../eui.js';

/**
 * A use case's parameters are wrong (missing, mistyped, unknown). It is an encode error so every caller
 * that already reports GbcsEncodeError as bad input (the CLI among them) prints it as one line.
 */
export class CommandParamsError extends GbcsEncodeError {}

/** A point in time a command carries: `now` (immediate), `never` (cancel a pending one), or an instant. */
export type When = 'now' | 'never' | Date;

type Raw = Record<string, unknown>;

/*
 * Reads one JSON object of parameters. Every accessor records the key it read so `done()` can reject keys
 * the builder never looked at: a misspelt optional parameter would otherwise be silently ignored and the
 * command built with the default instead.
 */
export class Params {
  private readonly seen = new Set<string>();

  private constructor(
    private readonly raw: Raw,
    readonly path: string,
  ) {}

  static of(value: unknown, path = 'params'): Params {
    if (value === undefined || value === null) return new Params({}, path);
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new CommandParamsError(path, `expected a JSON object, got ${describe(value)}`);
    }
    return new Params(value as Raw, path);
  }

  fail(key: string, reason: string): never {
    throw new CommandParamsError(`${this.path}.${key}`, reason);
  }

  has(key: string): boolean {
    this.seen.add(key);
    return this.raw[key] !== undefined;
  }

  private get(key: string): unknown {
    this.seen.add(key);
    return this.raw[key];
  }

  private need(key: string, what: string): unknown {
    const v = this.get(key);
    if (v === undefined) {
      const near = Object.keys(this.raw).find((k) => k !== key && !this.seen.has(k) && close(k, key));
      this.fail(key, `missing (${what})${near ? `; is ${JSON.stringify(near)} a misspelling of it?` : ''}`);
    }
    return v;
  }

  int(key: string, opts: { min?: number; max?: number; default?: number } = {}): number {
    const min = opts.min ?? 0;
    const max = opts.max ?? 0xffffffff;
    const v = opts.default === undefined ? this.need(key, `an integer ${min}..${max}`) : (this.get(key) ?? opts.default);
    return checkInt(v, `${this.path}.${key}`, min, max);
  }

  optInt(key: string, opts: { min?: number; max?: number } = {}): number | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : checkInt(v, `${this.path}.${key}`, opts.min ?? 0, opts.max ?? 0xffffffff);
  }

  bool(key: string, def?: boolean): boolean {
    const v = def === undefined ? this.need(key, 'true or false') : (this.get(key) ?? def);
    if (typeof v !== 'boolean') this.fail(key, `expected true or false, got ${describe(v)}`);
    return v;
  }

  str(key: string, opts: { default?: string; maxLength?: number; pattern?: RegExp; what?: string } = {}): string {
    const v = opts.default === undefined ? this.need(key, opts.what ?? 'a string') : (this.get(key) ?? opts.default);
    if (typeof v !== 'string') this.fail(key, `expected a string, got ${describe(v)}`);
    if (opts.maxLength !== undefined && v.length > opts.maxLength) this.fail(key, `longer than ${opts.maxLength} characters`);
    if (opts.pattern && !opts.pattern.test(v)) this.fail(key, `expected ${opts.what ?? opts.pattern.source}, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(key: string, options: readonly T[], def?: T): T {
    const v = def === undefined ? this.need(key, `one of ${options.join(', ')}`) : (this.get(key) ?? def);
    if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
      this.fail(key, `expected one of ${options.join(', ')}, got ${describe(v)}`);
    }
    return v as T;
  }

  /** Bytes as hex (separators allowed); `length` pins the byte count. */
  hex(key: string, opts: { length?: number; maxLength?: number; default?: string } = {}): string {
    const v = opts.default === undefined ? this.need(key, 'hex bytes') : (this.get(key) ?? opts.default);
    if (typeof v !== 'string') this.fail(key, `expected hex, got ${describe(v)}`);
    const clean = v.replace(/[\s:-]/g, '').toUpperCase();
    if (!/^(?:[0-9A-F]{2})*$/.test(clean)) this.fail(key, `not an even number of hex digits: ${JSON.stringify(v)}`);
    const n = clean.length / 2;
    if (opts.length !== undefined && n !== opts.length) this.fail(key, `expected ${opts.length} bytes, got ${n}`);
    if (opts.maxLength !== undefined && n > opts.maxLength) this.fail(key, `longer than ${opts.maxLength} bytes`);
    return clean;
  }

  eui(key: string, def?: Eui64): Eui64 {
    const v = def === undefined ? this.need(key, 'an EUI-64') : (this.get(key) ?? def);
    try {
      return parseEui64(v, `${this.path}.${key}`);
    } catch (e) {
      if (e instanceof GbcsEncodeError) throw new CommandParamsError(e.path, e.reason);
      throw e;
    }
  }

  /** An instant: ISO 8601 with a zone (`2015-01-01T00:00:00Z`); a time without a zone is taken as UTC. */
  time(key: string, def?: Date): Date {
    const v = def === undefined ? this.need(key, 'an ISO time such as 2015-01-01T00:00:00Z') : this.get(key);
    if (v === undefined) return def!;
    return parseTime(v, `${this.path}.${key}`);
  }

  /** `now`, `never` or an ISO time: when a future-dateable command takes effect. */
  when(key: string, def: When = 'now'): When {
    const v = this.get(key);
    if (v === undefined) return def;
    if (v === 'now' || v === 'never') return v;
    return parseTime(v, `${this.path}.${key}`);
  }

  /** An array of nested parameter objects. */
  objects(key: string, opts: { min?: number; max?: number; default?: unknown[] } = {}): Params[] {
    const v = opts.default === undefined ? this.need(key, 'an array of objects') : (this.get(key) ?? opts.default);
    if (!Array.isArray(v)) this.fail(key, `expected an array, got ${describe(v)}`);
    checkCount(v, `${this.path}.${key}`, opts.min, opts.max);
    return v.map((x, i) => Params.of(x, `${this.path}.${key}[${i}]`));
  }

  object(key: string): Params {
    return Params.of(this.need(key, 'an object'), `${this.path}.${key}`);
  }

  optObject(key: string): Params | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : Params.of(v, `${this.path}.${key}`);
  }

  ints(key: string, opts: { min?: number; max?: number; minCount?: number; maxCount?: number; default?: number[] } = {}): number[] {
    const v = opts.default === undefined ? this.need(key, 'an array of integers') : (this.get(key) ?? opts.default);
    if (!Array.isArray(v)) this.fail(key, `expected an array of integers, got ${describe(v)}`);
    checkCount(v, `${this.path}.${key}`, opts.minCount, opts.maxCount);
    return v.map((x, i) => checkInt(x, `${this.path}.${key}[${i}]`, opts.min ?? 0, opts.max ?? 0xffffffff));
  }

  /** Rows of integers (e.g. block prices per block tariff); absent means no rows. */
  intRows(key: string, opts: { maxRows: number; maxCols: number; min?: number; max?: number }): number[][] {
    const v = this.get(key) ?? [];
    if (!Array.isArray(v)) this.fail(key, `expected an array of arrays of integers, got ${describe(v)}`);
    checkCount(v, `${this.path}.${key}`, 0, opts.maxRows);
    return v.map((row, i) => {
      const path = `${this.path}.${key}[${i}]`;
      if (!Array.isArray(row)) throw new CommandParamsError(path, `expected an array of integers, got ${describe(row)}`);
      checkCount(row, path, 0, opts.maxCols);
      return row.map((x, j) => checkInt(x, `${path}[${j}]`, opts.min ?? 0, opts.max ?? 0xffffffff));
    });
  }

  /** Raw JSON for a field passed through to a codec that checks it itself. */
  any(key: string, def?: unknown): unknown {
    const v = this.get(key);
    if (v === undefined && def === undefined) this.fail(key, 'missing');
    return v ?? def;
  }

  /** Reject keys no accessor read. Call once the builder has read everything it uses. */
  done(): void {
    const unknown = Object.keys(this.raw).filter((k) => !this.seen.has(k) && this.raw[k] !== undefined);
    if (unknown.length === 0) return;
    const known = [...this.seen].sort();
    throw new CommandParamsError(
      `${this.path}.${unknown[0]}`,
      `unknown parameter${known.length ? ` (this use case takes: ${known.join(', ')})` : ' (this use case takes none)'}`,
    );
  }
}

/** Same letters up to case, or at most two edits apart: a likely misspelling. */
function close(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  if (Math.abs(x.length - y.length) > 2) return false;
  const row = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (x[i - 1] === y[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[y.length]! <= 2;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? typeof v : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function checkInt(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new CommandParamsError(path, `expected an integer ${min}..${max}, got ${describe(v)}`);
  }
  return v;
}

function checkCount(v: unknown[], path: string, min = 0, max = Infinity): void {
  if (v.length < min || v.length > max) {
    throw new CommandParamsError(path, `expected ${min === max ? min : `${min}..${max === Infinity ? 'n' : max}`} entries, got ${v.length}`);
  }
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?$/;

export function parseTime(v: unknown, path: string): Date {
  if (typeof v !== 'string' || !ISO_RE.test(v)) {
    throw new CommandParamsError(path, `expected an ISO time such as 2015-01-01T00:00:00Z, got ${describe(v)}`);
  }
  const zoned = /(?:Z|[+-]\d{2}:\d{2})$/.test(v) ? v : `${v}Z`;
  const d = new Date(zoned);
  if (Number.isNaN(d.getTime())) throw new CommandParamsError(path, `not a valid time: ${JSON.stringify(v)}`);
  return d;
}
