import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerLoad } from './commands/load.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerSample } from './commands/sample.ts';
import { registerServe } from './commands/serve.ts';
import { registerStart } from './commands/start.ts';
import { registerWatch } from './commands/watch.ts';
import { errorMessage, isConnectionLoss } from '@optflow/db';
import { CliError, EXIT } from './exit-codes.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command('optflow')
    .description('Intraday options-flow analytics: option-chain Parquet snapshots into TimescaleDB.')
    .version(version)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Database: DATABASE_URL selects a PostgreSQL/TimescaleDB server; without it optflow runs TimescaleDB
embedded, stored under OPTFLOW_HOME (default ./.optflow) and served on OPTFLOW_PG_HOST:OPTFLOW_PG_PORT
(default 127.0.0.1:5433).

Exit codes: 0 success; 1 some input failed or had rejected rows; 2 usage or configuration error;
3 database unavailable.`
    );
  registerStart(program);
  registerLoad(program);
  registerWatch(program);
  registerMigrate(program);
  registerSample(program);
  registerServe(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // A reader that stops early (`optflow … | head`) closes our stdout: stop quietly, as Unix tools do
  // (a load stopped this way leaves nothing half-written; the next run continues it).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? EXIT.OK);
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed the message (or the help/version text).
    return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  if (error instanceof CliError) {
    process.stderr.write(`optflow: ${error.message}\n`);
    return error.exitCode;
  }
  const message = errorMessage(error);
  if ((error as { code?: unknown }).code === '42501') {
    // The role in DATABASE_URL lacks a privilege: a configuration matter, said without a stack.
    process.stderr.write(
      `optflow: ${message} (the database role lacks this privilege: migrate needs the schema's owner, load and watch optflow_writer's; load and watch take --no-migrate)\n`
    );
    return EXIT.USAGE;
  }
  process.stderr.write(`optflow: ${message}\n`);
  if (process.env.OPTFLOW_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return isConnectionLoss(error) ? EXIT.DATABASE_UNAVAILABLE : EXIT.PARTIAL;
}
