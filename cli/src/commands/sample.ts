import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_SAMPLE, sampleFileName, snapshotTimes, writeSampleDay } from '@optflow/loader';
import { integerIn, isoDate, symbolName } from '../options.ts';
import { createOutput } from '../output.ts';
import { ProgressBar } from '../progress.ts';

interface SampleFlags {
  underlying: string;
  date: string;
  expirations: number;
  strikes: number;
  interval: number;
  rowGroupSnapshots: number;
  seed: number;
  out: string;
  json?: boolean;
  quiet?: boolean;
}

export function registerSample(program: Command): void {
  const d = DEFAULT_SAMPLE;
  program
    .command('sample')
    .description('write a realistic synthetic trading day as Parquet, in the TD Ameritrade collector layout')
    .option('--underlying <symbol>', 'underlying symbol', symbolName, d.underlying)
    .option('--date <YYYY-MM-DD>', 'trading date (New York)', isoDate, d.date)
    .option(
      '--expirations <n>',
      'expirations: the day itself (0DTE) and the following weekdays',
      integerIn(1, 60),
      d.expirations
    )
    .option('--strikes <n>', 'strikes per expiration, each with a call and a put', integerIn(1, 2000), d.strikes)
    .option(
      '--interval <seconds>',
      'seconds between snapshots, 09:30-16:00 New York',
      integerIn(1, 23_400),
      d.intervalSeconds
    )
    .option(
      '--row-group-snapshots <n>',
      'snapshots per Parquet row group',
      integerIn(1, 100_000),
      d.snapshotsPerRowGroup
    )
    .option('--seed <n>', 'random seed: the same seed writes the same file', integerIn(0, 2 ** 32 - 1), d.seed)
    .option('--out <path>', 'output file, or a directory for <UNDERLYING>.X.<date>.parquet', 'data')
    .option('--json', 'print a JSON summary')
    .option('--quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      '\nThe default day is SPX, 5 expirations x 250 strikes x 2 sides = 2,500 contracts x 391 snapshots (~1M rows).'
    )
    .action(async (flags: SampleFlags) => {
      const out = createOutput(flags);
      const options = {
        underlying: flags.underlying,
        date: flags.date,
        expirations: flags.expirations,
        strikes: flags.strikes,
        intervalSeconds: flags.interval,
        snapshotsPerRowGroup: flags.rowGroupSnapshots,
        seed: flags.seed,
      };
      const path = await outputPath(flags.out, sampleFileName(options));
      const expectedRows = options.expirations * options.strikes * 2 * snapshotTimes(options).length;
      const bar = new ProgressBar(`sample ${path}`, expectedRows, 'rows', !out.quiet && process.stderr.isTTY === true);
      const summary = await writeSampleDay(path, options, (rows) => bar.update(rows));
      bar.finish();
      out.result(
        { ...summary, options },
        `wrote ${summary.rows.toLocaleString('en-US')} rows (${summary.contracts} contracts x ${summary.snapshots} snapshots, ${summary.rowGroups} row groups) to ${summary.path}`
      );
    });
}

/** A directory (existing, or named without .parquet) gets the collector's file name inside it. */
async function outputPath(out: string, fileName: string): Promise<string> {
  const target = resolve(out);
  const isDirectory = await stat(target).then(
    (s) => s.isDirectory(),
    () => !target.endsWith('.parquet')
  );
  if (!isDirectory) return target;
  await mkdir(target, { recursive: true });
  return join(target, fileName);
}
