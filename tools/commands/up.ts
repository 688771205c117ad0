import type { Command } from 'commander';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { pino } from 'pino';
import pretty from 'pino-pretty';
import { parseDuration } from '../../firmware-sim/clock.js';
import { DEFAULT_CONFIG_YAML, type EstateConfig, EstateConfigError, formatIssue, parseEstateConfig } from '../../hub/estate-config.js';
import { premisesOfMix } from '../../hub/mix.js';
import type { PremisesSpec } from '../../hub/premises.js';
import { Pki, keystoreFiles } from '../../protocols/smki/index.js';
import { CaptureError, HanCapture } from '../capture.js';
import { estateSource } from '../dashboard/source.js';
import { startDashboard } from '../dashboard/server.js';
import { UsageError, ensureDir, readTextFile } from '../io.js';
import { writeFilesInto } from '../keystore-write.js';
import { EstateRunner, RunnerError } from '../estate/runner.js';
import { CLOCK_FLAG_HELP, clockPlanOf, fingerprintOf, mixPlanOf, parseClockFlag } from '../estate/plan.js';
import { JournalError } from '../estate/journal.js';
import { WsServerError, startWsServer } from '../ws-server.js';

interface UpOptions {
  config?: string;
  dataDir?: string;
  premises?: string;
  seed?: string;
  clock?: string;
  bind?: string;
  port?: string;
  token?: string;
  dashboard: boolean;
  dashboardPort?: string;
  capture?: string;
  allowInvalidTsat?: boolean;
  reset?: boolean;
  printConfig?: boolean;
  progress: boolean;
}

export function registerUpCommand(program: Command, out: (s: string) => void): void {
  program
    .command('up')
    .description('run a fake estate: premises from a config, a WebSocket WAN endpoint, a live dashboard; state kept in a data directory')
    .option('--config <file>', 'estate YAML (default: the built-in estate; see --print-config)')
    .option('--print-config', 'print the built-in config (a starting point for your own) and exit')
    .option('--data-dir <dir>', 'journal, snapshot and PKI (default: dataDir of the config, .smets-sim)')
    .option('--premises <n>', 'number of premises (overrides premises.count)')
    .option('--seed <s>', 'seed (overrides seed)')
    .option('--clock <c>', 'real, manual, or accelerated:N (xN faster than real time)')
    .option('--bind <host>', 'WAN interface (overrides wan.bind; anything but loopback needs a token)')
    .option('--port <n>', 'WAN port (overrides wan.port; 0: any free port)')
    .option('--token <t>', 'WAN token (default: wan.token or env SMETS_SIM_TOKEN)')
    .option('--no-dashboard', 'do not serve the dashboard')
    .option('--dashboard-port <n>', 'dashboard port (overrides dashboard.port; 0: any free port)')
    .option('--capture <file.pcapng>', 'write HAN traffic as IEEE 802.15.4 frames for Wireshark')
    .option('--allow-invalid-tsat', 'run equipment versions the TSAT does not allow (as warnings)')
    .option('--reset', 'forget the state kept in the data directory and start afresh')
    .option('--no-progress', 'no progress bar while booting')
    .action(async (opts: UpOptions) => {
      if (opts.printConfig) return out(DEFAULT_CONFIG_YAML.trimEnd());
      const config = loadConfig(opts);
      await runUp(config, opts, out);
    });
}

function loadConfig(opts: UpOptions): EstateConfig {
  const file = opts.config;
  let result;
  try {
    result = parseEstateConfig(file ? readTextFile(file) : DEFAULT_CONFIG_YAML, file ?? '(built-in config)', { allowInvalidTsat: opts.allowInvalidTsat === true });
  } catch (e) {
    if (e instanceof EstateConfigError) throw new UsageError(`${e.message}\nnothing started${e.issues.some((i) => /TSAT/.test(i.message)) ? ' (--allow-invalid-tsat runs it anyway)' : ''}`);
    throw e;
  }
  for (const w of result.warnings) process.stderr.write(`warning: ${formatIssue(w, file)}\n`);
  const c = result.config;
  const whole = (v: string, flag: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag}: expected a whole number ${min}-${max}, got ${v}`);
    return n;
  };
  if (opts.premises !== undefined) c.premises.count = whole(opts.premises, '--premises', 1, 1_000_000);
  if (opts.seed !== undefined) c.seed = opts.seed;
  if (opts.dataDir !== undefined) c.dataDir = opts.dataDir;
  if (opts.bind !== undefined) c.wan.bind = opts.bind;
  if (opts.port !== undefined) c.wan.port = whole(opts.port, '--port', 0, 65535);
  const token = opts.token ?? process.env.SMETS_SIM_TOKEN;
  if (token) c.wan.token = token;
  if (opts.dashboardPort !== undefined) c.dashboard.port = whole(opts.dashboardPort, '--dashboard-port', 0, 65535);
  if (!opts.dashboard) c.dashboard.enabled = false;
  if (opts.clock !== undefined) {
    const start = c.clock.mode === 'real' ? new Date().toISOString() : c.clock.start;
    const flag = parseClockFlag(opts.clock);
    if (!flag) throw new UsageError(`--clock: expected ${CLOCK_FLAG_HELP}, got ${opts.clock}`);
    c.clock = flag.mode === 'real' ? flag : { ...flag, start };
  }
  return c;
}

async function runUp(config: EstateConfig, opts: UpOptions, out: (s: string) => void): Promise<void> {
  // JSON lines for a log collector; readable lines for someone watching a terminal.
  const level = process.env.SMETS_SIM_LOG ?? 'info';
  const log = process.stderr.isTTY
    ? pino({ base: null, level }, pretty({ destination: 2, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true }))
    : pino({ base: null, level }, pino.destination(2));
  const dataDir = resolve(config.dataDir);
  if (opts.reset) {
    for (const f of ['journal.bin', 'snapshot.cbor', 'spill']) rmSync(join(dataDir, f), { recursive: true, force: true });
  }
  ensureDir(dataDir, 'data directory');
  const pkiDir = join(dataDir, 'pki');
  if (!existsSync(pkiDir)) {
    // The organisations' keys and certificates, for a head-end outside this process to sign and MAC with.
    const pki = await Pki.create({ seed: config.seed });
    writeFilesInto(pkiDir, keystoreFiles(await pki.issueDefaultOrganisations()).map((f) => ({ name: f.name, text: f.text })));
  }

  const plan = mixPlanOf(config);
  const bar = opts.progress && process.stderr.isTTY ? new SingleBar({ format: ' {phase} [{bar}] {value}/{total}', hideCursor: true, stream: process.stderr }) : undefined;
  let phase = 'premises';
  bar?.start(plan.count, 0, { phase });
  const premises = function* (): Generator<PremisesSpec> {
    let i = 0;
    for (const p of premisesOfMix(plan)) {
      if (++i % 5000 === 0) bar?.update(i);
      yield p;
    }
    bar?.update(plan.count);
  };
  let runner: EstateRunner;
  const started = Date.now();
  try {
    runner = await EstateRunner.start({
      seed: config.seed,
      premises: premises,
      fingerprint: fingerprintOf(config),
      clock: clockPlanOf(config),
      dataDir,
      snapshotEveryMs: parseDuration(config.snapshotEvery),
      tickEveryMs: tickEveryOf(config),
      queueLimit: config.wan.queueLimit,
      log: (l) => log.warn(l),
      progress: (done, total) => {
        if (total === 0) return;
        if (phase !== 'replay') {
          phase = 'replay';
          bar?.setTotal(total);
        }
        bar?.update(done, { phase });
      },
    });
  } catch (e) {
    bar?.stop();
    if (e instanceof RunnerError || e instanceof JournalError) throw new UsageError(e.message);
    throw e;
  }
  bar?.stop();
  const r = runner.restored;
  log.info(
    { premises: runner.estate.size, bootMs: Date.now() - started, replayed: r.records, torn: r.tornBytes },
    r.records > 0 ? `restored from ${dataDir}${r.fromSnapshot?.clean === false ? ' after an unclean stop' : ''}` : `new estate in ${dataDir}`,
  );
  if (r.tornBytes > 0) log.warn(`journal: cut off ${r.tornBytes} bytes of a record torn by a crash`);

  let capture: HanCapture | undefined;
  try {
    capture = opts.capture ? new HanCapture(opts.capture) : undefined;
  } catch (e) {
    runner.stop();
    if (e instanceof CaptureError) throw new UsageError(`--capture: ${e.message}`);
    throw e;
  }
  if (capture) runner.estate.observe({ han: (rec) => capture.record(rec) });

  let wan;
  try {
    wan = await startWsServer({
      estate: runner.estate,
      useWan: runner.wan,
      bind: config.wan.bind,
      port: config.wan.port,
      ...(config.wan.token ? { token: config.wan.token } : {}),
    });
  } catch (e) {
    runner.stop();
    if (e instanceof WsServerError) throw new UsageError(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${config.wan.bind}:${config.wan.port}: ${code}`);
    throw e;
  }
  const source = estateSource(runner.estate);
  let dashboard;
  try {
    dashboard = config.dashboard.enabled
      ? await startDashboard({
          source,
          bind: '127.0.0.1',
          port: config.dashboard.port,
          // Journalled by the runner, so an injection from the page survives a restart.
          actions: { inject: (p, b, l, d) => runner.inject(p, b, l, d) },
        })
      : undefined;
  } catch (e) {
    runner.stop();
    capture?.close();
    source.close();
    await wan.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new UsageError(`cannot serve the dashboard on 127.0.0.1:${config.dashboard.port}: ${code} (--dashboard-port, or --no-dashboard)`);
    throw e;
  }

  const clock = config.clock.mode === 'accelerated' ? `accelerated x${config.clock.factor}` : config.clock.mode;
  out(`smets-sim: ${runner.estate.size} premises (seed ${config.seed}), clock ${clock} at ${runner.clock.now().toISOString()}`);
  out(`  WAN        ${wan.url}?client=NAME${config.wan.token ? ' (token required)' : ''}`);
  if (dashboard) out(`  dashboard  ${dashboard.url}`);
  out(`  PKI        ${pkiDir} (organisation keys and certificates for your head-end)`);
  out(`  state      ${dataDir}${capture ? `\n  capture    ${resolve(capture.path)}` : ''}`);
  out('Ctrl-C stops and keeps the state.');

  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      runner.stop();
      capture?.close();
      source.close();
      void Promise.all([wan.close(), dashboard?.close()]).then(() => {
        log.info(`stopped; state kept in ${dataDir}`);
        done();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/*
 * Live premises tick every 5 simulated minutes, at most once a host second. Each tick is journalled and
 * replayed on restart, so ticking more often would make restarts of a long run slower for little gain: the
 * device models catch up on anything between ticks (consumption, billing, duty-cycle windows).
 */
const TICK_SIM_MS = 5 * 60_000;

function tickEveryOf(config: EstateConfig): number {
  const k = config.clock;
  return k.mode === 'accelerated' ? Math.max(1000, TICK_SIM_MS / k.factor) : TICK_SIM_MS;
}
