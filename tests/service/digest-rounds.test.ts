import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import type { Context } from '../../src/context.js';
import { DigestRounds } from '../../src/service/digest-rounds.js';
import { ErrorReport } from '../../src/service/error-report.js';
import type { DigestTransport } from '../../src/sinks/mail/transport.js';
import type { Change, Output } from '../../src/sinks/outputs.js';
import { captureLog } from '../support/capture-log.js';
import { FakeClock } from '../support/fake-clock.js';

const config = (subscribers: number) => ({ subscribers: Array(subscribers).fill({}), mail: { checkEveryMs: 30_000 } }) as unknown as Config;

/** A mail output whose rounds end only when the test says so, recording each round's stop flag. */
function heldOutput() {
  const rounds: { change: Change; finish: () => void }[] = [];
  const output: Output = {
    name: 'mail',
    publish: (_ctx, change) =>
      new Promise((resolve) =>
        rounds.push({ change, finish: () => resolve({ output: 'mail', written: [], unchanged: 0, errors: [], warnings: [] }) }),
      ),
  };
  return { output, rounds };
}

function rounds(subscribers = 2) {
  const clock = new FakeClock();
  const { log } = captureLog();
  const { output, rounds: held } = heldOutput();
  const transports: { closed: boolean }[] = [];
  const createTransport = (): DigestTransport => {
    const t = { closed: false };
    transports.push(t);
    return {
      send: () => Promise.resolve(),
      close: () => ((t.closed = true), Promise.resolve()),
      describe: () => 'test',
    };
  };
  const d = new DigestRounds(
    clock,
    log,
    new ErrorReport(log, clock, () => undefined),
    () => ({}) as Context,
    createTransport,
    () => output,
  );
  return { clock, d, held, transports, start: () => d.start(config(subscribers)) };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("the daemon's digest rounds", () => {
  it('starts a round at once, then every mail.checkEveryMs, never two at a time', async () => {
    const { clock, d, held, start } = rounds();
    await start();
    expect(held).toHaveLength(1);
    d.kick();
    clock.advance(30_000);
    expect(held).toHaveLength(1);
    held[0]!.finish();
    await d.idle();
    clock.advance(30_000);
    expect(held).toHaveLength(2);
    expect(held[1]!.change.topics).toBe('all');
  });

  it('does nothing without subscribers', async () => {
    const { clock, d, held, transports, start } = rounds(0);
    await start();
    d.kick();
    clock.advance(120_000);
    expect(held).toHaveLength(0);
    expect(transports).toHaveLength(0);
  });

  it('on stop, tells the round in hand to stop between sends, waits for it, and starts no other', async () => {
    const { clock, d, held, transports, start } = rounds();
    await start();
    const stopped = d.stop();
    expect(held[0]!.change.shouldStop!()).toBe(true);
    let done = false;
    void stopped.then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    held[0]!.finish();
    await stopped;
    expect(transports[0]!.closed).toBe(true);
    d.kick();
    clock.advance(120_000);
    expect(held).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('on restart (a reload), waits for the round, closes the old transport and opens a new one', async () => {
    const { d, held, transports, start } = rounds();
    await start();
    const restarted = d.start(config(3));
    held[0]!.finish();
    await restarted;
    expect(transports.map((t) => t.closed)).toEqual([true, false]);
    expect(held).toHaveLength(2);
  });
});
