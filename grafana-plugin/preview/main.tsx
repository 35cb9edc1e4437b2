import React, { useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { lastValueFrom } from 'rxjs';
import {
  applyFieldOverrides,
  createTheme,
  dateTime,
  FieldColorModeId,
  FieldType,
  type DataFrame,
  type DataSourceInstanceSettings,
  type DataSourceSettings,
  type TimeRange,
} from '@grafana/data';
import { setBackendSrv } from '@grafana/runtime';
import { GlobalStyles, ThemeContext, TimeSeries } from '@grafana/ui';
import { LegendDisplayMode } from '@grafana/schema';
import { DataSource } from '../src/datasource';
import { ConfigEditor } from '../src/components/ConfigEditor';
import { QueryEditor } from '../src/components/QueryEditor';
import { StrikeLadderPanel } from '../src/panels/strike-ladder/StrikeLadderPanel';
import { DEFAULT_OPTIONS as LADDER_OPTIONS } from '../src/panels/strike-ladder/types';
import type { FlowDataSourceOptions, FlowQuery, FlowSecureJsonData } from '../src/types';
import type { ApiHealth } from '@optflow/contract';
import { fetchBackendSrv } from '../src/standalone/fetch-backend-srv';
import { setTemplateVariables } from '../src/standalone/template-srv';
import { panelProps } from '../src/standalone/panel-props';

/**
 * The plugin's own components and data source in a page of ours, as Grafana would host them:
 * ConfigEditor, QueryEditor and the frames of the query in @grafana/ui's TimeSeries panel. The
 * browser test (test/preview.test.ts) drives it in Chromium.
 */
const INSTANCE_URL = '/api/datasources/proxy/uid/optflow-preview';
const theme = createTheme({ colors: { mode: 'dark' } });
setBackendSrv(fetchBackendSrv((url) => ({ url, headers: {} })));
setTemplateVariables({});

const settings = {
  id: 1,
  uid: 'optflow-preview',
  type: 'optflow-flow-datasource',
  name: 'optflow',
  url: INSTANCE_URL,
  access: 'proxy',
  readOnly: false,
  jsonData: { apiUrl: 'http://optflow-api:3100', defaultUnderlying: 'SPX' },
  meta: { id: 'optflow-flow-datasource' },
} as unknown as DataSourceInstanceSettings<FlowDataSourceOptions>;
const datasource = new DataSource(settings);

/** The demo data is historical: the panel shows the three hours up to the newest loaded snapshot. */
async function latestRange(underlying: string): Promise<TimeRange> {
  const health = await lastValueFrom(datasource.client.get<ApiHealth>('/api/health'));
  const latest = Date.parse(
    health.underlyings?.find((u) => u.underlying === underlying)?.latest ?? new Date().toISOString()
  );
  const from = dateTime(latest - 3 * 3_600_000);
  const to = dateTime(latest + 60_000);
  return { from, to, raw: { from, to } };
}

/**
 * What Grafana's time-series panel does before drawing: palette colours by series index, thin
 * lines, a light fill (the preview has no panel registry to supply these defaults).
 */
function asTimeSeriesPanel(frames: DataFrame[]): DataFrame[] {
  let index = 0;
  return frames.map((frame) => ({
    ...frame,
    fields: frame.fields.map((field) =>
      field.type !== FieldType.number
        ? field
        : {
            ...field,
            config: {
              ...field.config,
              color: { mode: FieldColorModeId.PaletteClassic },
              custom: { lineWidth: 1, fillOpacity: 10 },
            },
            state: { ...field.state, seriesIndex: index++ },
          }
    ),
  }));
}

function Panel({ frames, range }: { frames: DataFrame[]; range: TimeRange }) {
  const processed = useMemo(
    () =>
      applyFieldOverrides({
        data: asTimeSeriesPanel(frames),
        fieldConfig: { defaults: {}, overrides: [] },
        replaceVariables: (v) => v,
        theme,
        timeZone: 'America/New_York',
      }),
    [frames]
  );
  const legend = { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom' as const, calcs: [] };
  const summary = frames.map((f) => ({
    name: f.fields[1]?.config.displayNameFromDS ?? f.name,
    points: f.length,
    sum: (f.fields[1]?.values ?? []).reduce((a: number, v) => a + (typeof v === 'number' ? v : 0), 0),
  }));
  return (
    <div data-testid="optflow-preview-panel" data-series={JSON.stringify(summary)}>
      {frames.length === 0 ? (
        <p>No data</p>
      ) : (
        <TimeSeries
          frames={processed}
          width={900}
          height={320}
          timeRange={range}
          timeZone="America/New_York"
          legend={legend}
        />
      )}
    </div>
  );
}

function App() {
  const [options, setOptions] = useState({
    ...settings,
    orgId: 1,
    secureJsonFields: { apiToken: true },
  } as unknown as DataSourceSettings<FlowDataSourceOptions, FlowSecureJsonData>);
  const [query, setQuery] = useState<FlowQuery>({
    refId: 'A',
    ...datasource.getDefaultQuery('dashboard' as never),
    underlying: 'SPX',
  } as FlowQuery);
  const [frames, setFrames] = useState<DataFrame[]>([]);
  const [range, setRange] = useState<TimeRange | undefined>();
  const [error, setError] = useState<string | undefined>();

  const [ladder, setLadder] = useState<DataFrame[]>([]);

  const run = useCallback(async (q: FlowQuery) => {
    const r = await latestRange(q.underlying ?? 'SPX');
    const ask = (targets: FlowQuery[]) =>
      lastValueFrom(
        datasource.query({
          requestId: `preview-${targets[0]!.refId}`,
          interval: '1m',
          intervalMs: 60_000,
          maxDataPoints: 900,
          range: r,
          scopedVars: {},
          targets,
          timezone: 'America/New_York',
          app: 'panel-editor',
          startTime: Date.now(),
        })
      );
    // The ladder panel beside it: the same underlying, the last 30 minutes.
    const [response, ladderResponse] = await Promise.all([
      ask([q]),
      ask([{ refId: 'L', queryType: 'ladder', underlying: q.underlying, lastMinutes: 30 }]),
    ]);
    setRange(r);
    setFrames(response.data as DataFrame[]);
    setLadder(ladderResponse.data as DataFrame[]);
    setError(response.errors?.map((e) => e.message).join('; '));
  }, []);

  useEffect(() => {
    void run(query);
    // Only the first query runs by itself; the editor runs the others.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <main style={{ padding: 16, display: 'grid', gap: 24, maxWidth: 1000 }}>
        <h2>optflow data source</h2>
        <section>
          <h3>Data source settings</h3>
          <ConfigEditor options={options} onOptionsChange={setOptions} />
        </section>
        <section>
          <h3>Query</h3>
          <QueryEditor
            datasource={datasource}
            query={query}
            onChange={setQuery}
            onRunQuery={() => setQuery((q) => (void run(q), q))}
          />
        </section>
        <section>
          {error && <p data-testid="optflow-preview-error">{error}</p>}
          {range && <Panel frames={frames} range={range} />}
        </section>
        {range && (
          <section>
            <h3>Strike ladder (last 30 minutes)</h3>
            <StrikeLadderPanel
              {...panelProps(
                ladder,
                LADDER_OPTIONS,
                { width: 900, height: 360, title: 'Strike ladder' },
                range,
                'America/New_York'
              )}
            />
          </section>
        )}
      </main>
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
