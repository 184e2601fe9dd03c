#!/usr/bin/env node
// Runs the TypeScript CLI in place, so a checkout works right after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
