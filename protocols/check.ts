import { fromHex } from './bytes.js';
import { GbcsEncodeError } from './errors.js';

/*
 * Encoders take values that may come from JSON a user wrote, so every field they read is checked here and a
 * bad one is reported with its path instead of surfacing as a TypeError deep inside.
 */

export function uint(v: unknown, path: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new GbcsEncodeError(path, `expected an integer 0..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new GbcsEncodeError(path, `expected an integer ${min}..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** 64-bit values: bigint in memory, decimal (or 0x hex) string or safe number in JSON. */
export function big(v: unknown, path: string, signed = false): bigint {
  let x: bigint;
  if (typeof v === 'bigint') x = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) x = BigInt(v);
  else if (typeof v === 'string' && /^-?(?:\d+|0x[0-9a-fA-F]+)$/.test(v)) x = BigInt(v);
  else throw new GbcsEncodeError(path, `expected a 64-bit integer, got ${JSON.stringify(v)}`);
  const lo = signed ? -(1n << 63n) : 0n;
  const hi = signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
  if (x < lo || x > hi) throw new GbcsEncodeError(path, `${x} out of range`);
  return x;
}

export function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new GbcsEncodeError(path, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new GbcsEncodeError(path, `expected a string, got ${JSON.stringify(v)}`);
  return v;
}

export function hexBytes(v: unknown, path: string, len?: number): Uint8Array {
  const b = fromHex(str(v, path), path);
  if (len !== undefined && b.length !== len) throw new GbcsEncodeError(path, `expected ${len} bytes, got ${b.length}`);
  return b;
}

export function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new GbcsEncodeError(path, `expected an array, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

export function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new GbcsEncodeError(path, `expected an object, got ${JSON.stringify(v)?.slice(0, 40)}`);
  }
  return v as Record<string, unknown>;
}

export function oneOf<T extends string>(v: unknown, path: string, options: readonly T[]): T {
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
    throw new GbcsEncodeError(path, `expected one of ${options.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}
