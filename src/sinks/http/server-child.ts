import { listen } from './listen.js';
import type { Config } from '../../config/schema.js';
import { DumpfeedError } from '../../errors.js';
import { createHttpServer, serverStore } from './server.js';
import type { FromServer, ToServer } from './server-process.js';

/**
 * The web server's own process under `watch --serve` (see server-process.ts): a read-only connection
 * to the store (a WAL reader: it sees each dump once committed, and never waits for a write), the
 * config the daemon sends at start and at each reload, health asked of the daemon when /healthz is
 * requested. It ends with the daemon: when the channel to it closes (a stop, a crash, a kill -9).
 */
const start = JSON.parse(process.argv[2]!) as { config: Config; host: string; port: number };
let config = start.config;
const send = (message: FromServer) => process.send!(message);
process.on('disconnect', () => process.exit(0));
const { store, unsubscribe, close } = serverStore(config, (address, via) => send({ type: 'unsubscribed', address, via }));
const pendingHealth = new Map<number, (health: Record<string, unknown>) => void>();
let nextId = 0;

const server = createHttpServer({
  store,
  config: () => config,
  health: () =>
    new Promise((resolve) => {
      const id = nextId++;
      pendingHealth.set(id, resolve);
      send({ type: 'health?', id });
    }),
  unsubscribe,
  // Written only when serve.accessLog is on (the server checks the config in force).
  accessLog: (line) => process.stdout.write(`${line}\n`),
});

process.on('message', (message: ToServer) => {
  if (message.type === 'config') config = message.config;
  else if (message.type === 'health') {
    pendingHealth.get(message.id)?.(message.health);
    pendingHealth.delete(message.id);
  } else if (message.type === 'stop') {
    server.close(() => {
      close();
      process.disconnect();
    });
    server.closeAllConnections();
  }
});

listen(server, start.host, start.port).then(
  (bound) => send({ type: 'listening', port: bound }),
  (error: unknown) => {
    send(
      error instanceof DumpfeedError
        ? { type: 'failed', where: error.where, message: error.message }
        : { type: 'failed', where: 'serve', message: String(error) },
    );
    close();
    process.disconnect();
  },
);
