import type { Command } from 'commander';
import { ScenarioError } from '../../hub/scenario.js';
import { UsageError, readTextFile } from '../io.js';
import { DEFAULT_SERVE_CONFIG, WsServerError, estateOf, parseServeConfig, startWsServer } from '../ws-server.js';

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
    .action(async (opts: { config?: string; bind: string; port: string; token?: string; queueLimit: string; spillDir?: string }) => {
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
      const estate = await estateOf(config);
      const spillDir = opts.spillDir;
      let server;
      try {
        server = await startWsServer({
          estate,
          bind: opts.bind,
          port,
          ...(token ? { token } : {}),
          wan: {
            queueLimit,
            tickMs: config.tickMs,
            log: (l) => process.stderr.write(`smets-sim serve: ${l}\n`),
            ...(spillDir ? { spillPath: (c: string) => `${spillDir}/${encodeURIComponent(c)}.spill` } : {}),
          },
        });
      } catch (e) {
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
          void s.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
