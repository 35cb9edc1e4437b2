import type { Dashboard, DataSourceRef, Panel, VariableModel } from '@grafana/schema';

/**
 * A query of the optflow data source as a dashboard stores it (the plugin's FlowQuery). The
 * plugin's tests run every such query of these dashboards through the data source against the API.
 */
export interface OptflowQuery {
  [option: string]: unknown;
  queryType: 'flow' | 'ladder' | 'contracts' | 'chain' | 'gex' | 'exposure' | 'maxpain' | 'unusual' | 'oichange' | 'iv';
  metric?: string;
}

/** Data sources provisioned by grafana/datasources/optflow.yaml (fixed uids). */
export const OPTFLOW: DataSourceRef = { type: 'optflow-flow-datasource', uid: 'optflow' };
export const POSTGRES: DataSourceRef = { type: 'grafana-postgresql-datasource', uid: 'optflow-postgres' };
export const MIXED: DataSourceRef = { type: 'datasource', uid: '-- Mixed --' };

/** Dashboard uids: links from alert rules and between dashboards use them. */
export const DASHBOARD_UIDS = { flow: 'optflow-flow', ladder: 'optflow-ladder', ingest: 'optflow-ingest' } as const;

export const UNDERLYING_VARIABLE: VariableModel = {
  name: 'underlying',
  label: 'Underlying',
  type: 'query',
  datasource: OPTFLOW,
  query: { query: 'underlyings()' },
  refresh: 1,
  current: { text: 'SPX', value: 'SPX' },
  options: [],
  hide: 0,
};

/** "All" is `*`: the data source then leaves the expiration filter out. */
export const EXPIRATION_VARIABLE: VariableModel = {
  name: 'expiration',
  label: 'Expiration',
  type: 'query',
  datasource: OPTFLOW,
  query: { query: 'expirations($underlying)' },
  refresh: 2,
  multi: true,
  includeAll: true,
  allValue: '*',
  current: { text: 'All', value: '$__all' },
  options: [],
  hide: 0,
};

/** A query of the optflow data source on the dashboard's underlying and expirations. */
export function flowTarget(
  refId: string,
  query: OptflowQuery
): OptflowQuery & { refId: string; datasource: DataSourceRef } {
  return { refId, datasource: OPTFLOW, underlying: '$underlying', expirations: ['$expiration'], ...query };
}

/** A PostgreSQL-data-source query (Grafana's SQL macros allowed; tests expand and run them). */
export function sqlTarget(refId: string, rawSql: string, format: 'time_series' | 'table' = 'time_series') {
  return { refId, datasource: POSTGRES, editorMode: 'code', format, rawQuery: true, rawSql };
}

/** Spot per minute from the flow aggregate (every expiration row of a minute carries the same spot). */
export const SPOT_SQL = `SELECT bucket AS time, max(underlying_price) AS spot
FROM optflow.flow_1m
WHERE underlying = '$underlying' AND $__timeFilter(bucket)
GROUP BY bucket
ORDER BY bucket`;

export type Grid = { x: number; y: number; w: number; h: number };

export function panel(id: number, title: string, type: string, gridPos: Grid, rest: Partial<Panel>): Panel {
  return { id, title, type, gridPos, datasource: OPTFLOW, ...rest };
}

/** Time-series field defaults of these dashboards: thin lines, a light fill, no points. */
export const TIMESERIES_DEFAULTS = { custom: { lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false } };

/**
 * What every optflow dashboard shares: the tag, New York time, a 5 s refresh, the schema version;
 * `linkTo` adds a link to another dashboard carrying the underlying.
 */
export function dashboard(d: {
  uid: string;
  title: string;
  description: string;
  time: { from: string; to: string };
  variables: VariableModel[];
  panels: Panel[];
  linkTo?: { title: string; uid: string };
}): Dashboard {
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['optflow'],
    timezone: 'America/New_York',
    editable: true,
    graphTooltip: 1,
    refresh: '5s',
    time: d.time,
    schemaVersion: 41,
    links: d.linkTo
      ? [
          {
            title: d.linkTo.title,
            type: 'link',
            url: `/d/${d.linkTo.uid}?\${underlying:queryparam}`,
            icon: 'dashboard',
            tooltip: '',
            asDropdown: false,
            includeVars: false,
            keepTime: true,
            tags: [],
            targetBlank: false,
          },
        ]
      : [],
    templating: { list: d.variables },
    annotations: { list: [] },
    panels: d.panels,
  };
}
