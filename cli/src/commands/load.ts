import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { glob } from 'glob';
import { errorMessage, isConnectionLoss } from '@optflow/db';
import type { Database } from '@optflow/db';
import { migrate } from '@optflow/migrations';
import { isLoadableFileName, LoadError, loadFile, prepareFile } from '@optflow/loader';
import type { FileSummary } from '@optflow/loader';
import { connect } from '../database.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { runUntilSignal } from '../lifecycle.ts';
import { addReadOptions, loadOptionsFrom } from '../load-options.ts';
import type { ReadFlags } from '../load-options.ts';
import { createOutput } from '../output.ts';
import type { Output } from '../output.ts';
import { ProgressBar } from '../progress.ts';

interface LoadFlags extends ReadFlags {
  json?: boolean;
  quiet?: boolean;
  dryRun?: boolean;
  migrate: boolean;
}

export function registerLoad(program: Command): void {
  addReadOptions(
    program
      .command('load')
      .description(
        'load option-chain files (Parquet; Schwab or CBOE JSON/NDJSON) into the database, exactly once (re-running is safe)'
      )
      .argument('<inputs...>', 'files, directories (their *.parquet, *.json, *.ndjson, *.jsonl files) or glob patterns')
  )
    .option('--json', 'print a JSON summary (per file and totals)')
    .option('--quiet', 'print nothing but errors')
    .option('--dry-run', 'read and check every row, write nothing')
    .option('--no-migrate', 'do not apply pending migrations first')
    .addHelpText(
      'after',
      '\nExit codes: 0 all inputs loaded; 1 some input failed or had rejected rows; 2 usage error; 3 database unavailable.'
    )
    .action(async (inputs: string[], flags: LoadFlags) => {
      const out = createOutput(flags);
      const read = loadOptionsFrom(flags);
      const { files, missing, skipped } = await expandInputs(inputs);
      for (const m of missing) process.stderr.write(`optflow: ${m}: no such file, directory or matching file\n`);
      for (const f of skipped)
        process.stderr.write(`optflow: warning: ${f}: not a regular file (a FIFO, socket or device?): skipped\n`);

      // The first file's first row group is read while the database opens.
      const first = files[0] === undefined ? null : await prepareFile(files[0], read);
      // A signal stops the load between commits: the transaction in progress completes, nothing is
      // half-written, the summary says what was loaded, and the exit code is 1 (run again to finish).
      await runUntilSignal(
        async (stop) => {
          let db: Database | null = null;
          try {
            db = flags.dryRun ? null : await connect();
            if (db && flags.migrate) await migrate(db, { direction: 'up', notice: out.warn });
            const summaries: FileSummary[] = [];
            for (const [i, path] of files.entries()) {
              if (stop.aborted) break;
              const bar = new ProgressBar(
                `[${i + 1}/${files.length}] ${basename(path)}`,
                0,
                'rows',
                !out.quiet && process.stderr.isTTY === true
              );
              const summary = await loadFile(
                db,
                path,
                { ...read, signal: stop },
                (read, total) => bar.update(read, total),
                i === 0 ? first : null
              ).catch((error: unknown) => {
                bar.finish();
                // loadFile fails a file itself; it throws only when the database is lost or cannot even
                // record the failure (a role without privileges). The JSON still comes out, naming the file.
                if (!isConnectionLoss(error)) {
                  out.result(
                    {
                      files: summaries,
                      totals: total(summaries),
                      dryRun: false,
                      error: `${path}: the database could not record this file's outcome (${errorMessage(error)})`,
                    },
                    ''
                  );
                  throw error; // its exit code and message are main's (a missing privilege is configuration: 2)
                }
                // Where it was lost, when the load knows (the row group it was committing).
                const reason =
                  error instanceof LoadError ? error.reason : `lost the database connection (${errorMessage(error)})`;
                const message = `${path}: ${reason}; the row groups committed before it are kept: run the same command again to finish`;
                out.result({ files: summaries, totals: total(summaries), dryRun: false, error: message }, '');
                throw new CliError(message, EXIT.DATABASE_UNAVAILABLE);
              });
              bar.finish();
              summaries.push(summary);
              reportFile(out, summary);
            }
            const totals = total(summaries);
            out.result(
              { files: summaries, totals, dryRun: flags.dryRun === true },
              `${files.length} file(s): ${totals.inserted.toLocaleString('en-US')} rows inserted, ${totals.duplicates} duplicates, ${totals.rejected} rejected, ${totals.failed} failed`
            );
            if (
              missing.length > 0 ||
              skipped.length > 0 ||
              totals.failed > 0 ||
              totals.partial > 0 ||
              totals.rejected > 0
            )
              process.exitCode = EXIT.PARTIAL;
          } finally {
            first?.first.cancel(); // not taken over when the database could not be opened or migrated
            await db?.close();
          }
        },
        { exitCode: EXIT.PARTIAL }
      );
    });
}

/** One file's outcome for people: a failure on stderr always, anything else as an info line. */
export function reportFile(out: Output, summary: FileSummary): void {
  if (summary.status === 'failed') process.stderr.write(`optflow: failed: ${summary.error}\n`);
  else if (summary.error !== null)
    process.stderr.write(`optflow: ${summary.status}: ${summary.error}\n`); // row groups stopped at a failure
  else out.info(describeFile(summary));
}

function describeFile(s: FileSummary): string {
  if (s.status === 'unchanged') return `unchanged ${s.path}`;
  const skipped = s.rowGroupsSkipped > 0 ? `, ${s.rowGroupsSkipped} row groups with nothing new skipped` : '';
  const rate = s.seconds > 0 ? ` (${Math.round(s.rowsRead / s.seconds).toLocaleString('en-US')} rows/s)` : '';
  return `${s.status} ${s.path}: ${s.rowsRead.toLocaleString('en-US')} rows, ${s.inserted.toLocaleString('en-US')} inserted, ${s.duplicates} duplicates, ${s.rejected} rejected, ${s.anomalies} anomalies${skipped} in ${s.seconds.toFixed(1)} s${rate}`;
}

function total(summaries: FileSummary[]) {
  const sum = (key: 'rowsRead' | 'inserted' | 'duplicates' | 'rejected' | 'anomalies') =>
    summaries.reduce((a, s) => a + s[key], 0);
  return {
    files: summaries.length,
    failed: summaries.filter((s) => s.status === 'failed').length,
    /** Files only partly in the database: rejected rows, or row groups stopped at a failed one. */
    partial: summaries.filter((s) => s.status === 'partial').length,
    rowsRead: sum('rowsRead'),
    inserted: sum('inserted'),
    duplicates: sum('duplicates'),
    rejected: sum('rejected'),
    anomalies: sum('anomalies'),
    seconds: summaries.reduce((a, s) => a + s.seconds, 0),
  };
}

/**
 * The files the inputs name: files, directories (their *.parquet, *.json, *.ndjson, *.jsonl) and
 * globs. Only regular files are read: a FIFO or a device named *.parquet would block the load forever.
 */
async function expandInputs(inputs: string[]): Promise<{ files: string[]; missing: string[]; skipped: string[] }> {
  const files = new Set<string>();
  const missing: string[] = [];
  const skipped: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    let found: string[];
    if (info?.isDirectory())
      found = (await readdir(input))
        .filter(isLoadableFileName)
        .sort()
        .map((f) => join(input, f));
    else if (info) found = [input];
    else found = (await glob(input, { nodir: true })).sort();
    if (found.length === 0) missing.push(input);
    for (const f of found) {
      if ((await stat(f).catch(() => null))?.isFile()) files.add(resolve(f));
      else skipped.push(f);
    }
  }
  return { files: [...files], missing, skipped };
}
