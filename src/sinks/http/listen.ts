import type { Server } from 'node:http';
import { DumpfeedError } from '../../errors.js';

/** Starts listening; resolves with the bound port (useful with port 0). An address that cannot be used is a one-line error. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why: Record<string, string> = {
        EADDRINUSE: 'the port is already in use (another server, or another dumpfeed serve?)',
        EACCES: 'not allowed (ports below 1024 need privileges)',
        EADDRNOTAVAIL: 'this machine has no such address',
        ENOTFOUND: 'no such host name',
        EAI_AGAIN: 'the host name cannot be resolved now',
      };
      const reason = error.code ? why[error.code] : undefined;
      const where = `serve ${host.includes(':') ? `[${host}]` : host}:${port}`;
      reject(reason ? new DumpfeedError(where, `cannot listen: ${reason}`, { cause: error }) : error);
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
