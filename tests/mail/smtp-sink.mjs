// A real SMTP server process for the tests (npm smtp-server): it stores every accepted message as
// <n>.eml in the folder named by SINK_DIR, with the envelope and arrival time in <n>.json.
// SINK_PORT: port (0 = any; the chosen port is printed as "listening <port>").
// SINK_REJECT: comma-separated recipients refused with 550. SINK_TEMPFAIL: refuse the first N
// messages with 451. SINK_USER / SINK_PASS: require this login.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

const dir = process.env.SINK_DIR;
mkdirSync(dir, { recursive: true });
const reject = new Set((process.env.SINK_REJECT ?? '').split(',').filter(Boolean));
let tempfail = Number(process.env.SINK_TEMPFAIL ?? 0);
let count = 0;

const server = new SMTPServer({
  disabledCommands: ['STARTTLS'],
  authOptional: !process.env.SINK_USER,
  allowInsecureAuth: true,
  onAuth(auth, session, callback) {
    if (auth.username === process.env.SINK_USER && auth.password === process.env.SINK_PASS) return callback(null, { user: auth.username });
    return callback(new Error('Invalid username or password'));
  },
  onRcptTo(address, session, callback) {
    if (reject.has(address.address)) {
      const err = new Error('5.1.1 Mailbox unavailable');
      err.responseCode = 550;
      return callback(err);
    }
    callback();
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      if (tempfail > 0) {
        tempfail--;
        const err = new Error('4.3.0 Try again later');
        err.responseCode = 451;
        return callback(err);
      }
      const n = String(++count).padStart(4, '0');
      writeFileSync(
        join(dir, `${n}.json`),
        JSON.stringify({ from: session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address), at: Date.now() }),
      );
      writeFileSync(join(dir, `${n}.eml`), Buffer.concat(chunks));
      callback();
    });
  },
});
server.listen(Number(process.env.SINK_PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
