import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const OPTFLOW_BIN = fileURLToPath(new URL('../../loader/bin/optflow.js', import.meta.url));

/** A child process whose output the test can wait on line by line. */
export interface Child {
  process: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Children still running when the test process exits are killed, never left writing on their own. */
const running = new Set<ChildProcessWithoutNullStreams>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function startChild(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env } });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    for (const l of listeners) l();
    resolve(code);
  }));
  return {
    process: child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern}; output:\n${text}`)), timeoutMs);
        const check = () => {
          const match = pattern.exec(text);
          if (match) return done(undefined, match);
          if (child.exitCode !== null) done(new Error(`process exited (${child.exitCode}) before ${pattern}; output:\n${text}`));
        };
        const done = (error?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match!);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
