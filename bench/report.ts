import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** Runs `node ARGS` in `cwd` to its end; the milliseconds it took. A failing run is an error with its stderr. */
export function timedProcess(args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

/** Prints one benchmark figure per line: name, value and unit, and what it is compared with. */
export function report(name: string, value: number, unit: string, against: string): void {
  const shown = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  process.stdout.write(`${name.padEnd(58)} ${shown.padStart(10)} ${unit.padEnd(8)} ${against}\n`);
}

/** The p-th percentile (nearest rank) of the samples. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
