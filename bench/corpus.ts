import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const SAMPLES = join(import.meta.dirname, '..', 'samples');

/** The seed "Press releases" page, the base of generated re-dumps. */
export function seedPage(): string {
  return readFileSync(join(SAMPLES, '000_61f362d38f9bb819.txt'), 'utf8');
}
