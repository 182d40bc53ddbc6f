import { pino, type Logger } from 'pino';

/** A real pino logger at debug level whose lines are kept, parsed, for a test to read. */
export function captureLog(): { log: Logger; lines: Record<string, unknown>[]; events: (level?: string) => string[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const levels: Record<string, number> = { debug: 20, info: 30, warn: 40, error: 50 };
  return {
    log,
    lines,
    events: (level) => lines.filter((l) => level === undefined || l.level === levels[level]).map((l) => String(l.event)),
  };
}
