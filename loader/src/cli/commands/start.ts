import type { Command } from 'commander';
import { EmbeddedDatabase, onShutdownSignal, serveSocket } from '@optflow/db';
import type { SocketHandle } from '@optflow/db';
import { migrate } from '@optflow/migrations';
import { configFromEnv, connect, redact } from '../database.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { createOutput } from '../output.ts';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('the main job: start the database (embedded TimescaleDB unless DATABASE_URL is set), apply migrations, and serve the embedded database to psql and Grafana until Ctrl-C')
    .option('--quiet', 'print nothing but errors')
    .action(async (flags: { quiet?: boolean }) => {
      const out = createOutput(flags);
      const config = configFromEnv();
      const db = await connect(config);
      let socket: SocketHandle | undefined;
      onShutdownSignal(async (signal) => {
        out.info(`optflow: ${signal}: stopping`);
        await socket?.stop();
        await db.close();
        out.info('optflow: stopped');
      });
      const ran = await migrate(db, { direction: 'up', log: () => undefined });
      const info = await db.info();
      const engine = info.timescaledb ? `TimescaleDB ${info.timescaledb} on PostgreSQL ${info.serverVersion}` : `PostgreSQL ${info.serverVersion} (no TimescaleDB: plain tables and views)`;
      if (config.kind === 'embedded' && db instanceof EmbeddedDatabase) {
        out.info(`optflow: embedded ${engine}, data in ${config.dataDir}`);
        try {
          socket = await serveSocket(db, config.socket);
        } catch (error) {
          await db.close();
          throw new CliError(error instanceof Error ? error.message : String(error), EXIT.USAGE);
        }
      } else if (config.kind === 'server') {
        out.info(`optflow: ${engine} at ${redact(config.url)}`);
      }
      out.info(`optflow: migrations ${ran.length > 0 ? `applied: ${ran.join(', ')}` : 'up to date'}`);
      if (socket) {
        out.info(`optflow: PostgreSQL socket: ${socket.url}`);
        out.info(`optflow:   psql "${socket.url}" -c 'SELECT * FROM optflow.flow_1m ORDER BY bucket DESC LIMIT 5'`);
        out.info(`optflow:   Grafana PostgreSQL data source: host ${socket.host}:${socket.port}, database postgres, user postgres, password postgres, TLS off, TimescaleDB on`);
      }
      out.info('optflow: ready (Ctrl-C to stop)');
      await new Promise<never>(() => undefined); // runs until a signal
    });
}
