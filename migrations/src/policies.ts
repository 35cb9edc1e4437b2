/**
 * Refresh windows per aggregate level. Each window ends one bucket before now, so only complete
 * buckets are materialized and the real-time tail stays visible; the start reaches back far enough
 * to pick up late snapshots without making every refresh expensive.
 */
export const FLOW_POLICIES = [
  { view: 'optflow.flow_1m', startOffset: '3 hours', endOffset: '1 minute', schedule: '1 minute' },
  { view: 'optflow.flow_5m', startOffset: '6 hours', endOffset: '5 minutes', schedule: '5 minutes' },
  { view: 'optflow.flow_1h', startOffset: '3 days', endOffset: '1 hour', schedule: '30 minutes' },
  { view: 'optflow.flow_1d', startOffset: '10 days', endOffset: '1 day', schedule: '1 hour' },
] as const;

/** Chunks are a day; by two days later no collector writes into them. */
export const COMPRESS_AFTER = '2 days';

/**
 * Registers each policy unless the view or table has one: on TimescaleDB 2.23 `if_not_exists` does
 * not make a second refresh policy on a hierarchical aggregate a no-op (it fails with "multiple
 * refresh policies are not supported"), so the check is ours and every statement can run again.
 */
export function addPoliciesSql(): string[] {
  const unlessScheduled = (proc: string, relation: string) => {
    const [schema, name] = relation.split('.');
    return (
      `WHERE NOT EXISTS (SELECT 1 FROM timescaledb_information.jobs WHERE proc_name = '${proc}' ` +
      `AND hypertable_schema = '${schema}' AND hypertable_name = '${name}')`
    );
  };
  return [
    ...FLOW_POLICIES.map(
      (p) =>
        `SELECT add_continuous_aggregate_policy('${p.view}', start_offset => INTERVAL '${p.startOffset}', ` +
        `end_offset => INTERVAL '${p.endOffset}', schedule_interval => INTERVAL '${p.schedule}') ` +
        unlessScheduled('policy_refresh_continuous_aggregate', p.view)
    ),
    `SELECT add_compression_policy('optflow.quotes', INTERVAL '${COMPRESS_AFTER}') ${unlessScheduled('policy_compression', 'optflow.quotes')}`,
  ];
}

export function removePoliciesSql(): string[] {
  return [
    `SELECT remove_compression_policy('optflow.quotes', if_exists => true)`,
    ...FLOW_POLICIES.map((p) => `SELECT remove_continuous_aggregate_policy('${p.view}', if_exists => true)`),
  ];
}
