import {
  dateTime,
  type DataQueryRequest,
  type DataSourceInstanceSettings,
  type TypedVariableModel,
} from '@grafana/data';
import { setBackendSrv, setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { DataSource, type DataSourceDeps } from '../../src/datasource';
import type { FlowDataSourceOptions, FlowQuery } from '../../src/types';
import { dataProxyRoute, fetchBackendSrv, type ProxyRoute } from './fetch-backend-srv';

/** What test/api-server/global-setup.js started: the real API on a loaded and an empty database. */
export interface Fixture {
  api: string;
  emptyApi: string;
  control: string;
  token: string;
  loadedBatches: number;
  totalBatches: number;
}

export function fixture(): Fixture {
  const text = process.env.OPTFLOW_PLUGIN_FIXTURE;
  if (!text)
    throw new Error('OPTFLOW_PLUGIN_FIXTURE is not set: run these tests through jest (global setup starts the API)');
  return JSON.parse(text) as Fixture;
}

/** Loads the next `batches` row groups (30 snapshots each) of the fixture day through the real loader. */
export async function appendBatches(batches: number): Promise<{ loadedBatches: number; totalBatches: number }> {
  const response = await fetch(`${fixture().control}/append?batches=${batches}`, { method: 'POST' });
  if (!response.ok) throw new Error(`fixture append: ${response.status} ${await response.text()}`);
  return (await response.json()) as { loadedBatches: number; totalBatches: number };
}

export async function stopEmptyDatabase(): Promise<void> {
  const response = await fetch(`${fixture().control}/stop-empty-db`, { method: 'POST' });
  if (!response.ok) throw new Error(`fixture stop-empty-db: ${response.status}`);
}

/** Values of the template variables the fake TemplateSrv knows (Grafana's runtime service is the boundary mocked). */
export type Variables = Record<string, string | string[]>;

export function setTemplateVariables(variables: Variables): void {
  const format = (value: string | string[], fmt?: string) =>
    Array.isArray(value) ? (fmt === 'csv' ? value.join(',') : `{${value.join(',')}}`) : value;
  const templateSrv: Pick<TemplateSrv, 'replace' | 'getVariables' | 'containsTemplate' | 'updateTimeRange'> = {
    replace: (target = '', _scopedVars, fmt) =>
      target.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, a?: string, b?: string) => {
        const value = variables[(a ?? b)!];
        return value === undefined ? whole : format(value, typeof fmt === 'string' ? fmt : undefined);
      }),
    getVariables: () =>
      Object.keys(variables).map((name) => ({ name, type: 'custom' }) as unknown as TypedVariableModel),
    containsTemplate: (target) => /\$\w+/.test(target ?? ''),
    updateTimeRange: () => undefined,
  };
  setTemplateSrv(templateSrv as TemplateSrv);
}

export const INSTANCE_URL = '/api/datasources/proxy/uid/optflow-test';

/**
 * A data source as Grafana would create it, whose requests go through the plugin.json route to
 * the real API (`route` overrides where they go, e.g. a closed port).
 */
export function newDataSource(
  options: {
    apiUrl?: string;
    token?: string;
    jsonData?: Partial<FlowDataSourceOptions>;
    route?: ProxyRoute;
    deps?: DataSourceDeps;
    install?: boolean;
  } = {}
) {
  const f = fixture();
  const apiUrl = options.apiUrl ?? f.api;
  const backendSrv = fetchBackendSrv(options.route ?? dataProxyRoute(INSTANCE_URL, apiUrl, options.token ?? f.token));
  // Grafana has one backendSrv; `install: false` keeps the current one (a second data source beside the first).
  if (options.install !== false) setBackendSrv(backendSrv);
  const settings = {
    id: 1,
    uid: 'optflow-test',
    type: 'optflow-flow-datasource',
    name: 'optflow',
    url: INSTANCE_URL,
    access: 'proxy',
    readOnly: false,
    jsonData: { apiUrl, ...options.jsonData },
    meta: { id: 'optflow-flow-datasource' },
  } as unknown as DataSourceInstanceSettings<FlowDataSourceOptions>;
  return { ds: new DataSource(settings, options.deps), backendSrv };
}

/** The fixture day's snapshots are New York wall times on 2023-05-19 (UTC−4). */
export const nyTime = (hhmm: string) => Date.parse(`2023-05-19T${hhmm}:00-04:00`);

let requestCounter = 0;

/** A panel's request: `relative` ranges end at now (raw "now"), as a dashboard's default range does. */
export function panelRequest(
  targets: FlowQuery[],
  range: { from: number; to: number; relative?: boolean },
  extra: Partial<DataQueryRequest<FlowQuery>> = {}
): DataQueryRequest<FlowQuery> {
  const from = dateTime(range.from);
  const to = dateTime(range.to);
  const relative = range.relative ?? true;
  return {
    requestId: `Q${++requestCounter}`,
    interval: '1m',
    intervalMs: 60_000,
    maxDataPoints: 1000,
    range: { from, to, raw: relative ? { from: 'now-6h', to: 'now' } : { from, to } },
    scopedVars: {},
    targets,
    timezone: 'utc',
    app: 'dashboard',
    startTime: Date.now(),
    dashboardUID: 'dash',
    panelId: 1,
    ...extra,
  };
}
