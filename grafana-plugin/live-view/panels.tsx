import React, { useEffect, useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import {
  applyFieldOverrides,
  FieldColorModeId,
  FieldType,
  formattedValueToString,
  getValueFormat,
  type DataFrame,
  type FieldConfig,
  type GrafanaTheme2,
  type TimeRange,
} from '@grafana/data';
import { AxisPlacement, GraphDrawStyle, LegendDisplayMode } from '@grafana/schema';
import { Table, TimeSeries, useStyles2, useTheme2 } from '@grafana/ui';
import { plainFrames } from './model';

export const TIME_ZONE = 'America/New_York';

/** The element's content width, followed as the window resizes (panels fill their grid cell). */
export function useWidth(): [React.RefObject<HTMLDivElement>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) {
      return;
    }
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry?.contentRect.width ?? 0)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

const getStyles = (theme: GrafanaTheme2) => ({
  panel: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1),
    minWidth: 0,
  }),
  title: css({ fontSize: theme.typography.h6.fontSize, margin: theme.spacing(0, 0, 1, 0) }),
  empty: css({ color: theme.colors.text.secondary, padding: theme.spacing(2) }),
});

/** A titled panel; `data-frames` carries what it shows, as plain values, for the browser test. */
export function Panel({
  testId,
  title,
  frames,
  height,
  children,
}: {
  testId: string;
  title: string;
  frames: DataFrame[];
  height: number;
  children: (width: number) => React.ReactNode;
}) {
  const styles = useStyles2(getStyles);
  const [ref, width] = useWidth();
  const empty = frames.every((f) => f.length === 0);
  return (
    <section className={styles.panel} data-testid={testId} data-frames={JSON.stringify(plainFrames(frames))}>
      <h2 className={styles.title}>{title}</h2>
      <div ref={ref} style={{ height }}>
        {empty ? <div className={styles.empty}>No data</div> : width > 0 && children(width)}
      </div>
    </section>
  );
}

type Style = { draw: 'bars' | 'line'; axis: 'left' | 'right'; color: string };

/** What Grafana's time-series panel applies from its options: draw style, axis side, colours. */
function styled(frames: DataFrame[], style: Style, seriesIndex: number): DataFrame[] {
  const custom =
    style.draw === 'bars'
      ? { drawStyle: GraphDrawStyle.Bars, fillOpacity: 70, lineWidth: 1, axisPlacement: AxisPlacement.Left }
      : { drawStyle: GraphDrawStyle.Line, fillOpacity: 0, lineWidth: 2, axisPlacement: AxisPlacement.Right };
  return frames.map((frame) => ({
    ...frame,
    fields: frame.fields.map((field) =>
      field.type !== FieldType.number
        ? field
        : {
            ...field,
            config: {
              ...field.config,
              color: { mode: FieldColorModeId.Fixed, fixedColor: style.color },
              custom: { ...custom, axisPlacement: style.axis === 'right' ? AxisPlacement.Right : AxisPlacement.Left },
            } as FieldConfig,
            state: { ...field.state, seriesIndex },
          }
    ),
  }));
}

/** @grafana/ui's TimeSeries (uPlot) over series drawn as bars or lines on the left or right axis. */
export function FlowChart({
  series,
  width,
  height,
  range,
}: {
  series: Array<{ frames: DataFrame[]; style: Style }>;
  width: number;
  height: number;
  range: TimeRange;
}) {
  const theme = useTheme2();
  const processed = useMemo(
    () =>
      applyFieldOverrides({
        data: series.flatMap((s, i) => styled(s.frames, s.style, i)),
        fieldConfig: { defaults: {}, overrides: [] },
        replaceVariables: (v) => v,
        theme,
        timeZone: TIME_ZONE,
      }),
    [series, theme]
  );
  const legend = { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom' as const, calcs: [] };
  return (
    <TimeSeries
      frames={processed}
      width={width}
      height={height}
      timeRange={range}
      timeZone={TIME_ZONE}
      legend={legend}
    />
  );
}

const money = getValueFormat('currencyUSD');
const formatMoney = (v: number) => formattedValueToString(money(v, 1));

/**
 * Gamma exposure by strike (the API's `gex` answer): net GEX as horizontal bars around zero, with
 * the spot, call wall, put wall and zero-gamma level as lines across; the strikes nearest the spot.
 */
export function GexChart({ frames, width, height }: { frames: DataFrame[]; width: number; height: number }) {
  const theme = useTheme2();
  const byStrike = frames.find((f) => f.name === 'gex');
  const levelsFrame = frames.find((f) => f.name === 'levels');
  const level = (name: string) => {
    const v = levelsFrame?.fields.find((f) => f.name === name)?.values[0];
    return typeof v === 'number' ? v : null;
  };
  const spot = level('spot');
  const strikes = (byStrike?.fields.find((f) => f.name === 'strike')?.values ?? []) as number[];
  const net = (byStrike?.fields.find((f) => f.name === 'net_gex')?.values ?? []) as number[];
  const rowsFit = Math.max(4, Math.floor((height - 24) / 12));
  const centre = spot ?? strikes[Math.floor(strikes.length / 2)] ?? 0;
  const rows = strikes
    .map((strike, i) => ({ strike, gex: net[i] ?? 0 }))
    .sort((a, b) => Math.abs(a.strike - centre) - Math.abs(b.strike - centre))
    .slice(0, rowsFit)
    .sort((a, b) => b.strike - a.strike);
  if (rows.length === 0) {
    return null;
  }
  const top = rows[0]!.strike;
  const bottom = rows[rows.length - 1]!.strike;
  const label = 56;
  const plotHeight = height - 24;
  const y = (strike: number) =>
    top === bottom ? plotHeight / 2 : ((top - strike) / (top - bottom)) * (plotHeight - 10) + 5;
  const extent = Math.max(...rows.map((r) => Math.abs(r.gex)), 1);
  const zeroX = label + (width - label) / 2;
  const x = (gex: number) => zeroX + (gex / extent) * ((width - label) / 2 - 4);
  const bar = Math.max(2, Math.min(10, plotHeight / rows.length - 2));
  const lines = [
    { name: 'spot', value: spot, color: theme.colors.text.primary },
    { name: 'call wall', value: level('call_wall'), color: theme.visualization.getColorByName('green') },
    { name: 'put wall', value: level('put_wall'), color: theme.visualization.getColorByName('red') },
    { name: 'zero gamma', value: level('zero_gamma'), color: theme.visualization.getColorByName('yellow') },
  ].filter(
    (l): l is { name: string; value: number; color: string } => l.value !== null && l.value <= top && l.value >= bottom
  );
  const text = theme.colors.text.secondary;
  return (
    <svg
      width={width}
      height={height}
      role="img"
      aria-label="GEX by strike"
      fontSize={11}
      fontFamily={theme.typography.fontFamily}
    >
      <line x1={zeroX} x2={zeroX} y1={0} y2={plotHeight} stroke={theme.colors.border.medium} />
      {rows.map((r) => (
        <g key={r.strike} data-testid="optflow-gex-row">
          <text x={label - 6} y={y(r.strike) + 4} textAnchor="end" fill={text}>
            {r.strike}
          </text>
          <rect
            x={Math.min(zeroX, x(r.gex))}
            y={y(r.strike) - bar / 2}
            width={Math.abs(x(r.gex) - zeroX)}
            height={bar}
            fill={theme.visualization.getColorByName(r.gex >= 0 ? 'green' : 'red')}
          >
            <title>{`${r.strike}: ${formatMoney(r.gex)} per 1% move`}</title>
          </rect>
        </g>
      ))}
      {lines.map((l) => (
        <g key={l.name} data-testid={`optflow-gex-${l.name.replace(' ', '-')}`}>
          <line x1={label} x2={width} y1={y(l.value)} y2={y(l.value)} stroke={l.color} strokeDasharray="4 3" />
          <text x={width - 4} y={y(l.value) - 3} textAnchor="end" fill={l.color}>
            {`${l.name} ${l.value.toFixed(l.name === 'spot' ? 2 : 0)}`}
          </text>
        </g>
      ))}
      <text x={label} y={height - 6} fill={text}>
        {`net GEX per 1% move; largest ${formatMoney(extent)}`}
      </text>
    </svg>
  );
}

const ACTIVE_COLUMNS = ['contract', 'total_volume', 'mark', 'iv', 'open_interest'];

/** The most active contracts at the latest snapshot (the API's `chain` answer) in @grafana/ui's Table. */
export function ActiveContracts({ frames, width, height }: { frames: DataFrame[]; width: number; height: number }) {
  const theme = useTheme2();
  const data = useMemo(() => {
    const shown = frames.map((f) => ({
      ...f,
      fields: ACTIVE_COLUMNS.flatMap((name) => f.fields.filter((x) => x.name === name)),
    }));
    return applyFieldOverrides({
      data: shown,
      fieldConfig: { defaults: {}, overrides: [] },
      replaceVariables: (v) => v,
      theme,
      timeZone: TIME_ZONE,
    });
  }, [frames, theme]);
  return data[0] ? <Table data={data[0]} width={width} height={height} /> : null;
}
