import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { toHex } from '../../protocols/bytes.js';
import type { Keystore } from '../../protocols/crypto/index.js';
import { type Eui64, parseEui64 } from '../../protocols/eui.js';
import { GbcsEncodeError } from '../../protocols/errors.js';
import { hex4 } from '../../protocols/gbcs/codes.js';
import {
  ACB_RELAYED_CODES,
  CommandError,
  TOP_UP_CODES,
  USE_CASES,
  composeCommand,
  defaultRelayedRole,
  organisationFor,
  resolveUseCase,
  roleLabel,
} from '../../protocols/gbcs/commands/index.js';
import { ruleFor } from '../../protocols/gbcs/authority.js';
import { loadKeystoreDir } from '../keystore-dir.js';
import { UsageError, parseJsonText, readTextFile } from '../io.js';

/*
 * `smets-sim command`: build one command as a head-end would, from a PKI directory made by `pki init`.
 * Counters live in DIR/counters.json, one per originator (the last value used), so successive calls keep
 * increasing as GBCS anti-replay requires. The file is replaced atomically (temporary file + rename) and
 * only after the command was built, so a refused command does not use up a counter.
 */

const COUNTERS_FORMAT = 'smets-sim-counters/1';

/** First counter per role, as RTDS numbers its originators (supplier 1000, NO 1200, ACB 1300, ...). */
const FIRST_COUNTER: Record<number, bigint> = { 1: 7000n, 2: 1000n, 3: 1200n, 4: 1300n, 5: 6000n, 6: 8000n, 8: 9000n };

interface CounterFile {
  format: string;
  /** Last counter used, per originator EUI, as decimal strings (64-bit). */
  last: Record<string, string>;
}

export class CounterStore {
  private readonly path: string;
  private readonly last = new Map<string, bigint>();

  constructor(dir: string) {
    this.path = join(dir, 'counters.json');
    if (!existsSync(this.path)) return;
    const doc = parseJsonText(readTextFile(this.path), this.path) as Partial<CounterFile> | null;
    if (!doc || doc.format !== COUNTERS_FORMAT || typeof doc.last !== 'object' || doc.last === null) {
      throw new UsageError(`${this.path}: not a ${COUNTERS_FORMAT} file`);
    }
    for (const [eui, v] of Object.entries(doc.last)) {
      if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new UsageError(`${this.path}: counter of ${eui} is not a decimal string`);
      this.last.set(eui, BigInt(v));
    }
  }

  /**
   * The next counter of `eui`. Top-ups need the low 32 bits zero (the UTRN carries bits 32-41), so they
   * take the next multiple of 2^32; ordinary commands then continue from there, keeping one increasing
   * counter per party.
   */
  next(eui: Eui64, role: number, topUp = false): bigint {
    const last = this.last.get(eui);
    let n: bigint;
    if (topUp) n = (((last ?? 0n) >> 32n) + 1n) << 32n;
    else n = last === undefined ? (FIRST_COUNTER[role] ?? 1000n) : last + 1n;
    if (n > 0xffffffffffffffffn) throw new UsageError(`the counter of ${eui} is exhausted`);
    this.last.set(eui, n);
    return n;
  }

  save(): void {
    const doc: CounterFile = { format: COUNTERS_FORMAT, last: Object.fromEntries([...this.last].sort().map(([k, v]) => [k, v.toString()])) };
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
    renameSync(tmp, this.path);
  }
}

interface CommandOptions {
  pki?: string;
  to?: string;
  useCase?: string;
  params?: string;
  payload?: string;
  as?: string;
  onBehalfOf?: string;
  urp?: boolean;
  now?: string;
  json?: boolean;
  list?: boolean;
}

function readParams(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  if (text.startsWith('@')) return parseJson(readTextFile(text.slice(1)), text.slice(1));
  return parseJson(text, '--params');
}

/**
 * JSON.parse with the error placed as source:line:column. Node 20 leaves the offset out of most syntax
 * errors, so the offset comes from a small scanner that stops where the text stops being JSON.
 */
function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = jsonErrorOffset(text);
    const before = text.slice(0, at).split('\n');
    const what = at >= text.length ? 'unexpected end of JSON' : `unexpected ${JSON.stringify(text[at])}`;
    void e;
    throw new UsageError(`${source}:${before.length}:${before[before.length - 1]!.length + 1}: invalid JSON: ${what}`);
  }
}

/** Offset of the first character that makes `text` invalid JSON (text.length when it ends too early). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const c of word) if (text[i++] !== c) (i--, fail());
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i]! < ' ') fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) ((i += k), fail());
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    return Math.min(at as number, text.length);
  }
}

/** A payload file: the decoded payload, a frame (its `payload`) or a whole `smets-sim decode` document. */
function readPayload(file: string): unknown {
  const doc = parseJson(readTextFile(file), file) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object') throw new UsageError(`${file}: expected a JSON object (a decoded payload)`);
  const frame = (doc.frame ?? doc) as Record<string, unknown>;
  const payload = 'family' in doc ? doc : frame.payload;
  if (!payload || typeof payload !== 'object' || !('family' in payload)) {
    throw new UsageError(`${file}: no payload found (expected {"family": ...} or smets-sim decode output)`);
  }
  return payload;
}

function parseEui(text: string, option: string): Eui64 {
  try {
    return parseEui64(text, option);
  } catch (e) {
    if (e instanceof GbcsEncodeError) throw new UsageError(`${option}: ${e.reason}`);
    throw e;
  }
}

/** The role a use case is sent as when `--as` is not given: the first remote-party role its rule allows. */
function defaultRole(code: number): number {
  const roles = ruleFor(code)?.roles ?? [];
  return roles.find((r) => r === 2 || r === 3 || r === 4) ?? roles[0] ?? 2;
}

function roleArg(text: string): number {
  const t = text.toLowerCase().replace(/[-_\s]/g, '');
  const names: Record<string, number> = { supplier: 2, networkoperator: 3, no: 3, acb: 4, accesscontrolbroker: 4, transitionalcos: 5, wanprovider: 6, recovery: 1, loadcontroller: 8 };
  if (names[t] !== undefined) return names[t]!;
  if (/^\d+$/.test(t)) return Number(t);
  throw new UsageError(`--as: unknown role ${JSON.stringify(text)} (supplier, network-operator or acb)`);
}

function listUseCases(out: (s: string) => void): void {
  for (const u of [...USE_CASES].sort((a, b) => a.useCase.localeCompare(b.useCase, 'en', { numeric: true }))) {
    out(`${u.useCase.padEnd(38)} ${hex4(u.messageCode)} ${u.family.padEnd(4)} ${u.params}`);
  }
}

function loadKeystore(dir: string): Keystore {
  const ksDir = join(dir, 'keystore');
  if (!existsSync(ksDir)) throw new UsageError(`${ksDir} not found (create a PKI with: smets-sim pki init --out ${dir})`);
  return loadKeystoreDir(ksDir);
}

export function registerCommandCommand(program: Command, out: (s: string) => void): void {
  program
    .command('command')
    .description('build a GBCS command as a head-end would: payload from a use case, signed when critical, MAC\'d by the ACB; prints hex')
    .option('--pki <dir>', 'PKI directory made by pki init (keystore/ and counters.json)')
    .option('--to <eui>', 'target device EUI (its certificates must be in DIR/keystore: pki device)')
    .option('--use-case <name|code>', 'use case, e.g. ECS17b or 0x0027')
    .option('--params <json|@file>', 'use case parameters as JSON, or @FILE to read them from a file')
    .option('--payload <file>', 'decoded payload JSON (as smets-sim decode prints frame.payload) instead of --params')
    .option('--as <role>', 'originator role: supplier, network-operator or acb (default: the first role allowed)')
    .option('--on-behalf-of <eui>', 'when the ACB sends: the remote party it acts for (default: the supplier, or the network operator for GCS31)')
    .option('--urp', "with the ACB acting for a party: send that party's KA certificate so the response is encrypted to it (ECS21b/GCS16b/GCS61 URP)")
    .option('--now <iso>', 'issue time (default: the current time)')
    .option('--json', 'print a JSON summary (hex, use case, originator, counter, protection) instead of bare hex')
    .option('--list', 'list the use cases with payload builders and their parameters')
    .action((opts: CommandOptions) => {
      if (opts.list) return listUseCases(out);
      for (const [k, flag] of [['pki', '--pki'], ['to', '--to'], ['useCase', '--use-case']] as const) {
        if (!opts[k]) throw new UsageError(`missing ${flag} (or use --list)`);
      }
      const dir = opts.pki!;
      if (!existsSync(dir)) throw new UsageError(`PKI directory ${dir} not found (create one with: smets-sim pki init --out ${dir})`);
      const r = resolveUseCase(opts.useCase!);
      if (r.kind === 'unknown') {
        throw new UsageError(`unknown use case ${JSON.stringify(opts.useCase)}${r.suggestions.length ? `; did you mean ${r.suggestions.join(', ')}?` : ' (smets-sim command --list shows them)'}`);
      }
      if (r.kind === 'ambiguous') {
        throw new UsageError(`${opts.useCase} has several message codes; pick one: ${r.choices.map((c) => `${c.useCase} (${hex4(c.messageCode)})`).join(', ')}`);
      }
      const code = r.kind === 'builder' ? r.builder.messageCode : r.messageCode;
      if (r.kind === 'payload-only' && !opts.payload) {
        throw new UsageError(`no payload builder for ${r.useCase} (${hex4(code)}): pass --payload FILE with a decoded payload (smets-sim decode prints one under frame.payload)`);
      }
      if (opts.params !== undefined && opts.payload !== undefined) throw new UsageError('give --params or --payload, not both');
      const params = readParams(opts.params);
      const payload = opts.payload ? readPayload(opts.payload) : undefined;
      const now = opts.now === undefined ? new Date() : new Date(opts.now);
      if (Number.isNaN(now.getTime())) throw new UsageError(`--now: not a time: ${JSON.stringify(opts.now)}`);

      const ks = loadKeystore(dir);
      const to = parseEui(opts.to!, '--to');
      if (!ks.publicKey(to, 'ka')) {
        throw new UsageError(`unknown device ${to}: no KA certificate in ${join(dir, 'keystore')} (add it with: smets-sim pki device --pki ${dir} --eui ${to})`);
      }
      const role = opts.as ? roleArg(opts.as) : defaultRole(code);
      const rule = ruleFor(code);
      if (rule && !rule.han && !rule.roles.includes(role)) {
        throw new UsageError(`a ${roleLabel(role)} may not send ${r.kind === 'builder' ? r.builder.useCase : r.useCase} (${hex4(code)}); allowed: ${rule.roles.map(roleLabel).join(', ')}`);
      }
      const originator = organisationFor(ks, role);
      if (!originator) throw new UsageError(`no ${roleLabel(role)} organisation in ${join(dir, 'keystore')}`);

      const counters = new CounterStore(dir);
      const counter = counters.next(originator, role, TOP_UP_CODES.has(code));
      let supplementaryParty: { id: Eui64; counter: bigint; certificate?: string } | undefined;
      if ((opts.onBehalfOf || opts.urp) && role !== 4) throw new UsageError(`${opts.urp ? '--urp' : '--on-behalf-of'} is for commands the ACB sends (--as acb)`);
      if (role === 4 && (opts.onBehalfOf || ACB_RELAYED_CODES.has(code))) {
        const partyRole = defaultRelayedRole(code);
        const party = opts.onBehalfOf ? parseEui(opts.onBehalfOf, '--on-behalf-of') : organisationFor(ks, partyRole);
        if (!party) throw new UsageError(`the ACB acts for a ${roleLabel(partyRole)} here, and there is none in the keystore (give --on-behalf-of)`);
        supplementaryParty = { id: party, counter: counters.next(party, ks.role(party) ?? partyRole) };
        if (opts.urp) {
          const cert = ks.certificate(party, 'ka');
          if (!cert) throw new UsageError(`--urp: no KA certificate for ${party} in ${join(dir, 'keystore')}`);
          supplementaryParty.certificate = toHex(new Uint8Array(cert.raw));
        }
      }

      let built;
      try {
        built = composeCommand({
          messageCode: code,
          to,
          as: role,
          originator,
          counter,
          keystore: ks,
          now,
          ...(params !== undefined ? { params } : {}),
          ...(payload !== undefined ? { payload } : {}),
          ...(supplementaryParty ? { supplementaryParty } : {}),
        });
      } catch (e) {
        if (e instanceof CommandError) throw new UsageError(e.message);
        throw e;
      }
      counters.save();
      const hex = toHex(built.bytes);
      if (!opts.json) return out(hex);
      out(
        JSON.stringify({
          hex,
          useCase: built.useCase,
          messageCode: hex4(built.messageCode),
          originator,
          role: roleLabel(role),
          counter: counter.toString(),
          target: to,
          ...(supplementaryParty ? { onBehalfOf: supplementaryParty.id, onBehalfOfCounter: supplementaryParty.counter.toString() } : {}),
          signed: built.signed,
          mac: built.macd,
        }),
      );
    });
}

// Exported for tests that read the state without going through the CLI.
export function readCounters(dir: string): Record<string, string> {
  const path = join(dir, 'counters.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as CounterFile).last : {};
}
