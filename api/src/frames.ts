import type { ApiField, ApiFrame, FlowMetric } from '@optflow/contract';

/** Columnar frames, shaped like Grafana's data frames: one frame per series. */
export type FrameField = ApiField;
export type Frame = ApiFrame;

const UNITS: Record<FlowMetric, string> = {
  call_volume: 'short',
  put_volume: 'short',
  net_volume: 'short',
  call_premium: 'currencyUSD',
  put_premium: 'currencyUSD',
  net_premium: 'currencyUSD',
  net_signed_volume: 'short',
  put_call_ratio: 'none',
  spot: 'currencyUSD',
  ask_volume: 'short',
  bid_volume: 'short',
  ask_premium: 'currencyUSD',
  bid_premium: 'currencyUSD',
  net_quote_signed_volume: 'short',
};

/** Rows ordered by series then time → one time/value frame per series. */
export function flowFrames(
  rows: ReadonlyArray<{ t: number; series: string; value: number | null }>,
  metric: FlowMetric,
  groupBy: string
): Frame[] {
  const frames = new Map<string, Frame>();
  for (const r of rows) {
    let frame = frames.get(r.series);
    if (!frame) {
      const labels = groupBy === 'none' ? undefined : { [groupBy]: r.series };
      frame = {
        name: groupBy === 'none' ? metric : `${metric} ${r.series}`,
        fields: [
          { name: 'time', type: 'time', values: [] },
          { name: metric, type: 'number', unit: UNITS[metric], ...(labels ? { labels } : {}), values: [] },
        ],
      };
      frames.set(r.series, frame);
    }
    frame.fields[0]!.values.push(r.t);
    frame.fields[1]!.values.push(r.value);
  }
  return [...frames.values()];
}

export interface Column<Row> {
  key: keyof Row & string;
  name?: string;
  type: FrameField['type'];
  unit?: string;
}

/** Rows → one frame with a field per column. */
export function tableFrame<Row extends Record<string, unknown>>(
  name: string,
  rows: readonly Row[],
  columns: ReadonlyArray<Column<Row>>,
  labels?: Record<string, string>
): Frame {
  return {
    name,
    fields: columns.map((c) => ({
      name: c.name ?? c.key,
      type: c.type,
      ...(c.unit ? { unit: c.unit } : {}),
      ...(labels && c.type !== 'time' ? { labels } : {}),
      values: rows.map((r) => (r[c.key] ?? null) as number | string | null),
    })),
  };
}
