import { dateTime, type DataQueryRequest, type DataSourceInstanceSettings } from '@grafana/data';
import { setBackendSrv } from '@grafana/runtime';
import { DataSource, type DataSourceDeps } from '../../src/datasource';
import type { FlowDataSourceOptions, FlowQuery } from '../../src/types';
import { dataProxyRoute, fetchBackendSrv, type ProxyRoute } from '../../src/standalone/fetch-backend-srv';

import { fixture } from './api-fixture';

export { appendBatches, fixture, stopEmptyDatabase } from './api-fixture';
export type { Fixture } from './api-fixture';
export { setTemplateVariables } from '../../src/standalone/template-srv';
export type { Variables } from '../../src/standalone/template-srv';

export const INSTANCE_URL = '/api/datasources/proxy/uid/optflow-test';

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
  range: { from: number; to: number; relative?: boolean; rawFrom?: string },
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
    range: { from, to, raw: relative ? { from: range.rawFrom ?? 'now-6h', to: 'now' } : { from, to } },
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
