import type { Command } from 'commander';
import { ScenarioError } from '../../hub/scenario.js';
import { Wan } from '../../hub/wan.js';
import { UsageError, readTextFile } from '../io.js';
import { DEFAULT_SERVE_CONFIG, parseServeConfig, type ServeConfig } from '../ws-server.js';
import { CLOCK_FLAG_HELP, clockPlanFromFlag, parseClockFlag } from '../estate/plan.js';
import { EstateRunner } from '../estate/runner.js';
import { SerialError, SerialLink, bridgeDevices, serveWan, type PortFactory } from '../serial.js';

/*
 * `smets-sim serial --port PATH`: an estate whose WAN is a serial port, or (`--role devices`) one premises'
 * devices bridged to an external hub over it. Runs until SIGINT/SIGTERM; the port may come and go meanwhile.
 */

export interface SerialRunOptions {
  port: string;
  baud?: string;
  config?: string;
  seed?: string;
  role?: string;
  premises?: string;
  /** real, manual (default) or accelerated:N; the devices role keeps a manual clock moved by the hub. */
  clock?: string;
}

function loadConfig(config: string | undefined): ServeConfig {
  if (!config) return DEFAULT_SERVE_CONFIG;
  try {
    return parseServeConfig(readTextFile(config), config);
  } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * Starts the serial endpoint and returns a function that stops it. The CLI waits for a signal in between;
 * tests and the bench call it directly (with `ports` for MockBinding).
 */
export async function startSerial(opts: SerialRunOptions, out: (s: string) => void, log: (s: string) => void, ports?: PortFactory): Promise<{ link: SerialLink; stop: () => Promise<void> }> {
  const baud = Number(opts.baud ?? 115200);
  if (!Number.isInteger(baud) || baud <= 0) throw new UsageError(`--baud: expected a whole number of bits per second, got ${JSON.stringify(opts.baud)}`);
  const role = opts.role ?? 'wan';
  if (role !== 'wan' && role !== 'devices') throw new UsageError(`--role: expected wan or devices, got ${JSON.stringify(role)}`);
  if (role === 'wan' && opts.premises !== undefined) throw new UsageError('--premises goes with --role devices');
  const scenario = loadConfig(opts.config);
  const seed = opts.seed ?? scenario.seed;
  let premisesSpecs = scenario.premises;
  if (role === 'devices') {
    const id = opts.premises ?? (scenario.premises.length === 1 ? scenario.premises[0]!.id : undefined);
    if (id === undefined) throw new UsageError(`--role devices: say which premises with --premises (one of ${scenario.premises.map((p) => p.id).join(', ')})`);
    const p = scenario.premises.find((x) => x.id === id);
    if (!p) throw new UsageError(`--premises: no premises ${id} (have ${scenario.premises.map((x) => x.id).join(', ')})`);
    premisesSpecs = [p];
  }
  const flag = parseClockFlag(opts.clock ?? 'manual');
  if (!flag) throw new UsageError(`--clock: expected ${CLOCK_FLAG_HELP}, got ${opts.clock}`);
  if (role === 'devices' && flag.mode !== 'manual') throw new UsageError('--clock goes with --role wan (bridged devices follow the hub\'s ctl advance)');
  let runner: EstateRunner;
  try {
    runner = await EstateRunner.start({
      seed,
      premises: () => premisesSpecs,
      fingerprint: 'serial',
      clock: clockPlanFromFlag(flag, scenario.startMs),
      tickEveryMs: Math.max(100, scenario.tickMs / (flag.mode === 'accelerated' ? flag.factor : 1)),
      wan: { tickMs: scenario.tickMs, log },
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const { estate, clock } = runner;
  const link = new SerialLink({ path: opts.port, baudRate: baud, keepWhileDown: role === 'devices', ...(ports ? { ports } : {}) });
  link.on('log', log);
  link.on('down', (why) => log(`serial: ${opts.port} went away (${why}); waiting for it to come back`));
  let opened = false;
  link.on('up', () => {
    if (opened) log(`serial: ${opts.port} is back`);
    opened = true;
  });
  try {
    await link.open();
  } catch (e) {
    runner.stop();
    if (e instanceof SerialError) throw new UsageError(e.message);
    throw e;
  }
  let stopRole: () => void;
  let wan: Wan | undefined;
  if (role === 'wan') {
    wan = runner.wan;
    stopRole = serveWan(link, wan, { log }).stop;
    out(`serial: ${opts.port} at ${baud} baud: WAN of ${estate.size} premises (seed ${seed})`);
  } else {
    const p = estate.get(premisesSpecs[0]!.id)!;
    stopRole = bridgeDevices(link, p, { clock, tickMs: scenario.tickMs, log }).stop;
    out(`serial: ${opts.port} at ${baud} baud: HAN devices of premises ${p.id} (${[...p.devices.keys()].join(', ') || 'none'})`);
  }
  return {
    link,
    stop: async () => {
      stopRole();
      await link.close();
      runner.stop();
    },
  };
}

export function registerSerialCommand(program: Command, out: (s: string) => void): void {
  program
    .command('serial')
    .description('serve an estate\'s WAN on a serial port (HDLC-framed CBOR envelopes), or bridge one premises\' devices to an external hub')
    .requiredOption('--port <path>', 'serial port or pty, e.g. /dev/ttyUSB0')
    .option('--baud <n>', 'line speed; writes are paced to it', '115200')
    .option('--config <file>', 'premises as in a scenario file (seed, start, tick, premises); default: the two built-in premises of serve')
    .option('--seed <s>', 'seed for keys and device behaviour (default: the config\'s)')
    .option('--role <role>', 'wan: the estate\'s WAN; devices: one premises\' devices for an external hub', 'wan')
    .option('--premises <id>', 'with --role devices: the premises whose devices to bridge')
    .option('--clock <c>', `with --role wan: ${CLOCK_FLAG_HELP}`, 'manual')
    .action(async (opts: SerialRunOptions) => {
      const log = (s: string) => process.stderr.write(`${s}\n`);
      const { stop } = await startSerial(opts, out, log);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await stop();
    });
}
