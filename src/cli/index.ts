// The `tidemark` command: one file per command under commands/, all over the
// same engine the desktop app uses.

import { TidemarkError } from '../shared/errors';
import { parseCommandLine, type Command } from './command';
import { initCommand } from './commands/init';
import { logCommand } from './commands/log';
import { serveCommand } from './commands/serve';
import { statusCommand } from './commands/status';
import { trackCommand } from './commands/track';
import { remoteCommand } from './commands/remote';
import { reidentifyCommand } from './commands/reidentify';
import { replicasCommand } from './commands/replicas';
import { credentialsCommand } from './commands/credentials';
import { acceptClockCommand } from './commands/accept-clock';
import { gcCommand, snapshotCommand } from './commands/snapshot';
import { conflictsCommand, resolveCommand } from './commands/conflicts';
import { fingerprintCommand, rejectCommand, revokeCommand, trustCommand } from './commands/trust';
import { syncCommand } from './commands/sync';
import { createOutput, type Output } from './output';

export const commands: Command[] = [
  initCommand,
  trackCommand,
  statusCommand,
  logCommand,
  remoteCommand,
  credentialsCommand,
  syncCommand,
  replicasCommand,
  fingerprintCommand,
  trustCommand,
  rejectCommand,
  revokeCommand,
  acceptClockCommand,
  conflictsCommand,
  resolveCommand,
  snapshotCommand,
  gcCommand,
  reidentifyCommand,
  serveCommand,
];

export function registerCommand(command: Command): void {
  commands.push(command);
}

function printHelp(out: Output): void {
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
    printHelp(out);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    out.line('tidemark 0.1.0');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    out.error({ kind: 'invalid-input', field: 'command', message: `unknown command "${name}"`, hint: 'Run `tidemark --help` for the list.' });
    return 2;
  }
  let interruptedResolve!: () => void;
  const interrupted = new Promise<void>((resolve) => (interruptedResolve = resolve));
  const onSigint = () => interruptedResolve();
  process.once('SIGINT', onSigint);
  try {
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
