import type { MigrationBuilder } from 'node-pg-migrate';

/**
 * The secret the query API signs its cursors with (HMAC-SHA256): one per database, so a cursor is
 * accepted by every API process on this database, across restarts, and by none elsewhere. It is
 * made in the database (never passed through, or logged by, the migrator) from two
 * gen_random_uuid() (pg_strong_random, 244 random bits). Only the owner, the role migrations and
 * the API connect as, may read it: optflow_reader is Grafana's SQL data source and the embedded
 * socket's default role, and whoever reads the secret could forge cursors.
 */
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE optflow.api_secret (
      only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      secret   bytea NOT NULL CHECK (length(secret) = 32)
    );
    REVOKE ALL ON optflow.api_secret FROM PUBLIC, optflow_reader, optflow_writer;
    INSERT INTO optflow.api_secret (secret) VALUES (sha256((gen_random_uuid()::text || gen_random_uuid()::text)::bytea));
    COMMENT ON TABLE optflow.api_secret IS 'Key of the query API''s cursor signatures; readable by the owner only.';
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TABLE optflow.api_secret');
}
