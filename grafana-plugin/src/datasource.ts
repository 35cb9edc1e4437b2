import {
  DataSourceApi,
  LoadingState,
  type CoreApp,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
} from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { Observable, lastValueFrom, map, merge, of, catchError } from 'rxjs';
import { ApiClient, ApiError } from './api/api-client';
import { querySignature, toApiQuery, validateQuery } from './api/request-builder';
import { errorMessage, LIMITS, type ApiHealth, type ApiQuery } from '@optflow/contract';
import { toDataFrames, type FrameContext } from './frames/to-data-frames';
import { DEFAULT_STALE_AFTER_MINUTES, stalenessNotice } from './frames/staleness';
import { IncrementalCache, applyResult, continuedQuery, type HeldSeries } from './incremental/incremental-cache';
import { liveQuery } from './live/live-query';
import { DEFAULT_QUERY, type FlowDataSourceOptions, type FlowQuery, type FlowVariableQuery } from './types';

/** Test seams: the clock and the long-poll hold (Grafana itself passes only the settings). */
export interface DataSourceDeps {
  now?: () => number;
  liveWaitSeconds?: number;
  /**
   * The live view's mode (outside Grafana): live queries stream on any range, kept as given (a
   * whole session), at any hour, since someone chose to watch. In Grafana only ranges ending at
   * now stream, and polling follows market hours.
   */
  liveOnAnyRange?: boolean;
}

const REFRESH_KEY = 'optflow-refresh';
/** The `allValue` of expiration variables: every expiration, i.e. no filter. */
export const ALL_EXPIRATIONS = '*';
const maxDataPoints = (request: DataQueryRequest<FlowQuery>) =>
  request.maxDataPoints ? { maxDataPoints: Math.min(LIMITS.maxDataPoints, Math.round(request.maxDataPoints)) } : {};

interface Planned {
  target: FlowQuery;
  api: ApiQuery;
  key: string;
  signature: string;
}

export class DataSource extends DataSourceApi<FlowQuery, FlowDataSourceOptions> {
  readonly client: ApiClient;
  /** Incremental state per (dashboard, panel, refId); outlives each refresh's Observable. */
  readonly cache = new IncrementalCache();
  readonly #settings: FlowDataSourceOptions;
  readonly #now: () => number;
  readonly #liveWaitSeconds: number;
  readonly #liveOnAnyRange: boolean;

  constructor(instanceSettings: DataSourceInstanceSettings<FlowDataSourceOptions>, deps: DataSourceDeps = {}) {
    super(instanceSettings);
    this.client = new ApiClient(instanceSettings.url ?? '');
    this.#settings = instanceSettings.jsonData ?? {};
    this.#now = deps.now ?? Date.now;
    this.#liveWaitSeconds = deps.liveWaitSeconds ?? 25;
    this.#liveOnAnyRange = deps.liveOnAnyRange ?? false;
  }

  override getDefaultQuery(_app: CoreApp): Partial<FlowQuery> {
    return {
      ...DEFAULT_QUERY,
      ...(this.#settings.defaultUnderlying ? { underlying: this.#settings.defaultUnderlying } : {}),
      live: this.#settings.liveByDefault ?? false,
    };
  }

  /** Hidden queries are not sent. */
  override filterQuery(query: FlowQuery): boolean {
    return query.hide !== true;
  }

  applyTemplateVariables(query: FlowQuery, scopedVars: ScopedVars): FlowQuery {
    const templateSrv = getTemplateSrv();
    const text = (value: string | undefined) =>
      value === undefined ? undefined : templateSrv.replace(value, scopedVars);
    // A multi-value variable expands to several dates; `*` (a variable's "All") means no filter.
    const expanded = query.expirations
      ?.flatMap((e) => templateSrv.replace(e, scopedVars, 'csv').split(','))
      .map((e) => e.trim())
      .filter(Boolean);
    const expirations = expanded?.includes(ALL_EXPIRATIONS) ? [] : expanded;
    return {
      ...query,
      underlying: text(query.underlying ?? this.#settings.defaultUnderlying),
      ...(expirations ? { expirations } : {}),
      ...(query.legendFormat ? { legendFormat: text(query.legendFormat) } : {}),
    };
  }

  override getQueryDisplayText(query: FlowQuery): string {
    const type = query.queryType ?? 'flow';
    const parts = [
      query.underlying ?? this.#settings.defaultUnderlying ?? '?',
      type === 'flow' ? (query.metric ?? 'net_volume') : type,
    ];
    if (query.cumulative) {
      parts.push('cumulative');
    }
    if (query.rolling) {
      parts.push(`rolling ${query.rolling}`);
    }
    if (query.zeroDte) {
      parts.push('0DTE');
    }
    if (query.expirations?.length) {
      parts.push(`exp ${query.expirations.join(',')}`);
    }
    if (query.putCall) {
      parts.push(query.putCall === 'C' ? 'calls' : 'puts');
    }
    if (query.groupBy && query.groupBy !== 'none') {
      parts.push(`by ${query.groupBy}`);
    }
    if (query.live) {
      parts.push('live');
    }
    return parts.join(' ');
  }

  query(request: DataQueryRequest<FlowQuery>): Observable<DataQueryResponse> {
    const range = { from: request.range.from.valueOf(), to: request.range.to.valueOf() };
    // Incremental only while the range ends at now: an absolute range is asked in full.
    const endsAtNow = typeof request.range.raw.to === 'string' && request.range.raw.to.trim() === 'now';
    const rangeStart =
      typeof request.range.raw.from === 'string' ? request.range.raw.from : String(request.range.from.valueOf());
    const prefix = `${request.dashboardUID ?? request.app}|${request.panelId ?? request.panelPluginId ?? ''}`;
    const errors: NonNullable<DataQueryResponse['errors']> = [];
    const planned: Planned[] = [];
    for (const raw of request.targets.filter((t) => this.filterQuery(t))) {
      const target = this.applyTemplateVariables(raw, request.scopedVars);
      const problems = validateQuery(target, { interpolated: true });
      if (problems.length > 0) {
        errors.push({ refId: target.refId, message: `${target.refId}: ${problems.map((p) => p.message).join('; ')}` });
        continue;
      }
      const api = toApiQuery(target);
      planned.push({
        target,
        api,
        key: `${prefix}|${target.refId}`,
        signature: querySignature(api, maxDataPoints(request).maxDataPoints, rangeStart),
      });
    }
    if (!endsAtNow) {
      planned.forEach((p) => this.cache.delete(p.key));
    }

    const live = endsAtNow || this.#liveOnAnyRange ? planned.filter((p) => p.target.live) : [];
    const refresh = planned.filter((p) => !live.includes(p));
    // A panel's live queries share a long-poll, one for flow increments (cheap) and one for the
    // answers that scan the quotes (ladder, chain, contracts, gex): a new minute never waits for those.
    const streams: Array<Observable<DataQueryResponse>> = [];
    const groups = [live.filter((p) => p.api.type === 'flow'), live.filter((p) => p.api.type !== 'flow')];
    for (const group of groups.filter((g) => g.length > 0)) {
      streams.push(
        liveQuery({
          targets: group.map((p) => ({
            key: p.key,
            signature: p.signature,
            query: p.api,
            toFrames: (held) => toDataFrames(held?.frames ?? [], this.#frameContext(p.target, held)),
          })),
          range,
          ...maxDataPoints(request),
          client: this.client,
          cache: this.cache,
          now: this.#now,
          waitSeconds: this.#liveWaitSeconds,
          fixedRange: this.#liveOnAnyRange && !endsAtNow,
          marketHours: !this.#liveOnAnyRange,
        })
      );
    }
    // Invalid queries' errors travel with the refresh answer: one response, so neither replaces the other.
    if (refresh.length > 0) {
      streams.push(this.#refresh(refresh, range, endsAtNow, request, errors));
    } else if (errors.length > 0 || streams.length === 0) {
      streams.push(
        of({ key: REFRESH_KEY, data: [], errors, state: errors.length ? LoadingState.Error : LoadingState.Done })
      );
    }
    return merge(...streams);
  }

  /** One API request for every refresh-driven query; cursors where state of the same signature is held. */
  #refresh(
    planned: Planned[],
    range: { from: number; to: number },
    incremental: boolean,
    request: DataQueryRequest<FlowQuery>,
    invalid: NonNullable<DataQueryResponse['errors']>
  ): Observable<DataQueryResponse> {
    // Without `incremental` nothing is held: query() dropped the state of these keys.
    const queries = planned.map((p) => continuedQuery(p.api, this.cache.get(p.key), p.signature));
    return this.client.query({ range, ...maxDataPoints(request), queries }, request.requestId).pipe(
      map((answer) => {
        const data = planned.flatMap((p) => {
          const result = answer?.results.find((r) => r.refId === p.api.refId);
          const held = this.cache.get(p.key);
          const next = result ? applyResult(held, p.signature, result, range.from) : held;
          if (!next) {
            return [];
          }
          if (incremental) {
            this.cache.set(p.key, next);
          }
          // Stale only matters for a range that ends now; history is as old as it is.
          return toDataFrames(next.frames, this.#frameContext(p.target, incremental ? next : undefined));
        });
        return {
          key: REFRESH_KEY,
          data,
          state: invalid.length ? LoadingState.Error : LoadingState.Done,
          ...(invalid.length ? { errors: invalid } : {}),
        };
      }),
      catchError((error: unknown) =>
        of({
          key: REFRESH_KEY,
          data: [],
          state: LoadingState.Error,
          errors: [...invalid, { message: errorMessage(error) }],
        })
      )
    );
  }

  /** How the target's frames are shown; with `held`, a notice when its data is stale. */
  #frameContext(target: FlowQuery, held?: HeldSeries): FrameContext {
    const staleAfter = this.#settings.staleAfterMinutes ?? DEFAULT_STALE_AFTER_MINUTES;
    return {
      refId: target.refId,
      queryType: target.queryType ?? 'flow',
      underlying: target.underlying ?? '',
      legendFormat: target.legendFormat,
      notice: held ? stalenessNotice(held.latestSnapshot, this.#now(), staleAfter) : null,
    };
  }

  /** Template variables: `underlyings()` or `expirations(SPX)` (the underlying may be a variable). */
  override async metricFindQuery(
    query: FlowVariableQuery | string,
    options?: { range?: { from: { valueOf(): number }; to: { valueOf(): number } } }
  ): Promise<MetricFindValue[]> {
    const text = getTemplateSrv()
      .replace(typeof query === 'string' ? query : query.query)
      .trim();
    const values = (list: string[]) => list.map((v) => ({ text: v, value: v }));
    if (text === '' || /^underlyings\(\s*\)$/.test(text)) {
      return values(await this.underlyings());
    }
    const expirations = /^expirations\(\s*([^)\s]+)\s*\)$/.exec(text);
    if (expirations) {
      return values(await this.expirations(expirations[1]!, options?.range));
    }
    throw new Error(`optflow variable query "${text}": use underlyings() or expirations(SYMBOL)`);
  }

  /** Underlyings with data (the query editor's picker, `underlyings()`). */
  async underlyings(): Promise<string[]> {
    return (await lastValueFrom(this.client.get<{ underlyings: string[] }>('/api/underlyings'))).underlyings;
  }

  /** Expirations of an underlying, with flow in the range when one is given. */
  async expirations(
    underlying: string,
    range?: { from: { valueOf(): number }; to: { valueOf(): number } }
  ): Promise<string[]> {
    const params: Record<string, string> = { underlying };
    if (range) {
      Object.assign(params, { from: String(range.from.valueOf()), to: String(range.to.valueOf()) });
    }
    return (await lastValueFrom(this.client.get<{ expirations: string[] }>('/api/expirations', params))).expirations;
  }

  /** Save & test: reachable, database up, token accepted, data loaded; each failure said plainly. */
  async testDatasource(): Promise<TestDataSourceResponse> {
    let health: ApiHealth;
    try {
      health = await lastValueFrom(this.client.get<ApiHealth>('/api/health'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 503) {
        return { status: 'error', message: `The optflow API is running, but its database is down: ${error.message}` };
      }
      return {
        status: 'error',
        message: `Cannot reach the optflow API at ${this.#settings.apiUrl ?? '(no URL set)'}: ${errorMessage(error)}`,
      };
    }
    try {
      // /api/health needs no token; this route does.
      await this.underlyings();
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        return {
          status: 'error',
          message: 'The optflow API rejected the token: set the API token to the value of OPTFLOW_API_TOKEN',
        };
      }
      return { status: 'error', message: errorMessage(error) };
    }
    const db = health.database
      ? `${health.database.backend} PostgreSQL ${health.database.serverVersion}${health.database.timescaledb ? `, TimescaleDB ${health.database.timescaledb}` : ''}`
      : 'database';
    const loaded = health.underlyings ?? [];
    if (loaded.length === 0) {
      return {
        status: 'warning',
        message: `Connected to optflow (${db}), but no data is loaded yet: run the loader on your Parquet files`,
      };
    }
    const newest = loaded.map((u) => `${u.underlying} up to ${u.latest}`).join(', ');
    return { status: 'success', message: `optflow is working (${db}): ${newest}` };
  }
}
