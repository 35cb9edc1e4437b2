// Every SQL query of the provisioned dashboards and alert rules, with Grafana's macros expanded,
// runs as optflow_reader against the real schema (embedded TimescaleDB, or the server of
// OPTFLOW_TEST_DATABASE_URL: PostgreSQL without TimescaleDB too) holding a loaded sample day of two
// underlyings, and returns the frame shape Grafana expects; each alert rule's series are told apart
// by their labels, as Grafana alerting requires.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database, Session } from '@optflow/db';
import { testBackend } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import type { SqlColumn } from '../src/grafana-sql.ts';
import { DEFAULT_SAMPLE, loadFile, sampleDay, writeSampleBatches } from '@optflow/loader';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { policyGroupBy, renderedRules } from './support/alert-rules.ts';
import type { AlertRule } from './support/alert-rules.ts';
import { DASHBOARDS } from '../src/dashboards/index.ts';
import { checkAlertInstances, expandGrafanaSql, grafanaTimeSeries } from '../src/grafana-sql.ts';

const FROM = Date.parse('2023-05-19T13:30:00Z');
const TO = Date.parse('2023-05-19T20:00:00Z');
/** The alert rules' clock: half a minute into 15:00 UTC, after the loaded snapshots' last minute (14:59). */
const CLOCK = `'2023-05-19T15:00:30Z'::timestamptz`;

interface SqlQuery {
  where: string;
  sql: string;
  format: string;
  /** Queries over the loaded day must find rows (bookkeeping of failures may be empty). */
  expectRows: boolean;
}

const dashboardQueries: SqlQuery[] = Object.entries(DASHBOARDS).flatMap(([name, d]) =>
  (d.panels ?? []).flatMap((panel) =>
    ((panel as { targets?: Array<{ rawSql?: string; format?: string; refId: string }> }).targets ?? [])
      .filter((t) => t.rawSql !== undefined)
      .map((t) => ({
        where: `${name} / ${panel.title} / ${t.refId}`,
        sql: expandGrafanaSql(t.rawSql!, { from: FROM, to: TO, variables: { underlying: 'SPX' } }),
        format: t.format ?? 'time_series',
        expectRows: !/rejected|did not load/i.test(panel.title ?? ''),
      }))
  )
);

const rules = renderedRules();
const alertQueries: Array<SqlQuery & { rule: AlertRule }> = rules.map((r) => ({
  rule: r,
  where: `alert ${r.uid}`,
  sql: r.data[0]!.model.rawSql!.replaceAll('now()', CLOCK),
  format: r.data[0]!.model.format!,
  expectRows: true,
}));

const UNDERLYINGS = ['SPX', 'NDX'];
const NUMERIC = new Set(['double precision', 'bigint', 'integer', 'numeric', 'real', 'smallint']);

/** Runs `sql` as optflow_reader and returns its columns (name, type) and rows. */
async function asReader(
  s: Session,
  sql: string
): Promise<{ columns: SqlColumn[]; rows: Array<Record<string, unknown>> }> {
  await s.query('BEGIN');
  try {
    await s.query(`SET LOCAL ROLE optflow_reader`);
    await s.query(`CREATE TEMP VIEW grafana_probe AS ${sql}`);
    const { rows: columns } = await s.query<{ name: string; type: string }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'grafana_probe'::regclass AND attnum > 0 ORDER BY attnum`
    );
    const { rows } = await s.query<Record<string, unknown>>(`SELECT * FROM grafana_probe`);
    return { columns, rows };
  } finally {
    await s.query('ROLLBACK');
  }
}

const backend = await testBackend();

describe(`provisioned SQL (${backend})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'optflow-provisioning-'));
  let t: TestDatabase;
  let db: Database;
  before(async () => {
    t = await openMigratedTestDatabase();
    db = t.db;
    // Two underlyings: alert rules return one series per underlying, which Grafana must tell apart.
    for (const underlying of UNDERLYINGS) {
      const day = [
        ...sampleDay({ ...DEFAULT_SAMPLE, underlying, strikes: 6, expirations: 2, snapshotsPerRowGroup: 30, seed: 5 }),
      ].slice(0, 3);
      const { path } = writeSampleBatches(join(dir, `${underlying}.X.2023-05-19.parquet`), day);
      assert.equal((await loadFile(db, path, { timeZone: 'America/New_York', overrides: {} })).status, 'loaded');
    }
  });
  after(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the dashboards and alert rules have SQL to check', () => {
    assert.equal(dashboardQueries.length, 8); // the spot on two flow panels, six ingest-health panels
    assert.equal(alertQueries.length, 3);
  });

  for (const q of [...dashboardQueries, ...alertQueries]) {
    test(`${q.where}: runs as optflow_reader; ${q.format === 'time_series' ? 'a time column and numeric values' : 'a table'}`, async () => {
      const { columns, rows } = await db.withSession((s) => asReader(s, q.sql));
      if (q.format === 'time_series') {
        assert.deepEqual(columns[0], { name: 'time', type: 'timestamp with time zone' }, q.where);
        const [labels, values] = [
          columns.slice(1).filter((c) => c.type === 'text'),
          columns.slice(1).filter((c) => c.type !== 'text'),
        ];
        assert.ok(
          values.length > 0 && values.every((c) => NUMERIC.has(c.type)),
          `${q.where}: numeric values, got ${JSON.stringify(columns)}`
        );
        if (q.where.startsWith('alert ')) {
          // Grafana makes a string column named metric the series' name, not a label (grafanaTimeSeries);
          // alert instances are told apart by labels only. In a panel, metric naming the series is the point.
          assert.ok(
            labels.length > 0 && labels.every((c) => c.name !== 'metric'),
            `${q.where}: a label column, not named metric, got ${JSON.stringify(columns)}`
          );
        }
      }
      if (q.expectRows) assert.ok(rows.length > 0, `${q.where}: rows over the loaded day`);
    });
  }

  for (const q of alertQueries) {
    test(`${q.where}: one series per underlying, labelled by it, told apart as Grafana alerting requires; annotations and the policy use that label`, async () => {
      const { columns, rows } = await db.withSession((s) => asReader(s, q.sql));
      const series = grafanaTimeSeries(columns, rows);
      checkAlertInstances(series);
      assert.deepEqual(
        series.map((s) => s.labels).sort((a, b) => String(a.underlying).localeCompare(String(b.underlying))),
        UNDERLYINGS.toSorted().map((underlying) => ({ underlying }))
      );
      // An instance's labels: the rule's own and its series'; a label it lacks renders empty / groups nothing.
      for (const s of series) {
        const labels = new Set(['alertname', ...Object.keys(q.rule.labels ?? {}), ...Object.keys(s.labels)]);
        for (const [, name] of Object.values(q.rule.annotations)
          .join('\n')
          .matchAll(/index \.Labels "(\w+)"/g))
          assert.ok(labels.has(name!), `${q.where}: annotation label ${name}`);
        for (const name of policyGroupBy()) assert.ok(labels.has(name), `${q.where}: policy group_by ${name}`);
      }
    });
  }

  test('alert: net volume in the last complete minute over its threshold equals the quotes of that minute / 5000 (the SPX default)', async () => {
    const { rows } = await db.withSession((s) => asReader(s, alertQueries[0]!.sql));
    const last = rows.filter((r) => r.underlying === 'SPX').at(-1)!;
    assert.equal((last.time as Date).toISOString(), '2023-05-19T14:59:00.000Z');
    const { rows: direct } = await db.query<{ net: number }>(
      `SELECT sum(CASE WHEN put_call = 'C' THEN volume ELSE -volume END)::float8 AS net FROM optflow.quotes
       WHERE underlying = 'SPX' AND quote_time >= '2023-05-19T14:59:00Z' AND quote_time < '2023-05-19T15:00:00Z'`
    );
    assert.equal(last.value, direct[0]!.net / 5000);
    const { rows: five } = await db.withSession((s) => asReader(s, alertQueries[1]!.sql));
    const { rows: direct5 } = await db.query<{ net: number }>(
      `SELECT sum(CASE WHEN put_call = 'C' THEN volume ELSE -volume END)::float8 AS net FROM optflow.quotes
       WHERE underlying = 'SPX' AND quote_time >= '2023-05-19T14:55:00Z' AND quote_time < '2023-05-19T15:00:00Z'`
    );
    assert.equal(five.find((r) => r.underlying === 'SPX')!.value, direct5[0]!.net / 15000);
  });

  test('alert: a closed market (no minute in the window) returns no rows, so noDataState OK keeps it quiet', async () => {
    for (const q of alertQueries) {
      const { rows } = await db.withSession((s) =>
        asReader(s, q.sql.replaceAll(CLOCK, `'2023-05-20T15:00:30Z'::timestamptz`))
      );
      assert.deepEqual(rows, [], q.where);
    }
  });
});
