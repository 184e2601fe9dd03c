// Starts the test S3 server (s3rver + our conditional front) as a child process.
// Used once per run by global-setup.ts, and per test by fault tests that stop,
// kill or restart a server of their own (same directory and port: same data,
// same endpoint).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const S3_TEST_REGION = 'us-east-1';

export interface S3ServerOptions {
  /** Data directory, kept across restarts and after stop; a temp one (removed on stop) if absent. */
  directory?: string;
  /** Port to listen on (to come back at the same endpoint); a free one if absent. */
  port?: number;
}

export interface S3Server {
  /** http://127.0.0.1:<port>, for `endpoint` with forcePathStyle. */
  endpoint: string;
  port: number;
  directory: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 5 s; removes the data directory if it was a temp one. */
  stop(): Promise<void>;
  /** SIGKILL, like a crash or power cut; keeps the data directory. */
  kill(): Promise<void>;
  /** Stops this server and starts another on the same directory and port. */
  restart(): Promise<S3Server>;
}

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const childScript = fileURLToPath(new URL('./s3-server-child.ts', import.meta.url));
const READY = /^S3_SERVER_READY (\S+)$/m;

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'tidemark-s3-')));
  // Right after a stop the old process may still hold the port for a moment.
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnServer(directory, options.port ?? 0, ownsDirectory);
    } catch (error) {
      if (options.port === undefined || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function spawnServer(directory: string, port: number, ownsDirectory: boolean): Promise<S3Server> {
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', childScript, directory, String(port)],
    // The IPC channel lets the child notice when we die without stopping it.
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  child.channel?.unref();
  const endpoint = await waitForReady(child);
  const actualPort = Number(new URL(endpoint).port);

  const server: S3Server = {
    endpoint,
    port: actualPort,
    directory,
    pid: child.pid ?? -1,
    async stop() {
      await terminate(child, 'SIGTERM');
      if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    },
    async kill() {
      await terminate(child, 'SIGKILL');
    },
    async restart() {
      await terminate(child, 'SIGTERM');
      return startS3Server({ directory, port: actualPort });
    },
  };
  return server;
}

function waitForReady(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => fail(new Error('the S3 test server did not start within 15 s')), 15_000);
    function fail(error: Error) {
      if (ready) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${stderr.slice(-4000)}`));
    }
    let ready = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (ready) return; // keep draining the pipe (S3_DEBUG logs), keep nothing
      stdout += chunk.toString();
      const match = READY.exec(stdout);
      if (match?.[1]) {
        ready = true;
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    // Keep reading stderr so a chatty child never blocks on a full pipe.
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-16_000);
    });
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      if (!ready) fail(new Error(`the S3 test server exited (${code ?? signal})`));
    });
  });
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
