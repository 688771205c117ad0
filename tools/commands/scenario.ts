import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioError, parseScenario, runScenario, trafficLine } from '../../hub/scenario.js';
import { UsageError, ensureDir, readTextFile } from '../io.js';

export function registerScenarioCommand(program: Command, out: (s: string) => void): void {
  program
    .command('scenario')
    .description('run a YAML scenario (premises, then send / inject / advance / expect steps)')
    .argument('<file>', 'scenario YAML')
    .option('--out <dir>', 'write the traffic as JSON lines to DIR/traffic.jsonl')
    .action(async (file: string, opts: { out?: string }) => {
      let scenario;
      try {
        scenario = parseScenario(readTextFile(file), file);
      } catch (e) {
        if (e instanceof ScenarioError) throw new UsageError(e.message);
        throw e;
      }
      const r = await runScenario(scenario);
      for (const l of r.lines) out(l);
      if (opts.out) {
        ensureDir(opts.out, '--out');
        writeFileSync(join(opts.out, 'traffic.jsonl'), r.traffic.map((t) => `${trafficLine(t)}\n`).join(''));
      }
      out(`${r.passed} passed, ${r.failed} failed`);
      if (r.failed) process.exitCode = 1;
    });
}
