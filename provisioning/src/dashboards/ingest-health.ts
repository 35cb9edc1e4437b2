import type { Dashboard, FieldConfigSource } from '@grafana/schema';
import { DASHBOARD_UIDS, POSTGRES, TIMESERIES_DEFAULTS, dashboard, panel, sqlTarget, type Grid } from './common.ts';

/** The minute of a timestamp column, the same bucket boundaries as the flow aggregates. */
const perMinute = (column: string) => `date_bin(INTERVAL '1 minute', ${column}, TIMESTAMPTZ '2000-01-03 00:00:00+00')`;

/** A panel of one SQL query on the PostgreSQL data source: a time series (with its field config) or a table. */
function sqlPanel(id: number, title: string, gridPos: Grid, rawSql: string, fieldConfig?: FieldConfigSource) {
  return panel(id, title, fieldConfig ? 'timeseries' : 'table', gridPos, {
    datasource: POSTGRES,
    targets: [sqlTarget('A', rawSql, fieldConfig ? 'time_series' : 'table')],
    ...(fieldConfig ? { fieldConfig } : {}),
  });
}

const series = (unit: string, custom: Record<string, unknown> = {}): FieldConfigSource => ({
  defaults: { ...TIMESERIES_DEFAULTS, unit, custom: { ...TIMESERIES_DEFAULTS.custom, ...custom } },
  overrides: [],
});

export const ingestHealth: Dashboard = dashboard({
  uid: DASHBOARD_UIDS.ingest,
  title: 'Ingest health',
  description:
    "What the loader did: rows per minute, lag from snapshot to commit, rejected rows and files that did not load cleanly (SQL on optflow's bookkeeping tables).",
  time: { from: 'now-24h', to: 'now' },
  variables: [],
  panels: [
    sqlPanel(
      1,
      'Rows loaded per minute',
      { x: 0, y: 0, w: 12, h: 8 },
      `SELECT ${perMinute('quote_time')} AS time, underlying AS metric, sum(rows) AS rows
FROM optflow.snapshots
WHERE $__timeFilter(quote_time)
GROUP BY 1, 2
ORDER BY 1`,
      series('short')
    ),
    sqlPanel(
      2,
      'Lag from snapshot to commit',
      { x: 12, y: 0, w: 12, h: 8 },
      `SELECT ${perMinute('quote_time')} AS time, underlying AS metric, max(extract(epoch FROM loaded_at - quote_time))::float8 AS lag
FROM optflow.snapshots
WHERE $__timeFilter(quote_time)
GROUP BY 1, 2
ORDER BY 1`,
      series('s')
    ),
    sqlPanel(
      3,
      'Newest snapshot per underlying',
      { x: 0, y: 8, w: 12, h: 6 },
      `SELECT underlying, max(quote_time) AS "newest snapshot", extract(epoch FROM now() - max(quote_time))::float8 AS "age (s)", max(loaded_at) AS "last commit"
FROM optflow.snapshots
GROUP BY underlying
ORDER BY underlying`
    ),
    sqlPanel(
      4,
      'Rejected rows per minute',
      { x: 12, y: 8, w: 12, h: 6 },
      `SELECT ${perMinute('rejected_at')} AS time, count(*)::float8 AS rejected
FROM optflow.rejected_rows
WHERE $__timeFilter(rejected_at)
GROUP BY 1
ORDER BY 1`,
      series('short', { drawStyle: 'bars', fillOpacity: 80 })
    ),
    sqlPanel(
      5,
      'Files that did not load cleanly',
      { x: 0, y: 14, w: 24, h: 8 },
      `SELECT updated_at AS time, path, status, rows_read, rows_inserted, duplicates, rejected, anomalies, error
FROM optflow.files
WHERE status <> 'loaded' OR rejected > 0 OR anomalies > 0
ORDER BY updated_at DESC
LIMIT 100`
    ),
    sqlPanel(
      6,
      'Latest rejected rows',
      { x: 0, y: 22, w: 24, h: 8 },
      `SELECT r.rejected_at AS time, f.path, r.row_number, r.reason
FROM optflow.rejected_rows r JOIN optflow.files f ON f.id = r.file_id
WHERE $__timeFilter(r.rejected_at)
ORDER BY r.rejected_at DESC
LIMIT 100`
    ),
  ],
});
