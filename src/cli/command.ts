// The shape every CLI command shares, and the helpers they all use.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { openDatabase, type TidemarkDatabase } from '../main/engine/database';
import type { Output } from './output';
import { usageError } from './output';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  args: string[];
  flags: Record<string, string | boolean | string[] | boolean[] | undefined>;
  out: Output;
  env: NodeJS.ProcessEnv;
  /** Resolves when the person presses Ctrl-C (long-running commands stop cleanly). */
  interrupted: Promise<void>;
  readStdin(): Promise<string>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  args: { min: number; max: number };
  run(ctx: CommandContext): Promise<number | void>;
}

export const jsonOption = { json: { type: 'boolean' } } as const satisfies Options;

export function parseCommandLine(command: Command, argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...command.options, debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''), `Usage: ${command.usage}`);
  }
  const { positionals, values } = parsed;
  if (!values.help && (positionals.length < command.args.min || positionals.length > command.args.max)) {
    throw usageError(
      positionals.length < command.args.min ? 'missing arguments' : `unexpected argument "${positionals[command.args.max]}"`,
      `Usage: ${command.usage}`,
    );
  }
  return { args: positionals, flags: values as CommandContext['flags'] };
}

/**
 * Opens an initialized database for a command and always closes it, once the
 * work it started in the background (a joining pull's last checkpoint) is done.
 */
export async function withDatabase<T>(path: string, work: (db: TidemarkDatabase) => Promise<T> | T): Promise<T> {
  const db = openDatabase(path, { requireInitialized: true });
  try {
    return await work(db);
  } finally {
    await db.settled();
    db.close();
  }
}

export function positiveInteger(value: unknown, flag: string, max = 1_000_000): number {
  const text = String(value);
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw usageError(`--${flag} must be a whole number from 1 to ${max}, not "${text}"`, `Example: --${flag} 50`);
  }
  return Number(text);
}

export function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}
