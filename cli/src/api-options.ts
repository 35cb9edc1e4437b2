import type { Command } from 'commander';
import { listenApi } from '@optflow/api';
import type { ApiOptions, ListeningApi } from '@optflow/api';
import { errorMessage, isLoopback } from '@optflow/db';
import type { Database } from '@optflow/db';
import { CliError, EXIT } from './exit-codes.ts';
import { integerIn } from './options.ts';

/** Where the query API listens: the options `serve` and `start` share. */
export interface ApiFlags {
  host: string;
  port: number;
}

export function addApiOptions(command: Command): Command {
  return command
    .option('--host <address>', 'address the query API listens on', process.env.OPTFLOW_API_HOST ?? '127.0.0.1')
    .option(
      '--port <port>',
      'port of the query API (0: any free port)',
      integerIn(0, 65_535),
      Number(process.env.OPTFLOW_API_PORT ?? 3100)
    )
    .addHelpText(
      'after',
      '\nOPTFLOW_API_TOKEN, when set, is the bearer token every API route but /api/health requires.'
    );
}

/** The token from the environment; an empty value means none. */
export function apiToken(): string | undefined {
  return process.env.OPTFLOW_API_TOKEN || undefined;
}

/** Serves the API where the flags say; if it cannot listen, the command fails with exit 2. */
export async function listenApiOrFail(
  db: Database,
  flags: ApiFlags,
  logger: ApiOptions['logger']
): Promise<ListeningApi> {
  try {
    const api = await listenApi({ db, host: flags.host, port: flags.port, token: apiToken(), logger });
    if (!isLoopback(flags.host)) {
      process.stderr.write(
        `optflow: warning: the query API listens on ${flags.host}, reachable from other machines` +
          `${apiToken() ? ' (every route but /api/health needs OPTFLOW_API_TOKEN); plain HTTP, so put TLS in front of it' : ' without a token: anyone who reaches it reads the data; set OPTFLOW_API_TOKEN'}\n`
      );
    }
    return api;
  } catch (error) {
    throw new CliError(`cannot listen on ${flags.host}:${flags.port}: ${errorMessage(error)}`, EXIT.USAGE);
  }
}
