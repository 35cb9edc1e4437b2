// Grafana's PostgreSQL macros and dashboard variables in a panel's SQL, expanded as Grafana does
// before the query reaches the database, so the provisioned SQL can be run in tests. Only what the
// provisioned dashboards use is supported; anything else left with a `$` is an error. Also what
// Grafana makes of a `time_series` result, and alerting's check of the series it gets.

export interface SqlContext {
  from: number;
  to: number;
  variables: Readonly<Record<string, string>>;
}

const iso = (ms: number) => `'${new Date(ms).toISOString()}'`;

export function expandGrafanaSql(sql: string, ctx: SqlContext): string {
  const expanded = sql
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_, column: string) => `${column.trim()} BETWEEN ${iso(ctx.from)} AND ${iso(ctx.to)}`
    )
    .replace(/\$__timeFrom\(\)/g, iso(ctx.from))
    .replace(/\$__timeTo\(\)/g, iso(ctx.to))
    .replace(
      /\$\{(\w+)\}|\$(\w+)/g,
      (whole, braced?: string, bare?: string) => ctx.variables[(braced ?? bare)!] ?? whole
    );
  const left = /\$[\w{]+/.exec(expanded);
  if (left) throw new Error(`unexpanded ${left[0]} in: ${sql}`);
  return expanded;
}

/** A column of a query's result as PostgreSQL describes it (`format_type`). */
export interface SqlColumn {
  name: string;
  type: string;
}

/** One series of a `time_series` frame: its value field's name and labels. */
export interface GrafanaSeries {
  name: string;
  labels: Readonly<Record<string, string>>;
}

const STRING_TYPES = /^(text|character varying|character|name)\b/;

/**
 * The series Grafana's PostgreSQL data source makes of a `format: time_series` result, as read in
 * grafana/grafana pkg/tsdb/grafana-postgresql-datasource/sqleng/sql_engine_pgx.go (processFrame) and
 * grafana-plugin-sdk-go data.LongToWide: the column named `time` is the time; with string columns the
 * frame is "long" and becomes one series per value column and distinct string values, the string
 * columns' names and values as labels (rows must be sorted by time); and — the pre-8 compatibility
 * rule — when the result has exactly three columns, a series whose only label is `metric` takes that
 * label's value as its name and loses its labels.
 */
export function grafanaTimeSeries(
  columns: readonly SqlColumn[],
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>
): GrafanaSeries[] {
  if (!columns.some((c) => c.name === 'time')) throw new Error('time column is missing');
  if (rows.length === 0) return []; // Grafana returns a frame without fields: no data
  const factors = columns.filter((c) => c.name !== 'time' && STRING_TYPES.test(c.type));
  const values = columns.filter((c) => c.name !== 'time' && !factors.includes(c));
  if (factors.length === 0) return values.map((c) => ({ name: c.name, labels: {} }));
  let last = -Infinity;
  const seen = new Map<string, GrafanaSeries>();
  for (const row of rows) {
    const time = new Date(row.time as string | Date).getTime();
    if (time < last) throw new Error('long series must be sorted ascending by time to be converted');
    last = time;
    const labels = Object.fromEntries(factors.map((c) => [c.name, String(row[c.name])]));
    for (const c of values) {
      const key = JSON.stringify([c.name, labels]);
      if (!seen.has(key)) seen.set(key, { name: c.name, labels });
    }
  }
  return [...seen.values()].map((s) => {
    const keys = Object.keys(s.labels);
    return columns.length === 3 && keys.length === 1 && keys[0] === 'metric'
      ? { name: s.labels.metric!, labels: {} }
      : s;
  });
}

/**
 * Grafana alerting's check of a rule's results (pkg/services/ngalert/eval/eval.go): every result
 * (one per series, after reduce) must have its own label set — names do not count (the expression
 * engine identifies series by labels, pkg/expr/converter.go WideToMany) — or the whole evaluation
 * is an error.
 */
export function checkAlertInstances(series: readonly GrafanaSeries[]): void {
  const seen = new Set<string>();
  for (const s of series) {
    const key = Object.entries(s.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    if (seen.has(key))
      throw new Error(`frame cannot uniquely be identified by its labels: has duplicate results with labels {${key}}`);
    seen.add(key);
  }
}
