import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';

/** A message the sink accepted: its envelope, arrival time and parsed content. */
export interface Received {
  from: string;
  to: string[];
  at: number;
  raw: string;
  mail: ParsedMail;
}

/** Starts the SMTP sink process; resolves once it listens. */
export async function startSink(
  dir: string,
  env: Record<string, string> = {},
): Promise<{ port: number; stop: () => Promise<void>; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'smtp-sink.mjs')], {
    env: { ...process.env, SINK_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`smtp sink exited with ${code}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
  };
  return { port, stop, child };
}

/** Every message the sink has stored, in arrival order, parsed with mailparser. */
export async function received(dir: string): Promise<Received[]> {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const raw = readFileSync(join(dir, name), 'utf8');
      const meta = JSON.parse(readFileSync(join(dir, name.replace(/\.eml$/, '.json')), 'utf8')) as {
        from: string;
        to: string[];
        at: number;
      };
      return { ...meta, raw, mail: await simpleParser(raw) };
    }),
  );
}
