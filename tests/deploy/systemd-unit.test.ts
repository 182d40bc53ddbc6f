import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

// The shipped unit, as systemd itself rates it (`systemd-analyze security`, offline: no running
// systemd needed). .ci/run installs systemd when the machine lacks it.

const UNIT = join(REPO, 'deploy', 'dumpfeed.service');

describe('the systemd unit', () => {
  it('is rated an exposure of 2.0 or less by systemd-analyze security', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT], { encoding: 'utf8' });
    expect(r.error, 'systemd-analyze (Debian package systemd) is needed').toBeUndefined();
    const m = /Overall exposure level for dumpfeed\.service: (\d+\.\d+)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2.0);
  });

  it('creates its state folders, runs watch --serve on the config in /etc, and has places for the secrets', () => {
    const unit = readFileSync(UNIT, 'utf8');
    expect(unit).toMatch(/^StateDirectory=dumpfeed dumpfeed\/data dumpfeed\/feeds dumpfeed\/inbox dumpfeed\/outbox$/m);
    expect(unit).toMatch(/^WorkingDirectory=\/var\/lib\/dumpfeed$/m);
    expect(unit).toMatch(
      /^ExecStart=\/usr\/bin\/node --max-semi-space-size=4 \/opt\/dumpfeed\/bin\/dumpfeed\.js watch --serve --config \/etc\/dumpfeed\/dumpfeed\.json$/m,
    );
    expect(unit).toMatch(/^#LoadCredential=smtp-password:/m);
    expect(unit).toMatch(/^#LoadCredential=unsubscribe-secret:/m);
    // The credential names are the ones dumpfeed reads (src/config/secrets.ts).
    const secrets = readFileSync(join(REPO, 'src', 'config', 'secrets.ts'), 'utf8');
    expect(secrets).toContain("'smtp-password'");
    expect(secrets).toContain("'unsubscribe-secret'");
  });
});
