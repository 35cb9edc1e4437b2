import { stat } from 'node:fs/promises';
import { Option } from 'commander';
import type { Command } from 'commander';
import { migrate } from '@optflow/migrations';
import { parseMapOverrides } from '../../contracts/column-map.ts';
import { watchDirectory } from '../../load/watch.ts';
import { assertTimeZone } from '../../zoned-time.ts';
import { connect } from '../database.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { integerIn, symbolName } from '../options.ts';
import { createOutput } from '../output.ts';
import { describeFile } from './load.ts';

interface WatchFlags {
  timezone: string;
  underlying?: string;
  map: string[];
  poll: number;
  json?: boolean;
  quiet?: boolean;
  migrate: boolean;
}

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description('load a directory continuously: new and rewritten Parquet files are loaded once their writer has finished (SIGTERM finishes the current transaction and exits 0)')
    .argument('<dir>', 'directory the collectors write to')
    .option('--timezone <zone>', 'time zone of naive timestamps (IANA name)', 'America/New_York')
    .option('--underlying <symbol>', 'underlying for every row (else: the row, the file name, the option root)', symbolName)
    .addOption(new Option('--map <field=column>', 'read a field from a named column (repeatable)').argParser((v: string, prev: string[]) => [...prev, v]).default([]))
    .option('--poll <ms>', 'milliseconds between looks at the directory', integerIn(50, 60_000), 250)
    .option('--json', 'print one JSON line per file load')
    .option('--quiet', 'print nothing but errors')
    .option('--no-migrate', 'do not apply pending migrations first')
    .action(async (dir: string, flags: WatchFlags) => {
      const out = createOutput(flags);
      let overrides;
      try {
        assertTimeZone(flags.timezone);
        overrides = parseMapOverrides(flags.map);
      } catch (error) {
        throw new CliError(error instanceof Error ? error.message : String(error), EXIT.USAGE);
      }
      if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) throw new CliError(`${dir}: not a directory`, EXIT.USAGE);
      const db = await connect();
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        if (flags.migrate) await migrate(db, { direction: 'up' });
        out.info(`optflow: watching ${dir} (Ctrl-C to stop)`);
        await watchDirectory(db, dir, {
          timeZone: flags.timezone,
          underlying: flags.underlying,
          overrides,
          pollMs: flags.poll,
          signal: stop.signal,
          onLoad: (summary) => {
            if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
            else if (summary.status === 'failed') process.stderr.write(`optflow: failed: ${summary.error}\n`);
            else out.info(describeFile(summary));
          },
          onError: (message) => process.stderr.write(`optflow: ${message}\n`),
        });
        out.info('optflow: stopped');
      } finally {
        await db.close();
      }
    });
}
