/**
 * Writes config/dumpfeed.schema.json, the JSON Schema of the config file, from the one config schema
 * (src/config/schema.ts): editors (VS Code, JetBrains, any with a JSON language server) complete keys,
 * show each key's description and flag mistakes while the file is written. `npm run schema` after a
 * change of the schema; tests/config/json-schema.test.ts fails while the file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toJsonSchema } from '@valibot/to-json-schema';
import { configSchema } from '../src/config/schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../config/dumpfeed.schema.json', import.meta.url));

/** The JSON Schema text. Checks the schema cannot express (a pattern compiles, a time zone exists) are left to dumpfeed. */
export function configJsonSchema(): string {
  const schema = toJsonSchema(configSchema, { errorMode: 'ignore', typeMode: 'input' });
  const withTitle = {
    $schema: schema.$schema,
    title: 'dumpfeed configuration',
    ...schema,
  };
  return `${JSON.stringify(withTitle, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, configJsonSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
