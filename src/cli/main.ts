import { parseArgs } from 'node:util';
import { DumpfeedError, UsageError } from '../errors.js';
import { dumpfeedVersion } from '../version.js';
import { COMMANDS, commandUsage, globalUsage, suggestCommand, type CommandArgs } from './commands.js';
import { stderr, stdout } from './output.js';

/** Runs the CLI with the given arguments and returns the exit code; the only place that prints errors. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === '-v' || first === '--version') {
      stdout.write(`dumpfeed ${dumpfeedVersion()}\n`);
      return 0;
    }
    if (first === undefined || first === '-h' || first === '--help') {
      stdout.write(`${globalUsage()}\n`);
      return first === undefined ? 2 : 0;
    }
    if (first === 'help') {
      const name = rest[0];
      if (name === undefined) stdout.write(`${globalUsage()}\n`);
      else if (COMMANDS[name]) stdout.write(`${commandUsage(name)}\n`);
      else throw unknownCommand(name);
      return 0;
    }
    const spec = COMMANDS[first];
    if (!spec) throw unknownCommand(first);
    const options = Object.fromEntries(
      Object.entries(spec.options).map(([name, o]) => [
        name,
        { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
      ]),
    );
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        allowPositionals: true,
        // `--no-updates`: a boolean option set to false (subscribers set).
        allowNegative: true,
        strict: true,
        options: { ...options, help: { type: 'boolean', short: 'h' } },
      });
    } catch (error) {
      // An option this command does not take: the message names it; the help lists what it takes.
      if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
        throw new UsageError(`${first}: ${error.message.replace(/\. To specify a positional argument.*$/s, '')}`);
      }
      throw error;
    }
    if (parsed.values.help) {
      stdout.write(`${commandUsage(first)}\n`);
      return 0;
    }
    const run = (await spec.run()) as (args: CommandArgs) => Promise<number>;
    return await run({ ...(parsed.values as Record<string, string | boolean | string[]>), positionals: parsed.positionals });
  } catch (error) {
    return report(error, first !== undefined && COMMANDS[first] ? first : null);
  }
}

function unknownCommand(name: string): UsageError {
  const close = suggestCommand(name);
  return new UsageError(`unknown command "${name}"${close ? ` (did you mean "${close}"?)` : ''}`);
}

function report(error: unknown, command: string | null): number {
  if (error instanceof UsageError) {
    stderr.write(`error: ${error.message}\n\n${command ? commandUsage(command) : globalUsage()}\n`);
    return 2;
  }
  if (error instanceof DumpfeedError) {
    stderr.write(`error: ${error.toLine()}\n`);
    return 1;
  }
  stderr.write(`dumpfeed: unexpected error, please report it:\n${(error as Error)?.stack ?? String(error)}\n`);
  return 70;
}
