import React, { useCallback, useEffect, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { dateTime, type DataFrame, type DataQueryRequest, type GrafanaTheme2, type TimeRange } from '@grafana/data';
import {
  Alert,
  Button,
  Combobox,
  InlineField,
  InlineSwitch,
  Input,
  RadioButtonGroup,
  useStyles2,
  type ComboboxOption,
} from '@grafana/ui';
import { lastValueFrom } from 'rxjs';
import { ApiError } from '../src/api/api-client';
import { errorMessage, type ApiHealth } from '@optflow/contract';
import type { DataSource } from '../src/datasource';
import { DEFAULT_STALE_AFTER_MINUTES, stalenessNotice } from '../src/frames/staleness';
import { isMarketOpen } from '../src/live/market-hours';
import { StrikeLadderPanel } from '../src/panels/strike-ladder/StrikeLadderPanel';
import { DEFAULT_OPTIONS as LADDER_OPTIONS } from '../src/panels/strike-ladder/types';
import { panelProps } from '../src/standalone/panel-props';
import type { FlowQuery } from '../src/types';
import {
  displayRange,
  framesOf,
  freshness,
  pageQueries,
  PANELS,
  sessionDate,
  sessionRange,
  type Selection,
} from './model';
import { ActiveContracts, FlowChart, GexChart, Panel, TIME_ZONE } from './panels';

export const TOKEN_KEY = 'optflow-api-token';

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ padding: theme.spacing(2), display: 'grid', gap: theme.spacing(2), maxWidth: 1600, margin: '0 auto' }),
  header: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(1, 2) }),
  brand: css({ fontSize: theme.typography.h4.fontSize, margin: 0, marginRight: theme.spacing(2) }),
  badge: css({
    marginLeft: 'auto',
    padding: theme.spacing(0.5, 1),
    borderRadius: theme.shape.radius.pill,
    background: theme.colors.background.secondary,
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  live: css({ color: theme.colors.success.text }),
  stale: css({ color: theme.colors.warning.text, marginLeft: theme.spacing(1) }),
  // Two columns on a laptop and wider, one on narrow windows.
  grid: css({
    display: 'grid',
    gap: theme.spacing(2),
    gridTemplateColumns: 'minmax(0, 1fr)',
    [theme.breakpoints.up('lg')]: { gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr)' },
  }),
  wide: css({ [theme.breakpoints.up('lg')]: { gridColumn: '1 / span 2' } }),
  prompt: css({ maxWidth: 480, margin: '10vh auto', display: 'grid', gap: theme.spacing(2) }),
});

const params = new URLSearchParams(window.location.search);
const options = (values: string[]): Array<ComboboxOption<string>> => values.map((v) => ({ label: v, value: v }));

/** Asks once for the API token; it is kept in this tab's session storage only. */
function TokenPrompt({ refused, onToken }: { refused: boolean; onToken: (token: string) => void }) {
  const styles = useStyles2(getStyles);
  const [token, setToken] = useState('');
  return (
    <form
      className={styles.prompt}
      data-testid="optflow-token-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        onToken(token);
      }}
    >
      <h1>optflow</h1>
      <p>This API requires a token (OPTFLOW_API_TOKEN). It is kept in this browser tab only.</p>
      {refused && <Alert title="The API refused this token" severity="error" />}
      <Input
        type="password"
        autoFocus
        placeholder="API token"
        value={token}
        onChange={(e) => setToken(e.currentTarget.value)}
        data-testid="optflow-token-input"
      />
      <Button type="submit">Open the live view</Button>
    </form>
  );
}

type Auth = 'checking' | 'needed' | 'refused' | 'ok';

export function App({ datasource, now = Date.now }: { datasource: DataSource; now?: () => number }) {
  const styles = useStyles2(getStyles);
  const [auth, setAuth] = useState<Auth>('checking');
  const [error, setError] = useState<string>();
  const [underlyings, setUnderlyings] = useState<string[]>([]);
  const [health, setHealth] = useState<ApiHealth>();
  const [selection, setSelection] = useState<Selection>({
    underlying: params.get('underlying') ?? '',
    expiration: params.get('expiration') ?? '',
    live: params.get('live') === '1',
  });
  const [session, setSession] = useState(params.get('session') ?? '');
  const [expirations, setExpirations] = useState<string[]>([]);
  const [frames, setFrames] = useState<DataFrame[]>([]);
  const [clock, setClock] = useState(now());

  const refreshHealth = useCallback(
    () =>
      lastValueFrom(datasource.client.get<ApiHealth>('/api/health')).then(setHealth, (e: unknown) =>
        setError(errorMessage(e))
      ),
    [datasource]
  );

  // Who may read: /api/underlyings needs the token when one is configured.
  const connect = useCallback(async (): Promise<void> => {
    try {
      const list = await datasource.underlyings();
      setAuth('ok');
      if (list.length === 0) {
        // Nothing loaded yet (optflow start --demo writes its day after the page is up): look again.
        setError('No data loaded yet: waiting for the first snapshot');
        setTimeout(() => void connect(), 2000);
        return;
      }
      setError(undefined);
      setUnderlyings(list);
      const latest = (await lastValueFrom(datasource.client.get<ApiHealth>('/api/health'))) ?? {};
      setHealth(latest);
      const underlying = params.get('underlying') ?? list[0] ?? '';
      const newest = latest.underlyings?.find((u) => u.underlying === underlying)?.latest;
      const today = sessionDate(now());
      const shown = params.get('session') ?? (newest ? sessionDate(Date.parse(newest)) : today);
      setSession(shown);
      // Live by default during market hours on today's session; ?live=1 or the switch at any time.
      setSelection((s) => ({ ...s, underlying, live: s.live || (shown === today && isMarketOpen(now())) }));
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        setAuth(sessionStorage.getItem(TOKEN_KEY) ? 'refused' : 'needed');
        return;
      }
      setError(errorMessage(e));
    }
  }, [datasource, now]);

  useEffect(() => {
    void connect();
  }, [connect]);

  const range: TimeRange | undefined = useMemo(() => {
    if (!session) {
      return undefined;
    }
    const { from, to } = sessionRange(session);
    return { from: dateTime(from), to: dateTime(to), raw: { from: dateTime(from), to: dateTime(to) } };
  }, [session]);

  useEffect(() => {
    if (auth !== 'ok' || !selection.underlying || !range) {
      return;
    }
    const { from, to } = { from: range.from.valueOf(), to: range.to.valueOf() };
    datasource
      .expirations(selection.underlying, { from: { valueOf: () => from }, to: { valueOf: () => to } })
      .then(setExpirations, () => setExpirations([]));
  }, [auth, datasource, selection.underlying, range]);

  // The page's one query: answered once, or live (the plugin's long-poll) while the switch is on.
  useEffect(() => {
    if (auth !== 'ok' || !selection.underlying || !range) {
      return;
    }
    const url = new URL(window.location.href);
    url.search = new URLSearchParams({
      underlying: selection.underlying,
      session,
      ...(selection.expiration ? { expiration: selection.expiration } : {}),
      ...(selection.live ? { live: '1' } : {}),
    }).toString();
    window.history.replaceState(null, '', url);
    const request = {
      requestId: 'optflow-live-view',
      app: 'optflow-live-view',
      panelId: 1,
      interval: '1m',
      intervalMs: 60_000,
      maxDataPoints: 2000,
      range,
      scopedVars: {},
      targets: pageQueries(selection),
      timezone: TIME_ZONE,
      startTime: Date.now(),
    } as unknown as DataQueryRequest<FlowQuery>;
    // Live, flow and quote answers stream under keys of their own: each replaces its own frames.
    const byKey = new Map<string, DataFrame[]>();
    const subscription = datasource.query(request).subscribe((response) => {
      byKey.set(response.key ?? '', response.data as DataFrame[]);
      setFrames([...byKey.values()].flat());
      setError(response.errors?.map((e) => e.message).join('; ') || undefined);
      void refreshHealth();
    });
    return () => subscription.unsubscribe();
  }, [auth, datasource, selection, session, range, refreshHealth]);

  useEffect(() => {
    const timer = setInterval(() => setClock(now()), 1000);
    return () => clearInterval(timer);
  }, [now]);

  if (auth === 'needed' || auth === 'refused') {
    return (
      <TokenPrompt
        refused={auth === 'refused'}
        onToken={(token) => {
          sessionStorage.setItem(TOKEN_KEY, token);
          setAuth('checking');
          void connect();
        }}
      />
    );
  }

  // Charts show the trading hours (sessions run midnight to midnight, in 23 to 25 hours).
  const shownTimes = (framesOf(frames, PANELS.netVolume)[0]?.fields[0]?.values ?? []) as number[];
  const chartRange: TimeRange | undefined =
    range &&
    (() => {
      const shown = displayRange({ from: range.from.valueOf(), to: range.to.valueOf() }, shownTimes);
      return {
        from: dateTime(shown.from),
        to: dateTime(shown.to),
        raw: { from: dateTime(shown.from), to: dateTime(shown.to) },
      };
    })();
  const latest = health?.underlyings?.find((u) => u.underlying === selection.underlying)?.latest;
  const set = (change: Partial<Selection>) => setSelection((s) => ({ ...s, ...change }));
  const today = sessionDate(clock);
  // As the data source marks a Grafana panel: during market hours, data past the limit is stale.
  const stale = stalenessNotice(latest ? Date.parse(latest) : null, clock, DEFAULT_STALE_AFTER_MINUTES);
  return (
    <main className={styles.page}>
      <header className={styles.header}>
        <h1 className={styles.brand}>optflow</h1>
        <InlineField label="Underlying" labelWidth={12}>
          <Combobox
            data-testid="optflow-live-underlying"
            width={14}
            options={options(underlyings)}
            value={selection.underlying || null}
            onChange={(o) => set({ underlying: o.value, expiration: '' })}
          />
        </InlineField>
        <InlineField label="Expiration" labelWidth={12}>
          <Combobox
            data-testid="optflow-live-expiration"
            width={18}
            options={[{ label: 'All', value: '' }, ...options(expirations)]}
            value={selection.expiration}
            onChange={(o) => set({ expiration: o.value })}
          />
        </InlineField>
        <InlineField label="Session" labelWidth={10}>
          <Input
            type="date"
            width={18}
            value={session}
            data-testid="optflow-live-session"
            onChange={(e) => e.currentTarget.value && setSession(e.currentTarget.value)}
          />
        </InlineField>
        <RadioButtonGroup
          size="sm"
          options={[{ label: 'Today', value: today }]}
          value={session === today ? today : undefined}
          onChange={(v) => setSession(v)}
        />
        <InlineField label="Live" labelWidth={8} tooltip="Stream each new snapshot as it is committed (long-poll)">
          <InlineSwitch
            data-testid="optflow-live-switch"
            value={selection.live}
            onChange={(e) => set({ live: e.currentTarget.checked })}
          />
        </InlineField>
        <span className={styles.badge} data-testid="optflow-live-freshness" data-latest={latest ?? ''}>
          {selection.live && <span className={styles.live}>● live · </span>}
          {freshness(latest ? Date.parse(latest) : null, clock)}
        </span>
        {stale && (
          <span className={styles.stale} data-testid="optflow-live-stale" title={stale}>
            ⚠ stale
          </span>
        )}
      </header>
      {error && <Alert title={error} severity="warning" data-testid="optflow-live-error" />}
      {range && chartRange && (
        <div className={styles.grid}>
          <div className={styles.wide}>
            <Panel
              testId="optflow-live-net-volume"
              title="Net volume per minute (calls − puts); cumulative and spot on the right"
              frames={[
                ...framesOf(frames, PANELS.netVolume),
                ...framesOf(frames, PANELS.cumulative),
                ...framesOf(frames, PANELS.spot),
              ]}
              height={340}
            >
              {(width) => (
                <FlowChart
                  width={width}
                  height={340}
                  range={chartRange}
                  series={[
                    {
                      frames: framesOf(frames, PANELS.netVolume),
                      style: { draw: 'bars', axis: 'left', color: 'blue' },
                    },
                    {
                      frames: framesOf(frames, PANELS.cumulative),
                      style: { draw: 'line', axis: 'right', color: 'orange' },
                    },
                    {
                      frames: framesOf(frames, PANELS.spot),
                      style: { draw: 'line', axis: 'right', color: 'green' },
                    },
                  ]}
                />
              )}
            </Panel>
          </div>
          <Panel
            testId="optflow-live-net-premium"
            title="Net premium per minute"
            frames={framesOf(frames, PANELS.netPremium)}
            height={300}
          >
            {(width) => (
              <FlowChart
                width={width}
                height={300}
                range={chartRange}
                series={[
                  {
                    frames: framesOf(frames, PANELS.netPremium),
                    style: { draw: 'bars', axis: 'left', color: 'purple' },
                  },
                ]}
              />
            )}
          </Panel>
          <Panel
            testId="optflow-live-ladder"
            title="Strike ladder (volume this session)"
            frames={framesOf(frames, PANELS.ladder)}
            height={300}
          >
            {(width) => (
              <StrikeLadderPanel
                {...panelProps(
                  framesOf(frames, PANELS.ladder),
                  { ...LADDER_OPTIONS, maxStrikes: 24 },
                  { width, height: 300, title: 'Strike ladder' },
                  range,
                  TIME_ZONE
                )}
              />
            )}
          </Panel>
          <Panel
            testId="optflow-live-gex"
            title="GEX by strike, walls and zero gamma"
            frames={framesOf(frames, PANELS.gex)}
            height={360}
          >
            {(width) => <GexChart frames={framesOf(frames, PANELS.gex)} width={width} height={360} />}
          </Panel>
          <Panel
            testId="optflow-live-active"
            title="Most active contracts (latest snapshot)"
            frames={framesOf(frames, PANELS.active)}
            height={360}
          >
            {(width) => <ActiveContracts frames={framesOf(frames, PANELS.active)} width={width} height={360} />}
          </Panel>
        </div>
      )}
    </main>
  );
}
