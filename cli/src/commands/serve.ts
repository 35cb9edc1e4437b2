import type { Command } from 'commander';
import { addApiOptions, listenApiOrFail } from '../api-options.ts';
import type { ApiFlags } from '../api-options.ts';
import { connect } from '../database.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { runUntilSignal, untilAborted } from '../lifecycle.ts';

export function registerServe(program: Command): void {
  addApiOptions(
    program
      .command('serve')
      .description(
        'serve the query API (incremental flow queries with long-poll) over the database, until Ctrl-C; request logs are JSON lines on stderr'
      )
  )
    .option('--quiet', 'no request logs')
    .action(async (flags: ApiFlags & { quiet?: boolean }) => {
      const db = await connect();
      await runUntilSignal(async (stop) => {
        try {
          const { rows } = await db.query<{ ready: boolean }>(
            `SELECT to_regclass('optflow.snapshots') IS NOT NULL AS ready`
          );
          if (!rows[0]?.ready)
            throw new CliError(
              'the optflow schema is missing: run "optflow migrate" (or "optflow start") first',
              EXIT.USAGE
            );
          const api = await listenApiOrFail(db, flags, flags.quiet ? false : { level: 'info', stream: process.stderr });
          try {
            process.stdout.write(
              `optflow: live view: ${api.url}/ (open it in a browser)\noptflow: query API at ${api.url}/api (OpenAPI: ${api.url}/api/openapi.json)\n`
            );
            await untilAborted(stop);
          } finally {
            await api.close();
          }
        } finally {
          await db.close();
        }
      });
    });
}
