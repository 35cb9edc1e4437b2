import { FieldType, createDataFrame, type DataFrame, type FieldConfig } from '@grafana/data';
import { SERIES_QUERY_TYPES, type ApiField, type ApiFrame, type QueryType } from '@optflow/contract';

const FIELD_TYPES: Record<ApiField['type'], FieldType> = {
  time: FieldType.time,
  number: FieldType.number,
  string: FieldType.string,
};

/** Volumes are counts of contracts (scaled: 1.2 K contracts); premiums are dollars. */
function unitOf(field: ApiField): string | undefined {
  if (field.unit === 'short') {
    return 'count:contracts';
  }
  return field.unit;
}

const METRIC_NAMES: Record<string, string> = {
  net_volume: 'Net volume',
  call_volume: 'Call volume',
  put_volume: 'Put volume',
  net_premium: 'Net premium',
  call_premium: 'Call premium',
  put_premium: 'Put premium',
  net_signed_volume: 'Net signed volume',
  put_call_ratio: 'Put/call ratio',
  spot: 'Spot',
  ask_volume: 'Ask-side volume',
  bid_volume: 'Bid-side volume',
  ask_premium: 'Ask-side premium',
  bid_premium: 'Bid-side premium',
  net_quote_signed_volume: 'Net quote-signed volume',
  max_pain: 'Max pain',
  atm_iv: 'ATM IV',
  risk_reversal: '25Δ risk reversal',
  straddle: 'ATM straddle',
  expected_move_lower: 'Expected move low',
  expected_move_upper: 'Expected move high',
};

export interface FrameContext {
  refId: string;
  queryType: string;
  underlying: string;
  legendFormat?: string;
  /** A warning the panel shows on its frames (stale data). */
  notice?: string | null;
}

/** `{{name}}` → the value of that label (metric, underlying, expiration, dte, refId); unknown names stay empty. */
export function formatLegend(format: string, labels: Record<string, string>): string {
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? '');
}

/** The name a flow series shows in legends and tooltips. */
function seriesName(frame: ApiFrame, value: ApiField, ctx: FrameContext): string {
  const labels: Record<string, string> = {
    metric: value.name,
    underlying: ctx.underlying,
    refId: ctx.refId,
    ...value.labels,
  };
  if (ctx.legendFormat) {
    return formatLegend(ctx.legendFormat, labels);
  }
  const group = Object.values(value.labels ?? {}).join(' ');
  return [ctx.underlying, METRIC_NAMES[value.name] ?? frame.name, group].filter(Boolean).join(' ');
}

/** API frames → Grafana data frames with field types, units and display names. */
export function toDataFrames(frames: readonly ApiFrame[], ctx: FrameContext): DataFrame[] {
  return frames.map((frame) => {
    const isSeries = SERIES_QUERY_TYPES.has(ctx.queryType as QueryType) && frame.fields[0]?.type === 'time';
    return createDataFrame({
      refId: ctx.refId,
      name: frame.name,
      fields: frame.fields.map((f) => {
        const config: FieldConfig = {};
        const unit = unitOf(f);
        if (unit) {
          config.unit = unit;
        }
        if (isSeries && f.type !== 'time') {
          config.displayNameFromDS = seriesName(frame, f, ctx);
        }
        return {
          name: f.name,
          type: FIELD_TYPES[f.type],
          // Copies: panels and transformations may modify what they get; the held series must not change.
          values: f.values.slice(),
          config,
          ...(f.labels ? { labels: { ...f.labels } } : {}),
        };
      }),
      meta: {
        preferredVisualisationType: isSeries ? 'graph' : 'table',
        ...(ctx.notice ? { notices: [{ severity: 'warning' as const, text: ctx.notice }] } : {}),
      },
    });
  });
}
