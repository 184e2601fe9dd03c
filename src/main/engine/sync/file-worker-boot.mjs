// Starts the file worker from TypeScript source (file-worker.ts): the CLI,
// tests and benchmarks run the engine through tsx, and so does its worker.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
