import { Command, CommanderError } from 'commander';
import { GbcsCryptoError, GbcsDecodeError, GbcsEncodeError } from '../protocols/errors.js';
import { registerCodecCommands } from './commands/codec.js';
import { registerCommandCommand } from './commands/command.js';
import { registerConformanceCommand } from './commands/conformance.js';
import { registerPkiCommands } from './commands/pki.js';
import { registerScenarioCommand } from './commands/scenario.js';
import { registerSerialCommand } from './commands/serial.js';
import { registerServeCommand } from './commands/serve.js';
import { registerUpCommand } from './commands/up.js';
import { UsageError } from './io.js';

const EXPECTED = [GbcsDecodeError, GbcsEncodeError, GbcsCryptoError, UsageError];

export function buildProgram(out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Command {
  const program = new Command('smets-sim')
    .description('Simulator of GB SMETS2 smart metering equipment speaking GBCS')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  registerCodecCommands(program, out);
  registerPkiCommands(program);
  registerConformanceCommand(program, out);
  registerCommandCommand(program, out);
  registerScenarioCommand(program, out);
  registerSerialCommand(program, out);
  registerServeCommand(program, out);
  registerUpCommand(program, out);
  return program;
}

/** Runs the CLI; returns the exit code. Expected failures print one line, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    const msg = e instanceof Error ? e.message : String(e);
    // Anything not raised on purpose for bad input is a bug in smets-sim: still one line, but say so.
    const expected = EXPECTED.some((k) => e instanceof k);
    process.stderr.write(`smets-sim: ${expected ? 'error' : 'internal error'}: ${msg}\n`);
    if (process.env.SMETS_SIM_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}
