// The file worker's thread (file-worker.ts): runs the tasks it is sent, one
// at a time, and answers each with its value or its error.

import { parentPort } from 'node:worker_threads';
import { TidemarkError } from '../../../shared/errors';
import { prepareBatch, type StageOptions } from './batch-file';
import type { Compressed } from './change-file';
import type { SortClaim } from './shared-sort';
import type { FileJob, FileReply, FileTask } from './file-worker';
import { checkpointWal } from './wal-checkpoint';

/** Each task gets a function that reports a step of it (FileReply), then the job's arguments. */
type Step = (value: unknown) => void;
const tasks: Record<FileTask, (step: Step, ...args: never[]) => Promise<unknown>> = {
  'prepare-batch': (step, source: Compressed, file: string, options: StageOptions, claim?: SortClaim) =>
    prepareBatch(source, file, options, claim ? { claim, inflated: step } : undefined),
  checkpoint: async (_step, path: string) => checkpointWal(path),
};

const port = parentPort;
if (!port) throw new Error('file-worker-thread.ts runs as a worker thread');
let queue = Promise.resolve();
port.on('message', (job: FileJob) => {
  queue = queue.then(async () => {
    let reply: FileReply;
    try {
      const step: Step = (value) => port.postMessage({ id: job.id, step: value } satisfies FileReply);
      reply = { id: job.id, ok: true, value: await tasks[job.task](step, ...(job.args as never[])) };
    } catch (error) {
      reply = error instanceof TidemarkError ? { id: job.id, ok: false, detail: error.detail, message: error.message } : { id: job.id, ok: false, message: String((error as Error)?.message ?? error) };
    }
    port.postMessage(reply);
  });
});
