// `npm run bench`: Tidemark's throughput, requests and memory, each figure next
// to a baseline measured in the same run (the machines are shared and noisy,
// so targets are ratios or absolute limits, never timings in tests).
//
//   npm run bench                      everything (about 3-4 minutes on 2 cores)
//   BENCH_SCALE=0.1 npm run bench      ten times smaller, for quick iteration
//   npm run bench -- capture history   some scenarios only
//   npm run bench -- floor             opt-in: the write API's floor in raw SQL (about 2 minutes)
//   BENCH_PROFILE_DIR=/tmp/p npm run bench   a .cpuprofile per scenario
//
// Each scenario runs in a child process of its own; the S3 test server
// (tests/support/s3-server.ts) runs beside them. Results: bench/results.json.

import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startS3Server, type S3Server } from '../tests/support/s3-server';
import { figure, formatNumber, SCALE, seconds, now, tempDir, type Figure, type Target } from './support';

const ORDER = ['capture', 'history', 'push', 'pull', 'apply', 'wire', 'noop'] as const;
// Run only when named: they explain a figure rather than measure a target, and would push the whole past 5 minutes.
const OPT_IN = ['floor'] as const;
const NEEDS_S3 = new Set(['push', 'noop', 'pull']);

const wanted = process.argv.slice(2);
const known: readonly string[] = [...ORDER, ...OPT_IN];
const unknown = wanted.filter((name) => !known.includes(name));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; choose from ${known.join(', ')}`);
  process.exit(2);
}
const scenarios = wanted.length === 0 ? [...ORDER] : known.filter((name) => wanted.includes(name));

const started = now();
const work = tempDir('run');
let server: S3Server | null = null;
const figures: Figure[] = [];
const timings: Record<string, number> = {};
let crashed = false;

try {
  if (scenarios.some((name) => NEEDS_S3.has(name))) server = await startS3Server();
  for (const name of scenarios) {
    process.stdout.write(`${name} ... `);
    const scenarioStarted = now();
    try {
      figures.push(...(await runScenario(name, work.dir, server?.endpoint)));
    } catch (error) {
      crashed = true;
      figures.push(
        figure({ scenario: name, figure: `${name} did not finish: ${(error as Error).message.split('\n')[0]}`, unit: '', value: NaN, baseline: null, baselineLabel: '', target: { kind: 'at-most', value: 0 } }),
      );
    }
    timings[name] = seconds(scenarioStarted);
    process.stdout.write(`${timings[name]!.toFixed(1)} s\n`);
  }
} finally {
  await server?.stop();
  work.remove();
}

const totalSeconds = seconds(started);
printTable(figures);
const resultsFile = fileURLToPath(new URL('./results.json', import.meta.url));
writeFileSync(
  resultsFile,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      scale: SCALE,
      node: process.version,
      cpus: cpus().length,
      loadAverageAtEnd: loadavg(),
      seconds: Math.round(totalSeconds * 10) / 10,
      scenarioSeconds: timings,
      figures,
    },
    null,
    2,
  )}\n`,
);
console.log(`\n${figures.filter((f) => f.pass === true).length} pass, ${figures.filter((f) => f.pass === false).length} fail; ${totalSeconds.toFixed(0)} s in all (scale ${SCALE}); written to bench/results.json`);
process.exit(crashed ? 1 : 0);

function runScenario(name: string, workDir: string, endpoint: string | undefined): Promise<Figure[]> {
  const script = fileURLToPath(new URL('./child.ts', import.meta.url));
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const execArgv = ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [])];
  return new Promise((resolve, reject) => {
    const child = fork(script, [name, workDir], {
      execArgv,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...(endpoint ? { TIDEMARK_TEST_S3_ENDPOINT: endpoint } : {}) },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    let result: Figure[] | undefined;
    child.on('message', (message) => {
      result = (message as { figures: Figure[] }).figures;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`exited with ${code}\n${stderr}`));
    });
  });
}

function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'ratio-at-least':
      return `ratio >= ${target.value === 1 / 3 ? '1/3' : target.value === 1 / 4 ? '1/4' : target.value}`;
    case 'at-most':
      return `<= ${target.value}`;
    case 'below':
      return `< ${target.value}`;
    default:
      return '-';
  }
}

function printTable(rows: Figure[]): void {
  const header = ['figure', 'value', 'baseline', 'ratio', 'target', 'pass/fail'];
  const body = rows.map((f) => [
    `${f.scenario}: ${f.figure}`,
    formatNumber(f.value),
    f.baseline === null ? '-' : formatNumber(f.baseline),
    f.ratio === null ? '-' : `${f.ratio.toFixed(2)}x`,
    describeTarget(f.target),
    f.pass === null ? '-' : f.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ');
  console.log(`\n${line(header)}`);
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of body) console.log(line(row));
  console.log('\nbaselines and notes:');
  for (const f of rows) console.log(`  ${f.scenario}: ${f.figure}: baseline = ${f.baselineLabel || '-'}${f.note ? `; ${f.note}` : ''}`);
}
