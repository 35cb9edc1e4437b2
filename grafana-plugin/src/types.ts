import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import {
  INTERVAL_NAMES,
  type ExposureGreek,
  type IvMeasure,
  type FlowGroup,
  type FlowMetric,
  type IntervalName,
  type QueryOptions,
  type QueryType,
} from '@optflow/contract';

/** The API's intervals, and `auto`: the API chooses from the range and the point budget. */
export const INTERVALS = ['auto', ...INTERVAL_NAMES] as const;
export type Interval = 'auto' | IntervalName;

export type PutCall = NonNullable<QueryOptions<'flow'>['putCall']>;
export type LadderMeasure = NonNullable<QueryOptions<'ladder'>['measure']>;
type ExposureOptions = QueryOptions<'exposure'>;
export type ExposureWeight = NonNullable<ExposureOptions['weight']>;
export type ExposureBy = NonNullable<ExposureOptions['by']>;
export type ExposureUnit = NonNullable<ExposureOptions['unit']>;
export type OiChangeBy = NonNullable<QueryOptions<'oichange'>['by']>;

/**
 * One panel query. Every option is flat and optional so that Grafana's query JSON stays readable
 * and template variables can stand in any string field.
 */
export interface FlowQuery extends DataQuery {
  queryType?: QueryType;
  /** An underlying such as `SPX`, or a template variable (`$underlying`). */
  underlying?: string;
  metric?: FlowMetric;
  cumulative?: boolean;
  /** Rolling mean over this many buckets. */
  rolling?: number;
  groupBy?: FlowGroup;
  /** Expiration dates `YYYY-MM-DD` (template variables allowed; multi-value variables expand). */
  expirations?: string[];
  zeroDte?: boolean;
  dteMin?: number;
  dteMax?: number;
  putCall?: PutCall;
  strikeMin?: number;
  strikeMax?: number;
  /** Only strikes within ± this percentage of spot. */
  strikesAroundSpotPct?: number;
  regularHours?: boolean;
  /** Only contracts out of the money at their snapshot. */
  otm?: boolean;
  interval?: Interval;
  /** Series name; `{{metric}}`, `{{underlying}}`, `{{expiration}}`, `{{dte}}` are replaced. */
  legendFormat?: string;
  /** Stream new data as it is committed (long-poll) instead of waiting for the dashboard refresh. */
  live?: boolean;
  /** ladder: volume or premium per strike. */
  measure?: LadderMeasure;
  /** ladder: only the last N minutes. */
  lastMinutes?: number;
  /** chain, contracts, unusual, oichange by contract: at most this many rows or contracts. */
  limit?: number;
  /** unusual: volume / open interest at least (API default 1.25). */
  minRatio?: number;
  /** unusual: volume above (API default 500). */
  minVolume?: number;
  /** unusual: open interest above (API default 100). */
  minOpenInterest?: number;
  /** unusual: latest mark above (API default 0.10). */
  minPrice?: number;
  /** unusual: hot when the latest interval exceeds this × the mean interval (API default 3). */
  hotFactor?: number;
  /** exposure: which greek (gamma, delta, vanna, charm). */
  greek?: ExposureGreek;
  /** exposure: of the open interest (API default) or of the day's volume. */
  weight?: ExposureWeight;
  /** exposure: per strike (API default) or per expiration. */
  exposureBy?: ExposureBy;
  /** exposure: per move (API default) or notional. */
  exposureUnit?: ExposureUnit;
  /** exposure: a heatmap series (net exposure per key at each interval's last snapshot). */
  exposureOverTime?: boolean;
  /** exposure: the rate Black–Scholes uses where the feed gives no greek (API default 0.05). */
  rate?: number;
  /** oichange: per strike (API default), per expiration or per contract. */
  oiChangeBy?: OiChangeBy;
  /** iv: ATM IV, 25-delta risk reversal, ATM straddle or the expected-move band. */
  ivMeasure?: IvMeasure;
}

export const DEFAULT_QUERY: Partial<FlowQuery> = {
  queryType: 'flow',
  metric: 'net_volume',
  groupBy: 'none',
  interval: 'auto',
};

/** Visible to every viewer of the data source. */
export interface FlowDataSourceOptions extends DataSourceJsonData {
  /** Where Grafana's data proxy reaches the optflow API, e.g. `http://optflow-api:3100`. */
  apiUrl?: string;
  defaultUnderlying?: string;
  /** New queries start in live mode. */
  liveByDefault?: boolean;
  /** During market hours, data older than this many minutes is shown as stale (default 5). */
  staleAfterMinutes?: number;
}

/** Stored encrypted by Grafana; only the data proxy reads it. */
export interface FlowSecureJsonData {
  apiToken?: string;
}

/** Template-variable queries: `underlyings()` or `expirations(SPX)`. */
export interface FlowVariableQuery {
  query: string;
}
