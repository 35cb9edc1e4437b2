import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Database } from '@optflow/db';
import { reasonFor } from '../load-error.ts';
import { hasParquetEnds } from '../parquet/parquet-reader.ts';
import { isLoadableFileName } from '../formats/detect-format.ts';
import { hasJsonEnds } from '../formats/json-source.ts';
import { loadFile } from './load-file.ts';
import type { FileSummary } from './file-outcome.ts';
import type { LoadOptions } from './load-file.ts';

/**
 * Loads the *.parquet (and JSON chain: *.json, *.ndjson, *.jsonl) files of a directory as collectors
 * write and rewrite them. A file is taken once its ends show a whole file (Parquet; JSON ending with
 * `}` and a newline), or once its size and mtime have held still for a poll interval (the writer has
 * finished); a rewritten file loads only its new snapshots (see loadFile).
 * The directory is looked at every poll, and at once when the OS reports a change in it. Database
 * errors are retried with backoff, losing nothing: a file counts as loaded only after loadFile returns.
 */
export interface WatchOptions extends LoadOptions {
  pollMs: number;
  signal: AbortSignal;
  onLoad(summary: FileSummary): void;
  onError(message: string): void;
  /** After each poll of the directory, with the count so far (a heartbeat). */
  onPoll?(polls: number): void;
  /** When an unchanged failed file is tried again (default FAILED_RETRY_MS). */
  failedRetryMs?: { first: number; max: number };
}

interface Seen {
  size: number;
  mtimeMs: number;
  /** When this size and mtime were first seen (Date.now()). */
  since: number;
}

/**
 * Waits `ms`, until aborted, or (with `changes`) until the directory reports a change; the listeners
 * go with the wait (a watch polls for days).
 */
const sleep = (ms: number, signal: AbortSignal, changes?: DirectoryChanges) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      changes?.unwait();
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    changes?.wait(done);
  });

/**
 * Changes in a directory as the OS reports them (inotify on Linux: a snapshot renamed in is seen at
 * once). Best effort: where nothing is reported (some network filesystems) the polls still run.
 */
class DirectoryChanges {
  #pending = false;
  #waiter: (() => void) | null = null;
  readonly #watcher: FSWatcher | null;

  constructor(directory: string) {
    let watcher: FSWatcher | null;
    try {
      watcher = watch(directory, { persistent: false }, () => {
        this.#pending = true;
        this.#waiter?.();
      });
      watcher.on('error', () => this.close());
    } catch {
      watcher = null; // not supported here: polling alone
    }
    this.#watcher = watcher;
  }

  /** A look at the directory starts: it sees every change reported so far. */
  taken(): void {
    this.#pending = false;
  }

  /** `wake` runs at the next reported change, or at once when one came since the last look. */
  wait(wake: () => void): void {
    if (this.#pending) wake();
    else this.#waiter = wake;
  }

  unwait(): void {
    this.#waiter = null;
  }

  close(): void {
    this.#watcher?.close();
  }
}

/** A failed file is tried again unchanged (a permission fixed, a disk back) after this, doubling. */
const FAILED_RETRY_MS = { first: 5_000, max: 600_000 };

export async function watchDirectory(db: Database, directory: string, options: WatchOptions): Promise<void> {
  const retry = options.failedRetryMs ?? FAILED_RETRY_MS;
  const previous = new Map<string, Seen>(); // last poll
  const loaded = new Map<string, Seen>(); // what was loaded
  const failed = new Map<string, { waitMs: number; at: number }>(); // unchanged failed files: when to try again
  let backoffMs = 0;
  let polls = 0;
  const changes = new DirectoryChanges(directory);
  try {
    while (!options.signal.aborted) {
      changes.taken();
      const current = await listLoadable(directory);
      for (const [path, now] of current) {
        if (options.signal.aborted) break;
        const before = previous.get(path);
        if (before && before.size === now.size && before.mtimeMs === now.mtimeMs) now.since = before.since;
        // Held still for a poll interval: changes end waits early, so a count of polls would not do.
        const settled = Date.now() - now.since >= options.pollMs;
        const done = loaded.get(path);
        const unchanged = done !== undefined && done.size === now.size && done.mtimeMs === now.mtimeMs;
        const again = failed.get(path);
        if (unchanged && (again === undefined || Date.now() < again.at)) continue;
        // Complete once it has held still for a poll, or at once when its ends show a whole Parquet
        // file (writers write the footer last): a snapshot renamed into place loads on the first look.
        if (!settled && !(await hasParquetEnds(path)) && !(await hasJsonEnds(path))) continue;
        try {
          const summary = await loadFile(db, path, options);
          backoffMs = 0;
          if (summary.status !== 'interrupted') loaded.set(path, now);
          // A partial file stopped at a failed row group is retried like a failed one.
          if (summary.status !== 'failed' && summary.failedRowGroup === null) failed.delete(path);
          else {
            // Unchanged, it is tried again later; changed, at once (the size/mtime check above).
            const waitMs = unchanged && again ? Math.min(again.waitMs * 2, retry.max) : retry.first;
            failed.set(path, { waitMs, at: Date.now() + waitMs });
          }
          options.onLoad(summary);
        } catch (error) {
          // Most likely the database went away: wait and try the same file again.
          backoffMs = Math.min(Math.max(backoffMs * 2, 500), 10_000);
          options.onError(`${path}: ${reasonFor(path, error)}; retrying in ${backoffMs / 1000} s`);
          await sleep(backoffMs, options.signal);
          break;
        }
      }
      for (const [path, seen] of current) previous.set(path, seen);
      options.onPoll?.(++polls);
      await sleep(options.pollMs, options.signal, changes);
    }
  } finally {
    changes.close();
  }
}

async function listLoadable(directory: string): Promise<Map<string, Seen>> {
  const files = new Map<string, Seen>();
  for (const name of (await readdir(directory)).filter(isLoadableFileName).sort()) {
    const path = resolve(join(directory, name));
    const info = await stat(path).catch(() => null); // removed between readdir and stat
    if (info?.isFile()) files.set(path, { size: info.size, mtimeMs: info.mtimeMs, since: Date.now() });
  }
  return files;
}
