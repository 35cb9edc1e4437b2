import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ListeningApi } from '@optflow/api';
import { EmbeddedDatabase, errorMessage, isLoopback, serveSocket, SOCKET_ROLES } from '@optflow/db';
import type { SocketHandle, SocketRole } from '@optflow/db';
import { Option } from 'commander';
import { migrate } from '@optflow/migrations';
import { DEFAULT_SAMPLE, sampleFileName, watchDirectory, writeSampleDay } from '@optflow/loader';
import { addApiOptions, apiToken, listenApiOrFail } from '../api-options.ts';
import type { ApiFlags } from '../api-options.ts';
import { configFromEnv, connect, redact } from '../database.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { runUntilSignal, untilAborted } from '../lifecycle.ts';
import { addReadOptions, loadOptionsFrom } from '../load-options.ts';
import type { ReadFlags } from '../load-options.ts';
import { integerIn } from '../options.ts';
import { createOutput } from '../output.ts';
import { reportFile } from './load.ts';

interface StartFlags extends ApiFlags, ReadFlags {
  data: string;
  demo?: boolean;
  poll: number;
  quiet?: boolean;
  socketRole: SocketRole;
}

export function registerStart(program: Command): void {
  addReadOptions(
    addApiOptions(
      program
        .command('start')
        .description(
          'the main job, in one process: start the database (embedded TimescaleDB unless DATABASE_URL is set), apply migrations, load and keep watching the data directory, serve the query API and (embedded) the PostgreSQL socket, until Ctrl-C'
        )
    )
  )
    .option('--data <dir>', 'directory the collectors write Parquet files to', 'data')
    .option('--demo', 'when the data directory has no Parquet files, first write a sample trading day there')
    .option('--poll <ms>', 'milliseconds between looks at the data directory', integerIn(50, 60_000), 250)
    .addOption(
      new Option(
        '--socket-role <role>',
        "who clients of the embedded database's PostgreSQL socket are: optflow_reader (read-only), optflow_writer (may change optflow's rows) or the superuser"
      )
        .choices(SOCKET_ROLES)
        .default('reader')
    )
    .option('--quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      "\nOPTFLOW_PG_HOST, OPTFLOW_PG_PORT: where the embedded database's socket listens (127.0.0.1:5433); OPTFLOW_PG_PASSWORD: the password its clients must give (required for a non-loopback host)."
    )
    .action(async (flags: StartFlags) => {
      const out = createOutput(flags);
      const read = loadOptionsFrom(flags);
      const config = configFromEnv();
      const dataDir = resolve(flags.data);
      await mkdir(dataDir, { recursive: true });
      const db = await connect(config);
      // From here on Ctrl-C may come at any point: each step that takes long is followed by a look
      // at `stop`, and whatever started is stopped in reverse order.
      await runUntilSignal(
        async (stop) => {
          let socket: SocketHandle | undefined;
          let api: ListeningApi | undefined;
          try {
            const ran = await migrate(db, { direction: 'up', log: () => undefined, notice: out.warn });
            if (stop.aborted) return;
            const info = await db.info();
            const engine = info.timescaledb
              ? `TimescaleDB ${info.timescaledb} on PostgreSQL ${info.serverVersion}`
              : `PostgreSQL ${info.serverVersion} (no TimescaleDB: plain tables and views)`;
            // The live view's URL is the first line printed (what a new user opens): these wait for it.
            const held: string[] = [];
            if (config.kind === 'embedded' && db instanceof EmbeddedDatabase) {
              held.push(`optflow: embedded ${engine}, data in ${config.dataDir}`);
              socket = await serveSocket(db, { ...config.socket, role: flags.socketRole }).catch((error: unknown) => {
                throw new CliError(errorMessage(error), EXIT.USAGE);
              });
            } else if (config.kind === 'server') {
              held.push(`optflow: ${engine} at ${redact(config.url)}`);
            }
            held.push(`optflow: migrations ${ran.length > 0 ? `applied: ${ran.join(', ')}` : 'up to date'}`);

            // Listening before the demo day is written: the page is up at once and shows the day as it loads.
            api = await listenApiOrFail(db, flags, false);
            out.info(`optflow: live view: ${api.url}/ (open it in a browser)`);
            held.forEach((line) => out.info(line));

            if (flags.demo && !(await readdir(dataDir)).some((f) => f.endsWith('.parquet'))) {
              const path = join(dataDir, sampleFileName(DEFAULT_SAMPLE));
              out.info(`optflow: --demo: writing a sample trading day to ${path}`);
              await writeSampleDay(path, DEFAULT_SAMPLE);
            }
            if (stop.aborted) return;

            out.info(`optflow: query API: ${api.url}/api (OpenAPI ${api.url}/api/openapi.json)`);
            out.info(
              `optflow:   Grafana optflow data source: URL ${api.url}${apiToken() ? ', with the bearer token from OPTFLOW_API_TOKEN' : ''}`
            );
            if (socket) {
              const configured = config.kind === 'embedded' && config.socket.password !== undefined;
              const shown = configured ? redact(socket.url) : socket.url;
              const password = configured ? 'the one in OPTFLOW_PG_PASSWORD' : 'any';
              out.info(
                `optflow: PostgreSQL socket: ${shown} (clients are ${flags.socketRole === 'superuser' ? 'the superuser' : `optflow_${flags.socketRole}`}; see --socket-role)`
              );
              out.info(`optflow:   psql "${shown}" -c 'SELECT * FROM optflow.flow_1m ORDER BY bucket DESC LIMIT 5'`);
              out.info(
                `optflow:   Grafana PostgreSQL data source: host ${socket.host}:${socket.port}, database postgres, user ${new URL(socket.url).username}, password ${password}, TLS off, TimescaleDB on`
              );
              if (!isLoopback(socket.host)) {
                out.warn(
                  `optflow: warning: the PostgreSQL socket listens on ${socket.host}, reachable from other machines: anyone with the password reads optflow's data, unencrypted (no TLS)`
                );
              }
            }
            out.info(`optflow: loading and watching ${dataDir} (Ctrl-C to stop)`);
            out.info('optflow: ready');
            await watchDirectory(db, dataDir, {
              ...read,
              pollMs: flags.poll,
              signal: stop,
              onLoad: (summary) => reportFile(out, summary),
              onError: (message) => process.stderr.write(`optflow: ${message}\n`),
            });
            await untilAborted(stop);
          } finally {
            await api?.close();
            await socket?.stop();
            await db.close();
            if (stop.aborted) out.info('optflow: stopped');
          }
        },
        {
          onSignal: (signal) =>
            out.info(`optflow: ${signal}: stopping (the load in progress finishes its transaction)`),
        }
      );
    });
}
