// Runs one scenario in its own process (clean heap, its own peak RSS) and
// hands its figures to the parent on the IPC channel.
//   node --import tsx bench/child.ts <scenario> <workDir>

import type { Figure } from './support';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const [name, workDir] = process.argv.slice(2);
if (!name || !workDir) throw new Error('usage: child.ts <scenario> <workDir>');

const SCENARIOS: Record<string, () => Promise<{ run(workDir: string): Promise<Figure[]> }>> = {
  capture: () => import('./scenarios/capture'),
  apply: () => import('./scenarios/apply'),
  pull: () => import('./scenarios/pull'),
  push: () => import('./scenarios/push'),
  noop: () => import('./scenarios/noop'),
  history: () => import('./scenarios/history'),
  wire: () => import('./scenarios/wire'),
  floor: () => import('./scenarios/floor'),
};

const load = SCENARIOS[name];
if (!load) throw new Error(`unknown scenario ${name}`);
const figures = await (await load()).run(workDir);
if (process.send) process.send({ figures });
else console.log(JSON.stringify(figures, null, 2));
process.exit(0);
