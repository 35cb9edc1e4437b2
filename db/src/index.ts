export { databaseConfigFromEnv, DEFAULT_SOCKET_PORT } from './config.ts';
export type { DatabaseConfig } from './config.ts';
export { BinaryCopyWriter, leadingFieldOffset, setInt64, trailingFieldOffset } from './copy-writer.ts';
export type { CopyColumn, CopyType, CopyValue } from './copy-writer.ts';
export { TIMESCALEDB_PRELOADED_SQL } from './database.ts';
export type { Backend, Database, DatabaseInfo, QueryResult, Session, SessionStats } from './database.ts';
export { EmbeddedDatabase } from './embedded.ts';
export { isConnectionLoss } from './errors.ts';
// Re-exported: most callers of the database layer report errors too.
export { errorMessage } from '@optflow/contract';
export { quoteIdent, quoteQualified } from './identifiers.ts';
export { openDatabase } from './open.ts';
export { ServerDatabase } from './server.ts';
export { isLoopback, serveSocket, SOCKET_ROLES } from './socket.ts';
export type { SocketHandle, SocketOptions, SocketRole } from './socket.ts';
