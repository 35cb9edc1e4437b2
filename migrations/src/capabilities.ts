/** What the database we migrate can do; decides hypertable vs table, continuous aggregate vs view. */
export interface Capabilities {
  /** TimescaleDB is installed in this database. */
  timescaledb: boolean;
  /** The embedded WebAssembly build: no background workers, so no policies. */
  embedded: boolean;
}

interface Selector {
  select(sql: string): Promise<Array<Record<string, unknown>>>;
}

export async function detectCapabilities(db: Selector): Promise<Capabilities> {
  const [row] = await db.select(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS timescaledb,
            version() ILIKE '%emscripten%' AS embedded`,
  );
  return { timescaledb: row?.timescaledb === true, embedded: row?.embedded === true };
}
