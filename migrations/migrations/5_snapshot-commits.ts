import type { MigrationBuilder } from 'node-pg-migrate';

/**
 * Which transaction last wrote each snapshot. The API's incremental answers use it to notice a
 * backfill: a snapshot older than a client's cursor, written by a transaction the cursor's database
 * snapshot did not see, means the history that client holds is stale (the answer then says reset
 * and carries the full range). Transaction ids, unlike clock times, have no commit-time race.
 */
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE optflow.snapshots ADD COLUMN committed_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
    CREATE INDEX snapshots_underlying_xid ON optflow.snapshots (underlying, committed_xid);
    COMMENT ON COLUMN optflow.snapshots.committed_xid IS 'Transaction that last wrote rows of this snapshot (see pg_visible_in_snapshot).';
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('ALTER TABLE optflow.snapshots DROP COLUMN committed_xid');
}
