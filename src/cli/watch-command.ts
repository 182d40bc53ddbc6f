import { Daemon } from '../service/daemon.js';
import { startServerProcess, type ServerProcess } from '../sinks/http/server-process.js';
import { linksElsewhere, listenAddress, serverUrl } from './serve-command.js';
import { loadConfig } from '../config/load-config.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../log.js';
import { UsageError } from '../errors.js';
import { localLinksWarning } from '../sinks/mail/unsubscribe.js';
import { silenceClosedProcessStreams } from './output.js';

/** Options of `dumpfeed watch`. */
export interface WatchArgs {
  positionals: string[];
  config?: string | undefined;
  db?: string | undefined;
  out?: string | undefined;
  'log-level'?: string | undefined;
  serve?: boolean | undefined;
  port?: string | undefined;
  host?: string | undefined;
}

// A stop that hangs (a stuck file system) must not keep a service manager waiting for ever.
const STOP_DEADLINE_MS = 10_000;

/**
 * `dumpfeed watch`: runs the daemon until SIGTERM or SIGINT, reloading the config on SIGHUP. Resolves
 * with the exit code once it has stopped cleanly.
 */
export async function watchCommand(args: WatchArgs): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError('watch takes no arguments: the inbox is source.inbox in the config');
  silenceClosedProcessStreams();
  const overrides = { storePath: args.db, feedsDir: args.out };
  const level = args['log-level'] ?? loadConfig(args.config, overrides).config.log.level;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const logger = createLogger(level as LogLevel);

  // Signal handlers go in before anything starts: a stop asked for during start-up waits for the
  // start to finish, then stops cleanly.
  let stopAsked: NodeJS.Signals | null = null;
  let failed = false;
  // Set once the daemon exists: the stop deadline releases its lock.
  const started: { daemon?: Daemon } = {};
  let requestStop: (signal: NodeJS.Signals | 'fatal') => void = (signal) => {
    if (signal !== 'fatal') stopAsked = signal;
  };
  const onStop = (signal: NodeJS.Signals): void => {
    setTimeout(() => {
      logger.fatal({ event: 'stop-deadline', signal }, `did not stop within ${STOP_DEADLINE_MS / 1000} s, exiting`);
      // No stale lock behind: the next start need not wonder whether this process still runs.
      started.daemon?.abandon();
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    requestStop(signal);
  };
  process.once('SIGTERM', onStop);
  process.once('SIGINT', onStop);

  let server: ServerProcess | null = null;
  const daemon = new Daemon({
    configPath: args.config,
    overrides,
    logger,
    onReload: (config) => server?.reload(config),
    onFatal: () => {
      failed = true;
      requestStop('fatal');
    },
  });
  started.daemon = daemon;
  process.on('SIGHUP', () => void daemon.reload('SIGHUP'));
  try {
    await daemon.start();
    const local = localLinksWarning(daemon.currentConfig);
    if (local) logger.warn({ event: 'local-links' }, local);
    if (args.serve) {
      const { host, port } = listenAddress(daemon.currentConfig, args);
      // HTTP in a process of its own: readers are answered while this one stores dumps (server-process.ts).
      server = await startServerProcess(daemon.currentConfig, host, port, {
        health: () => daemon.health(),
        unsubscribed: (address, via) => logger.info({ event: 'unsubscribed', address, via }, 'unsubscribed'),
        failed: (error) => {
          logger.fatal({ event: 'server-failed', error: error.message }, 'the web server stopped');
          failed = true;
          requestStop('fatal');
        },
      });
      logger.info({ event: 'serving', url: serverUrl(host, server.port), publicUrl: daemon.currentConfig.feeds.baseUrl }, 'serving');
      const elsewhere = linksElsewhere(daemon.currentConfig, host, server.port);
      if (elsewhere) logger.warn({ event: 'links-elsewhere' }, elsewhere);
    }
  } catch (error) {
    await daemon.stop('start failed').catch(() => undefined);
    throw error;
  }
  return new Promise<number>((resolve, reject) => {
    requestStop = (signal) => {
      // Stop answering first, then let the daemon finish its dump and close the store.
      (server?.close() ?? Promise.resolve()).then(() => daemon.stop(signal)).then(() => resolve(failed ? 1 : 0), reject);
    };
    if (stopAsked) requestStop(stopAsked);
  });
}
