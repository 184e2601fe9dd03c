// The `tidemark` command: one file per command under commands/, all over the
// same engine the desktop app uses.

import { TidemarkError } from '../shared/errors';
import { parseCommandLine, type Command } from './command';
import { createOutput, type Output } from './output';

// Commands load on demand: `tidemark status` need not load the S3 SDK or the
// web server, which keeps every call quick.
const loaders: Record<string, () => Promise<Command>> = {
  init: async () => (await import('./commands/init')).initCommand,
  track: async () => (await import('./commands/track')).trackCommand,
  status: async () => (await import('./commands/status')).statusCommand,
  log: async () => (await import('./commands/log')).logCommand,
  remote: async () => (await import('./commands/remote')).remoteCommand,
  credentials: async () => (await import('./commands/credentials')).credentialsCommand,
  sync: async () => (await import('./commands/sync')).syncCommand,
  replicas: async () => (await import('./commands/replicas')).replicasCommand,
  fingerprint: async () => (await import('./commands/trust')).fingerprintCommand,
  trust: async () => (await import('./commands/trust')).trustCommand,
  reject: async () => (await import('./commands/trust')).rejectCommand,
  revoke: async () => (await import('./commands/trust')).revokeCommand,
  'accept-clock': async () => (await import('./commands/accept-clock')).acceptClockCommand,
  conflicts: async () => (await import('./commands/conflicts')).conflictsCommand,
  resolve: async () => (await import('./commands/conflicts')).resolveCommand,
  snapshot: async () => (await import('./commands/snapshot')).snapshotCommand,
  gc: async () => (await import('./commands/snapshot')).gcCommand,
  reidentify: async () => (await import('./commands/reidentify')).reidentifyCommand,
  serve: async () => (await import('./commands/serve')).serveCommand,
};

export const commandNames = Object.keys(loaders);

export function loadCommand(name: string): Promise<Command> | null {
  return Object.hasOwn(loaders, name) ? loaders[name]!() : null;
}

async function printHelp(out: Output): Promise<void> {
  const commands = await Promise.all(commandNames.map((name) => loaders[name]!()));
  out.line('tidemark: keep your SQLite databases in sync across your devices, through a folder or an S3 bucket you own.');
  out.line();
  out.line('Usage:');
  for (const command of commands) {
    out.line(`  ${command.usage}`);
    out.line(`      ${command.summary}`);
  }
  out.line();
  out.line('Every command takes --debug (show stack traces) and --help.');
}

export async function main(argv: string[], out: Output = createOutput()): Promise<number> {
  const [name, ...rest] = argv;
  const debug = argv.includes('--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    await printHelp(out);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    out.line('tidemark 0.1.0');
    return 0;
  }
  const loading = loadCommand(name);
  if (!loading) {
    out.error({ kind: 'invalid-input', field: 'command', message: `unknown command "${name}"`, hint: 'Run `tidemark --help` for the list.' });
    return 2;
  }
  let interruptedResolve!: () => void;
  const interrupted = new Promise<void>((resolve) => (interruptedResolve = resolve));
  const onSigint = () => interruptedResolve();
  process.once('SIGINT', onSigint);
  try {
    const command = await loading;
    const { args, flags } = parseCommandLine(command, rest);
    if (flags.help) {
      out.line(`Usage: ${command.usage}`);
      out.line(command.summary);
      return 0;
    }
    const code = await command.run({ args, flags, out, env: process.env, interrupted, readStdin });
    return code ?? 0;
  } catch (error) {
    if (error instanceof TidemarkError) {
      out.error(error.detail);
      if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.detail.kind === 'invalid-input' && error.detail.field === 'arguments' ? 2 : 1;
    }
    out.error({ kind: 'internal', message: (error as Error)?.message ?? String(error), hint: debug ? '' : 'Run again with --debug for details, and report it if it persists.' });
    if (debug) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
