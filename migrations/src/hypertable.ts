// optflow.quotes as a hypertable: by migration 1 on a fresh database, and by the conversion of a
// database whose schema was created on plain PostgreSQL (its rows are moved into chunks).

/** A large chain (SPX, ~2,500 contracts a minute) is ~1M rows a day: one chunk per day. */
export function hypertableSql(options: { migrateData: boolean } = { migrateData: false }): string {
  return `
    SELECT create_hypertable('optflow.quotes', by_range('quote_time', INTERVAL '1 day')${options.migrateData ? ', migrate_data => true' : ''});
    ALTER TABLE optflow.quotes SET (
      timescaledb.compress,
      timescaledb.compress_segmentby = 'underlying',
      timescaledb.compress_orderby = 'contract, quote_time'
    );`;
}
