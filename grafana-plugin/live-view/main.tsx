import React from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme, type DataSourceInstanceSettings } from '@grafana/data';
import { setBackendSrv } from '@grafana/runtime';
import { GlobalStyles, ThemeContext } from '@grafana/ui';
import { DataSource } from '../src/datasource';
import { fetchBackendSrv, type ProxyRoute } from '../src/standalone/fetch-backend-srv';
import { setTemplateVariables } from '../src/standalone/template-srv';
import type { FlowDataSourceOptions } from '../src/types';
import { App, TOKEN_KEY } from './App';

/**
 * The live view: the plugin's data source, incremental cache, long-poll and panels in a page the
 * API serves itself (same origin, so the data source's base URL is empty). Grafana's runtime
 * services are the seam: backendSrv is plain fetch, adding the token from this tab's session.
 */
type ProxyTarget = ReturnType<ProxyRoute>;
setBackendSrv(
  fetchBackendSrv((url): ProxyTarget => {
    const token = sessionStorage.getItem(TOKEN_KEY);
    return { url, headers: token ? { authorization: `Bearer ${token}` } : {} };
  })
);
setTemplateVariables({});

const settings = {
  id: 1,
  uid: 'optflow-live-view',
  type: 'optflow-flow-datasource',
  name: 'optflow',
  url: '',
  access: 'direct',
  readOnly: true,
  jsonData: {},
  meta: { id: 'optflow-flow-datasource' },
} as unknown as DataSourceInstanceSettings<FlowDataSourceOptions>;
const datasource = new DataSource(settings, { liveOnAnyRange: true });
const theme = createTheme({ colors: { mode: 'dark' } });

createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={theme}>
    <GlobalStyles />
    <App datasource={datasource} />
  </ThemeContext.Provider>
);
