/**
 * Grafana's PostgreSQL macros and dashboard variables in a panel's SQL, expanded as Grafana does
 * before the query reaches the database, so the provisioned SQL can be run in tests. Only what the
 * provisioned dashboards use is supported; anything else left with a `$` is an error.
 */
export interface SqlContext {
  from: number;
  to: number;
  variables: Readonly<Record<string, string>>;
}

const iso = (ms: number) => `'${new Date(ms).toISOString()}'`;

export function expandGrafanaSql(sql: string, ctx: SqlContext): string {
  const expanded = sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, column: string) => `${column.trim()} BETWEEN ${iso(ctx.from)} AND ${iso(ctx.to)}`)
    .replace(/\$__timeFrom\(\)/g, iso(ctx.from))
    .replace(/\$__timeTo\(\)/g, iso(ctx.to))
    .replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => ctx.variables[(braced ?? bare)!] ?? whole);
  const left = /\$[\w{]+/.exec(expanded);
  if (left) throw new Error(`unexpanded ${left[0]} in: ${sql}`);
  return expanded;
}
