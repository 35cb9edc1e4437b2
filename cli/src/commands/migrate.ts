import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { ConversionError, convertToTimescale, migrate, timescaleStatusOf } from '@optflow/migrations';
import { connect } from '../database.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { integerIn } from '../options.ts';
import { createOutput } from '../output.ts';

interface MigrateFlags {
  count?: number;
  all?: boolean;
  convertToTimescaledb?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply (up) or revert (down) the optflow schema migrations')
    .argument(
      '[direction]',
      'up or down',
      (value: string) => {
        if (value !== 'up' && value !== 'down')
          throw new InvalidArgumentError(`direction must be "up" or "down", got "${value}"`);
        return value;
      },
      'up'
    )
    .option('--count <n>', 'how many migrations to run (default: all pending for up, 1 for down)', integerIn(1, 10_000))
    .option('--all', 'with down: revert every migration (drops the optflow schema and its data)')
    .option(
      '--convert-to-timescaledb',
      'with up: convert a schema created on plain PostgreSQL to TimescaleDB (hypertable, continuous aggregates, policies); locks optflow.quotes while its rows move'
    )
    .option('--json', 'print a JSON summary')
    .option('--quiet', 'print nothing but errors')
    .action(async (direction: 'up' | 'down', flags: MigrateFlags) => {
      const out = createOutput(flags);
      const db = await connect();
      try {
        const info = await db.info();
        const count = flags.count ?? (direction === 'down' && !flags.all ? 1 : Infinity);
        const ran = await migrate(db, {
          direction,
          count,
          log: out.info,
          notice: flags.convertToTimescaledb ? undefined : out.warn,
        });
        let converted: number | null = null;
        if (flags.convertToTimescaledb) {
          if (direction !== 'up') throw new CliError('--convert-to-timescaledb goes with up', EXIT.USAGE);
          out.info('optflow: converting optflow.quotes to a hypertable and the flow views to continuous aggregates');
          converted = await convertToTimescale(db).then(
            (r) => r.rows,
            (error: unknown) => {
              throw error instanceof ConversionError ? new CliError(error.message, EXIT.USAGE) : error;
            }
          );
        }
        const after = await db.info();
        const status = await timescaleStatusOf(db);
        const human = [
          ran.length === 0 ? 'nothing to migrate' : `${direction === 'up' ? 'applied' : 'reverted'}: ${ran.join(', ')}`,
          ...(converted === null
            ? []
            : [
                `converted to TimescaleDB ${after.timescaledb ?? ''}: ${converted.toLocaleString('en-US')} quote rows in the hypertable`,
              ]),
        ].join('\n');
        out.result(
          {
            direction,
            migrations: ran,
            backend: info.backend,
            timescaledb: after.timescaledb,
            timescaledbStatus: status,
            convertedRows: converted,
          },
          human
        );
      } finally {
        await db.close();
      }
    });
}
