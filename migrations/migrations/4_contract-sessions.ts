import type { MigrationBuilder } from 'node-pg-migrate';

/**
 * Where each contract's volume rules stand in each session (New York trading date), written in the
 * same transaction as the quotes: a later file, or the same file after a restart, continues exactly
 * where the stored data ends, whatever the split of the day into files.
 */
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE optflow.contract_sessions (
      contract   text NOT NULL,
      session    date NOT NULL,
      last_time  timestamptz NOT NULL,
      baseline   bigint,
      mark       double precision,
      sign       smallint NOT NULL CHECK (sign IN (-1, 0, 1)),
      PRIMARY KEY (contract, session)
    );
    COMMENT ON TABLE optflow.contract_sessions IS 'Loader state: the volume-rule baseline, last mark and tick sign per contract and session.';
    GRANT SELECT ON optflow.contract_sessions TO optflow_reader;
    GRANT SELECT, INSERT, UPDATE, DELETE ON optflow.contract_sessions TO optflow_writer;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TABLE optflow.contract_sessions');
}
