#!/usr/bin/env node
// Runs the TypeScript CLI straight from source so `npm ci` is all a user needs (no build step to forget).
import { register } from 'tsx/esm/api';

register();
// `smets-sim decode … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import('../cli.ts');
process.exitCode = await main(process.argv);
