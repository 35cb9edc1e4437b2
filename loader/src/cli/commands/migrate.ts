import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { migrate } from '@optflow/migrations';
import { connect } from '../database.ts';
import { integerIn } from '../options.ts';
import { createOutput } from '../output.ts';

interface MigrateFlags {
  count?: number;
  all?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply (up) or revert (down) the optflow schema migrations')
    .argument('[direction]', 'up or down', (value: string) => {
      if (value !== 'up' && value !== 'down') throw new InvalidArgumentError(`direction must be "up" or "down", got "${value}"`);
      return value;
    }, 'up')
    .option('--count <n>', 'how many migrations to run (default: all pending for up, 1 for down)', integerIn(1, 10_000))
    .option('--all', 'with down: revert every migration (drops the optflow schema and its data)')
    .option('--json', 'print a JSON summary')
    .option('--quiet', 'print nothing but errors')
    .action(async (direction: 'up' | 'down', flags: MigrateFlags) => {
      const out = createOutput(flags);
      const db = await connect();
      try {
        const info = await db.info();
        const count = flags.count ?? (direction === 'down' && !flags.all ? 1 : Infinity);
        const ran = await migrate(db, { direction, count, log: out.info });
        const after = await db.info();
        out.result(
          { direction, migrations: ran, backend: info.backend, timescaledb: after.timescaledb },
          ran.length === 0 ? 'nothing to migrate' : `${direction === 'up' ? 'applied' : 'reverted'}: ${ran.join(', ')}`,
        );
      } finally {
        await db.close();
      }
    });
}
