import type { Command } from 'commander';
import { integerIn } from './options.ts';

/** Where the query API listens: the options `serve` and `start` share. */
export interface ApiFlags {
  host: string;
  port: number;
}

export function addApiOptions(command: Command): Command {
  return command
    .option('--host <address>', 'address the query API listens on', process.env.OPTFLOW_API_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port of the query API (0: any free port)', integerIn(0, 65_535), Number(process.env.OPTFLOW_API_PORT ?? 3100))
    .addHelpText('after', '\nOPTFLOW_API_TOKEN, when set, is the bearer token every API route but /api/health requires.');
}

/** The token from the environment; an empty value means none. */
export function apiToken(): string | undefined {
  return process.env.OPTFLOW_API_TOKEN || undefined;
}
