// Checking a downloaded file is as much CPU as applying it: inflating it,
// PRAGMA integrity_check, every row checked in SQL and, for a joining device,
// its newest values sorted by entity (about 7 µs a change). One worker
// thread does that for the next file while this thread applies the one
// before (ahead.ts keeps the next files coming), so the two cores of a laptop share
// the pull; when this thread has to wait for the worker, it takes the sort of
// the file being checked (shared-sort.ts). Where no worker can start, the same
// work runs on this thread.
//
// The worker's entry is file-worker-thread.ts: built beside the app's main
// bundle (electron.vite.config.ts), or run from source through tsx
// (file-worker-boot.cjs) for the CLI, tests and benchmarks.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TidemarkError, type TidemarkErrorDetail } from '../../../shared/errors';

/** The work a worker can do, by name (file-worker-thread.ts has the functions). */
export type FileTask = 'prepare-batch' | 'checkpoint';

export interface FileJob {
  id: number;
  task: FileTask;
  args: unknown[];
}

export type FileReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; detail?: TidemarkErrorDetail; message: string }
  /** A step of a task still running: its value goes to the job's onStep. */
  | { id: number; step: unknown };

interface Waiting {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  inline(): Promise<unknown>;
  onStep?: (value: never) => void;
}

// undefined: not started yet; null: no worker here, work runs on this thread.
let worker: Worker | null | undefined;
const waiting = new Map<number, Waiting>();
let nextId = 1;

/**
 * Runs `task` on the file worker, or `inline` on this thread when there is
 * none. A TidemarkError thrown there is thrown here as the same error. The
 * steps the task reports on the way reach `onStep` on this thread, before its
 * result; `inline` reports its own.
 */
export function runOffThread<T, S = never>(task: FileTask, args: unknown[], inline: () => Promise<T>, onStep?: (value: S) => void): Promise<T> {
  const thread = warmFileWorker();
  if (!thread) return inline();
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, inline, onStep: onStep as ((value: never) => void) | undefined });
    if (waiting.size === 1) thread.ref(); // a job in flight keeps the process alive; an idle worker does not
    thread.postMessage({ id, task, args } satisfies FileJob);
  });
}

/**
 * Starts the worker if it has not started: a pull that will have files to
 * check calls this before its first download, so the worker's start (about
 * 150 ms from source, 90 ms built) overlaps the requests instead of delaying
 * the first file.
 */
export function warmFileWorker(): Worker | null {
  if (worker === undefined) worker = startWorker();
  return worker;
}

/** Where file work runs now: for status and tests. */
export function fileWorkerState(): 'not started' | 'worker' | 'this thread' {
  return worker === undefined ? 'not started' : worker ? 'worker' : 'this thread';
}

/** Stops the worker; work from then on runs on this thread, and work in flight is redone here. */
export async function stopFileWorker(): Promise<void> {
  const thread = worker;
  worker = null;
  if (thread) await thread.terminate();
}

function startWorker(): Worker | null {
  if (process.env.TIDEMARK_FILE_WORKER === 'off') return null;
  const entry = workerEntry();
  if (!entry) return null;
  let thread: Worker;
  try {
    // Its JavaScript makes little garbage (SQLite does the work): a small young generation keeps it out of a pull's peak memory.
    thread = new Worker(entry.url, { workerData: entry.workerData, execArgv: entry.execArgv, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  } catch {
    return null;
  }
  thread.unref();
  thread.on('message', (reply: FileReply) => {
    const job = waiting.get(reply.id);
    if (!job) return;
    if ('step' in reply) {
      job.onStep?.(reply.step as never);
      return;
    }
    waiting.delete(reply.id);
    if (waiting.size === 0) thread.unref();
    if (reply.ok) job.resolve(reply.value);
    else job.reject(reply.detail ? new TidemarkError(reply.detail) : new Error(reply.message));
  });
  // A worker that fails to load or dies: its jobs, and all later ones, run on this thread.
  const fallBack = () => {
    if (worker === thread) worker = null;
    const jobs = [...waiting.values()];
    waiting.clear();
    for (const job of jobs) job.inline().then(job.resolve, job.reject);
  };
  thread.on('error', fallBack);
  thread.on('exit', fallBack);
  return thread;
}

/** Where the worker's code is: beside the bundle the app runs, or the TypeScript source. */
function workerEntry(): { url: URL; workerData: { entry?: string }; execArgv?: string[] } | null {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // The boot registers tsx itself: the tsx flags this process was started
    // with would load it a second time, for nothing (80 ms of the worker's start).
    const execArgv = withoutTsx(process.execArgv);
    return { url: new URL('./file-worker-boot.cjs', here), workerData: { entry: new URL('./file-worker-thread.ts', here).href }, execArgv };
  }
  const builtName = 'file-worker-thread.js'; // not a literal in new URL(): the bundler would treat it as an asset
  const built = new URL(builtName, here);
  return existsSync(fileURLToPath(built)) ? { url: built, workerData: {} } : null;
}

/** Node flags without tsx's `--require`/`--import` of its own files (each flag and its value). */
function withoutTsx(flags: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    const value = flags[i + 1];
    if ((flag === '--require' || flag === '--import') && value !== undefined && /(^|[\\/])tsx([\\/]|$)/.test(value)) {
      i += 1;
      continue;
    }
    if (/^--(require|import)=.*(^|[\\/=])tsx([\\/]|$)/.test(flag)) continue;
    kept.push(flag);
  }
  return kept;
}
