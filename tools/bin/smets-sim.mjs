#!/usr/bin/env node
// Runs the TypeScript CLI straight from source so `npm ci` is all a user needs (no build step to forget).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli.ts');
process.exitCode = await main(process.argv);
