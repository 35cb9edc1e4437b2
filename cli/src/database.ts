import { databaseConfigFromEnv, errorMessage, openDatabase } from '@optflow/db';
import type { Database, DatabaseConfig } from '@optflow/db';
import { CliError, EXIT } from './exit-codes.ts';

/** The configured database, or a CliError with exit code 3 that says which database and why. */
export async function connect(config: DatabaseConfig = configFromEnv()): Promise<Database> {
  try {
    return await openDatabase(config);
  } catch (error) {
    const where = config.kind === 'server' ? redact(config.url) : `embedded database in ${config.dataDir}`;
    const reason = errorMessage(error);
    throw new CliError(`cannot open ${where}: ${reason}`, EXIT.DATABASE_UNAVAILABLE);
  }
}

export function configFromEnv(): DatabaseConfig {
  try {
    return databaseConfigFromEnv();
  } catch (error) {
    throw new CliError(errorMessage(error), EXIT.USAGE);
  }
}

/** A connection URL with its password hidden, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
