import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { listen } from '../sinks/http/listen.js';
import { createHttpServer, serverStore } from '../sinks/http/server.js';
import { daemonStatus } from '../store/instance-lock.js';
import { silenceClosedProcessStreams, stderr, stdout } from './output.js';

/** Options of `dumpfeed serve`. */
export interface ServeArgs {
  positionals: string[];
  config?: string | undefined;
  db?: string | undefined;
  out?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
}

/** The --port and --host options over the config's serve settings. */
export function listenAddress(
  config: Config,
  args: { port?: string | undefined; host?: string | undefined },
): { host: string; port: number } {
  const port = args.port === undefined ? config.serve.port : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${args.port}" is not a port number`);
  return { host: args.host ?? config.serve.host, port };
}

/** `http://host:port/` of a bound server. */
export function serverUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/**
 * Feeds and pages link to `feeds.baseUrl`. When that is not this server (the default
 * `http://localhost:8080/` while serving on another port), say so once at start: readers would
 * follow links to an address where nothing answers.
 */
export function linksElsewhere(config: Config, host: string, port: number): string | null {
  const base = new URL(config.feeds.baseUrl);
  const local = ['localhost', '127.0.0.1', '[::1]', '::1'];
  const sameHost =
    base.hostname === host || (local.includes(base.hostname) && (local.includes(host) || host === '0.0.0.0' || host === '::'));
  const basePort = Number(base.port || (base.protocol === 'https:' ? 443 : 80));
  // A public address (a reverse proxy in front) is the operator's choice; only a local one can be wrong.
  if (!local.includes(base.hostname) || (sameHost && basePort === port)) return null;
  return `feeds and pages link to ${config.feeds.baseUrl} (feeds.baseUrl), not to this server at ${serverUrl(host, port)}; set feeds.baseUrl (or DUMPFEED_FEEDS_BASE_URL) to the address readers use`;
}

/**
 * `dumpfeed serve`: serves the feeds and pages of a store (which a `watch` in another process may be
 * updating) until SIGTERM or SIGINT.
 */
export async function serveCommand(args: ServeArgs): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError('serve takes no arguments');
  silenceClosedProcessStreams();
  const overrides = { storePath: args.db, feedsDir: args.out };
  const { config } = loadConfig(args.config, overrides);
  const { host, port } = listenAddress(config, args);
  const { store, unsubscribe, close } = serverStore(config, (address, via) => stdout.write(`unsubscribed ${address} (${via})\n`));
  const server = createHttpServer({
    store,
    config: () => config,
    unsubscribe,
    // Written only when serve.accessLog is on (the server checks).
    accessLog: (line) => stdout.write(`${line}\n`),
    health: () => {
      const d = daemonStatus(store);
      return { ok: true, daemon: d.running, queue: d.queue, lastDumpAt: d.lastDumpAt, lastErrorAt: d.lastErrorAt };
    },
  });
  // Signals are handled from before the server listens: a stop asked for at any moment closes it cleanly.
  let stopAsked = false;
  let stop = (): void => {
    stopAsked = true;
  };
  const onSignal = (): void => stop();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const bound = await listen(server, host, port);
  // Warnings first: the `serving` line says the server is ready, and everything before it is said.
  const elsewhere = linksElsewhere(config, host, bound);
  if (elsewhere) stderr.write(`warning: ${elsewhere}\n`);
  stdout.write(`serving ${config.feeds.dir}/ and pages on ${serverUrl(host, bound)} (public URL ${config.feeds.baseUrl})\n`);
  await new Promise<void>((resolve) => {
    stop = () => server.close(() => resolve());
    if (stopAsked) stop();
  });
  server.closeAllConnections();
  close();
  return 0;
}
