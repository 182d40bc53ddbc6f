import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type prettyModule from 'pino-pretty';

/** Log levels, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type { Logger };

/**
 * The daemon's logger: one JSON object per line (for journald, files and log shippers), or a readable
 * line when stdout is a terminal, coloured unless NO_COLOR is set (no-color.org). Written synchronously
 * so that nothing logged is lost when the process is killed.
 */
export function createLogger(level: LogLevel, readable = process.stdout.isTTY === true, env: NodeJS.ProcessEnv = process.env): Logger {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  // NO_COLOR set to anything but the empty string turns colour off.
  const colorize = !env.NO_COLOR;
  if (readable) {
    // Loaded for a terminal only: a daemon under systemd logs JSON and does without it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof prettyModule;
    return pino(options, pretty({ colorize, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino(options, pino.destination({ fd: 1, sync: true }));
}
