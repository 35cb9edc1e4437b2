import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const OPTFLOW_BIN = fileURLToPath(new URL('../../cli/bin/optflow.js', import.meta.url));

/** A child process whose output the test can wait on line by line. */
export interface Child {
  process: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (to the whole process group of a `group` child, as Ctrl-C does) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Children still running when the test process exits are killed, never left writing on their own. */
const running = new Set<() => void>();
process.on('exit', () => {
  for (const kill of running) kill();
});

/**
 * `args` run by node, or by `options.command` (e.g. npm) from `options.cwd`. A `group` child leads a
 * process group of its own, so signals reach what it starts too (npm → sh → node), like Ctrl-C.
 */
export function startChild(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: { command?: string; cwd?: string; group?: boolean } = {}
): Child {
  const child = spawn(options.command ?? process.execPath, args, {
    env: { ...process.env, ...env },
    cwd: options.cwd,
    detached: options.group === true,
  });
  const signal = (sig: NodeJS.Signals) => {
    if (options.group) process.kill(-child.pid!, sig);
    else child.kill(sig);
  };
  const kill = () => signal('SIGKILL');
  running.add(kill);
  child.on('exit', () => running.delete(kill));
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const l of listeners) l();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  // 'close': the process has exited and its output pipes are closed, i.e. whatever it started and
  // that shares them (npm's script) has exited too, and every line it wrote has been read.
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      for (const l of listeners) l();
      resolve(code);
    })
  );
  return {
    process: child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`timed out waiting for ${pattern}; output:\n${text}`)),
          timeoutMs
        );
        const check = () => {
          const match = pattern.exec(text);
          if (match) return done(undefined, match);
          if (child.exitCode !== null)
            done(new Error(`process exited (${child.exitCode}) before ${pattern}; output:\n${text}`));
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
    async stop(sig = 'SIGTERM') {
      if (child.exitCode === null) signal(sig);
      return exited;
    },
  };
}
