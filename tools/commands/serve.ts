import type { Command } from 'commander';
import { ScenarioError } from '../../hub/scenario.js';
import { UsageError, readTextFile } from '../io.js';
import { DEFAULT_SERVE_CONFIG, WsServerError, parseServeConfig, startWsServer } from '../ws-server.js';
import { CLOCK_FLAG_HELP, clockPlanFromFlag, parseClockFlag } from '../estate/plan.js';
import { EstateRunner } from '../estate/runner.js';

export function registerServeCommand(program: Command, out: (s: string) => void): void {
  program
    .command('serve')
    .description('serve an estate on a WebSocket WAN endpoint (binary CBOR envelopes; see docs/envelope.md)')
    .option('--config <file>', 'premises as in a scenario file (seed, start, tick, premises); default: two built-in premises')
    .option('--bind <host>', 'interface to listen on; anything but loopback needs a token', '127.0.0.1')
    .option('--port <n>', 'TCP port (0: any free port)', '7373')
    .option('--token <t>', 'shared secret clients must present (default: env SMETS_SIM_TOKEN)')
    .option('--queue-limit <n>', 'unacked messages per client kept in memory before spilling to disk', '1024')
    .option('--spill-dir <dir>', 'where spill files go (default: the system temporary directory)')
    .option('--clock <c>', `${CLOCK_FLAG_HELP}; manual moves only on ctl advance`, 'manual')
    .action(async (opts: { config?: string; bind: string; port: string; token?: string; queueLimit: string; spillDir?: string; clock: string }) => {
      let config = DEFAULT_SERVE_CONFIG;
      if (opts.config) {
        try {
          config = parseServeConfig(readTextFile(opts.config), opts.config);
        } catch (e) {
          if (e instanceof ScenarioError) throw new UsageError(e.message);
          throw e;
        }
      }
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected 0-65535, got ${opts.port}`);
      const queueLimit = Number(opts.queueLimit);
      if (!Number.isInteger(queueLimit) || queueLimit < 1) throw new UsageError(`--queue-limit: expected a whole number ≥ 1, got ${opts.queueLimit}`);
      const token = opts.token ?? process.env.SMETS_SIM_TOKEN;
      const flag = parseClockFlag(opts.clock);
      if (!flag) throw new UsageError(`--clock: expected ${CLOCK_FLAG_HELP}, got ${opts.clock}`);
      const spillDir = opts.spillDir;
      // The estate runner moves accelerated and real time and ticks the premises; nothing is journalled here.
      const runner = await EstateRunner.start({
        seed: config.seed,
        premises: () => config.premises,
        fingerprint: 'serve',
        clock: clockPlanFromFlag(flag, config.startMs),
        queueLimit,
        tickEveryMs: Math.max(100, config.tickMs / (flag.mode === 'accelerated' ? flag.factor : 1)),
        wan: {
          tickMs: config.tickMs,
          log: (l) => process.stderr.write(`smets-sim serve: ${l}\n`),
          ...(spillDir ? { spillPath: (c: string) => `${spillDir}/${encodeURIComponent(c)}.spill` } : {}),
        },
      });
      const estate = runner.estate;
      let server;
      try {
        server = await startWsServer({ estate, useWan: runner.wan, bind: opts.bind, port, ...(token ? { token } : {}) });
      } catch (e) {
        runner.stop();
        if (e instanceof WsServerError) throw new UsageError(e.message);
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${opts.bind}:${port}: ${code}`);
        throw e;
      }
      out(`smets-sim: ${estate.size} premises on ${server.url}?client=NAME${token ? ' (token required)' : ''}`);
      const s = server;
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          runner.stop();
          void s.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
