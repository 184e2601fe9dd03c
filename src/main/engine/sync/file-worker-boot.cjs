// Starts the file worker from TypeScript source (file-worker.ts): the CLI,
// tests and benchmarks run the engine through tsx, and so does its worker.
// It loads the source as CommonJS: tsx's ESM hooks start a loader thread of
// their own, and the worker would take about 320 ms to start instead of 150.
const { workerData } = require('node:worker_threads');
const { fileURLToPath } = require('node:url');
const { register } = require('tsx/cjs/api');

register();
require(fileURLToPath(workerData.entry));
