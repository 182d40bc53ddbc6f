import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/pipeline.js';
import { REPO, seedFiles, testContext, writeDump } from '../helpers.js';

// The W3C Feed Validation Service's own code, Universal Feed Parser, newsboat, RELAX NG (RFC 4287) and a
// JSON Feed check, run offline by ../shared/feedcheck (installed by .ci/run). Where it is not set up,
// this test is skipped; the reader tests beside it still run.
const FEEDCHECK = join(REPO, '..', 'shared', 'feedcheck', 'feedcheck');
const W3C_READY =
  existsSync(FEEDCHECK) && spawnSync('/usr/bin/python3', ['-c', 'import feedparser, html5lib'], { encoding: 'utf8' }).status === 0;

interface Report {
  feeds: { feed: string; results: { checker: string; status: string; errors: string[]; warnings: string[]; skipped: string | null }[] }[];
}

describe('independent validators', () => {
  it.skipIf(!W3C_READY)('find no error and no warning in the seeds\' feeds but "two entries with the same updated"', async () => {
    // Dates have no time of day: items of one day share an `updated`, which the validator notes.
    const ctx = testContext();
    await ingestPaths(
      ctx,
      seedFiles().map((f, i) => writeDump(ctx.dir, `${i}.txt`, readFileSync(f))),
    );
    const out = join(ctx.dir, 'feedcheck.json');
    const run = spawnSync(FEEDCHECK, ['--json', out, ctx.config.feeds.dir], { encoding: 'utf8', timeout: 300_000 });
    expect(existsSync(out), run.stderr).toBe(true);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.feeds.length).toBeGreaterThanOrEqual(18);
    const problems = report.feeds.flatMap((f) =>
      f.results.flatMap((r) => [
        ...r.errors.map((e) => `${f.feed} ${r.checker} error: ${e}`),
        ...r.warnings
          .filter((w) => !/Two entries with the same value for atom:updated/.test(w))
          .map((w) => `${f.feed} ${r.checker} warning: ${w}`),
      ]),
    );
    expect(problems).toEqual([]);
    // The W3C validator really ran on every Atom and RSS feed.
    const w3c = report.feeds.flatMap((f) => f.results.filter((r) => r.checker === 'w3c' && r.status === 'PASS'));
    expect(w3c.length).toBe(report.feeds.filter((f) => !f.feed.endsWith('.json')).length);
  });
});
