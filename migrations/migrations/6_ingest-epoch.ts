import type { MigrationBuilder } from 'node-pg-migrate';

/**
 * One row counting the loader's write transactions. Each one increments it first, which holds the
 * row until commit, so writers take turns; and a loader that finds the count one above its own last
 * commit knows nobody else wrote in between, so what it read then (contract-session states) still holds.
 */
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE optflow.ingest_epoch (
      only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      epoch    bigint NOT NULL
    );
    INSERT INTO optflow.ingest_epoch (epoch) VALUES (0);
    COMMENT ON TABLE optflow.ingest_epoch IS 'Loader write transactions so far; each increments it first (writers take turns).';
    GRANT SELECT ON optflow.ingest_epoch TO optflow_reader;
    GRANT SELECT, UPDATE ON optflow.ingest_epoch TO optflow_writer;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TABLE optflow.ingest_epoch');
}
