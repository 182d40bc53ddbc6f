import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

// The data's path is the file list: each layer imports only from the layers below it, and no module
// imports itself back through others. ARCHITECTURE.md names every source file.

const SRC = join(REPO, 'src');
const files = (readdirSync(SRC, { recursive: true, encoding: 'utf8' }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.split('\\').join('/'))
  .sort();

/** Layers, lowest first: a module may import from its own layer and the ones before it. */
const LAYERS: [string, RegExp][] = [
  ['base', /^(model|errors|version|text-matcher|normalize|clock|backoff|log)\.ts$/],
  ['config', /^config\//],
  ['catalog', /^catalog\//],
  ['source', /^source\//],
  ['parse', /^parse\//],
  ['identify', /^identify\//],
  ['store', /^store\//],
  ['context', /^context\.ts$/],
  ['sinks', /^sinks\//],
  ['pipeline', /^pipeline\.ts$/],
  ['service', /^service\//],
  ['cli', /^cli\//],
];

function layerOf(file: string): number {
  const i = LAYERS.findIndex(([, re]) => re.test(file));
  if (i < 0) throw new Error(`${file} is in no layer: add it to ARCHITECTURE.md and to LAYERS`);
  return i;
}

/** Every relative import of a file (static, type-only and dynamic), as paths under src/. */
function imports(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) =>
    relative(SRC, resolve(dirname(join(SRC, file)), s))
      .replace(/\.js$/, '.ts')
      .split('\\')
      .join('/'),
  );
}

describe('the structure', () => {
  it('has every module in a layer, importing nothing from a layer above it', () => {
    const upward: string[] = [];
    for (const file of files) {
      for (const target of imports(file)) {
        if (layerOf(target) > layerOf(file))
          upward.push(`${file} (${LAYERS[layerOf(file)]![0]}) imports ${target} (${LAYERS[layerOf(target)]![0]})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps the database connection inside the store: everything else asks its entity modules', () => {
    const outside = files.filter(
      (f) => !f.startsWith('store/') && (imports(f).includes('store/db.ts') || /\.sqlite\b/.test(readFileSync(join(SRC, f), 'utf8'))),
    );
    expect(outside).toEqual([]);
  });

  it('has no import cycle', () => {
    const graph = new Map(files.map((f) => [f, imports(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('ARCHITECTURE.md names every source file, and only files that exist', () => {
    const doc = readFileSync(join(REPO, 'ARCHITECTURE.md'), 'utf8');
    const named = new Set([...doc.matchAll(/`src\/([\w/.-]+\.ts)`/g)].map((m) => m[1]!));
    expect(files.filter((f) => !named.has(f))).toEqual([]);
    expect([...named].filter((f) => !files.includes(f))).toEqual([]);
  });
});
