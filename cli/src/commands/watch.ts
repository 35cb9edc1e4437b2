import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { migrate } from '@optflow/migrations';
import { watchDirectory } from '@optflow/loader';
import { connect } from '../database.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { runUntilSignal } from '../lifecycle.ts';
import { integerIn } from '../options.ts';
import { addReadOptions, loadOptionsFrom } from '../load-options.ts';
import type { ReadFlags } from '../load-options.ts';
import { createOutput } from '../output.ts';
import { reportFile } from './load.ts';

interface WatchFlags extends ReadFlags {
  poll: number;
  json?: boolean;
  quiet?: boolean;
  migrate: boolean;
}

export function registerWatch(program: Command): void {
  addReadOptions(
    program
      .command('watch')
      .description(
        'load a directory continuously: new and rewritten Parquet files are loaded once their writer has finished (SIGTERM finishes the current transaction and exits 0)'
      )
      .argument('<dir>', 'directory the collectors write to')
  )
    .option('--poll <ms>', 'milliseconds between looks at the directory', integerIn(50, 60_000), 250)
    .option('--json', 'print one JSON line per file load')
    .option('--quiet', 'print nothing but errors')
    .option('--no-migrate', 'do not apply pending migrations first')
    .action(async (dir: string, flags: WatchFlags) => {
      const out = createOutput(flags);
      const read = loadOptionsFrom(flags);
      if (
        !(await stat(dir).then(
          (s) => s.isDirectory(),
          () => false
        ))
      )
        throw new CliError(`${dir}: not a directory`, EXIT.USAGE);
      const db = await connect();
      await runUntilSignal(async (stop) => {
        try {
          if (flags.migrate) await migrate(db, { direction: 'up', notice: out.warn });
          out.info(`optflow: watching ${dir} (Ctrl-C to stop)`);
          await watchDirectory(db, dir, {
            ...read,
            pollMs: flags.poll,
            signal: stop,
            onLoad: (summary) => {
              if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
              else reportFile(out, summary);
            },
            onError: (message) => process.stderr.write(`optflow: ${message}\n`),
          });
          out.info('optflow: stopped');
        } finally {
          await db.close();
        }
      });
    });
}
