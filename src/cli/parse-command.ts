import { parseDumpBytes } from '../parse/parse-dump.js';
import { readDumpFile } from '../source/read-dump.js';
import { loadConfig } from '../config/load-config.js';
import { UsageError } from '../errors.js';
import { stderr, stdout } from './output.js';

/** `dumpfeed parse FILE`: prints the parsed dump as JSON, touching no store. */
export async function parseCommand(args: { positionals: string[]; config?: string | undefined }): Promise<number> {
  if (args.positionals.length !== 1) throw new UsageError('parse takes exactly one FILE');
  const file = args.positionals[0]!;
  const { config } = loadConfig(args.config);
  const dump = await readDumpFile(file, config.source.maxBytes);
  const parsed = parseDumpBytes(dump.bytes, file, config.source.encoding);
  stdout.write(`${JSON.stringify(parsed, null, 2)}\n`);
  for (const w of parsed.warnings) stderr.write(`warning: ${file}: ${w}\n`);
  return 0;
}
