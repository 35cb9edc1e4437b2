import { ThresholdsMode, type Dashboard, type Panel } from '@grafana/schema';
import {
  DASHBOARD_UIDS,
  EXPIRATION_VARIABLE,
  MIXED,
  SPOT_SQL,
  TIMESERIES_DEFAULTS,
  UNDERLYING_VARIABLE,
  dashboard,
  flowTarget,
  panel,
  sqlTarget,
} from './common.ts';
import type { Grid } from './common.ts';

/** The series of query `refId` as a line on its own right-hand axis. */
function rightAxisLine(refId: string, label: string, more: Array<{ id: string; value: unknown }> = []) {
  return {
    matcher: { id: 'byFrameRefID', options: refId },
    properties: [
      { id: 'custom.drawStyle', value: 'line' },
      { id: 'custom.fillOpacity', value: 0 },
      { id: 'custom.axisPlacement', value: 'right' },
      { id: 'custom.axisLabel', value: label },
      ...more,
    ],
  };
}

/** One IV measure per expiration through the day, live, a series per expiration. */
function ivPanel(
  id: number,
  title: string,
  gridPos: Grid,
  description: string,
  ivMeasure: 'atm_iv' | 'risk_reversal',
  unit: string,
  decimals: number
) {
  return panel(id, title, 'timeseries', gridPos, {
    description,
    targets: [flowTarget('A', { queryType: 'iv', ivMeasure, live: true, legendFormat: '{{expiration}}' })],
    fieldConfig: { defaults: { ...TIMESERIES_DEFAULTS, unit, decimals }, overrides: [] },
  });
}

/** Per-minute bars on the left axis; the cumulative line (B) and the spot (C) on right-hand axes. */
function perMinuteWithCumulativeAndSpot(
  id: number,
  title: string,
  metric: 'net_volume' | 'net_premium',
  y: number
): Panel {
  const unit = metric === 'net_volume' ? 'count:contracts' : 'currencyUSD';
  return panel(
    id,
    title,
    'timeseries',
    { x: 0, y, w: 24, h: 9 },
    {
      datasource: MIXED,
      targets: [
        flowTarget('A', {
          queryType: 'flow',
          metric,
          live: true,
          legendFormat: `{{underlying}} ${metric === 'net_volume' ? 'net volume' : 'net premium'}`,
        }),
        flowTarget('B', { queryType: 'flow', metric, cumulative: true, live: true, legendFormat: 'cumulative' }),
        sqlTarget('C', SPOT_SQL),
        // The market's expected move to today's close (spot ± the 0DTE ATM straddle), around the spot.
        flowTarget('D', {
          queryType: 'iv',
          ivMeasure: 'expected_move',
          zeroDte: true,
          live: true,
          legendFormat: '{{metric}}',
        }),
      ],
      fieldConfig: {
        defaults: {
          ...TIMESERIES_DEFAULTS,
          unit,
          custom: { ...TIMESERIES_DEFAULTS.custom, drawStyle: 'bars', fillOpacity: 60 },
        },
        overrides: [
          rightAxisLine('B', 'cumulative'),
          rightAxisLine('C', 'spot', [
            { id: 'unit', value: 'none' },
            { id: 'color', value: { mode: 'fixed', fixedColor: 'text' } },
            { id: 'custom.lineStyle', value: { fill: 'dash', dash: [4, 4] } },
          ]),
          rightAxisLine('D', 'spot', [
            { id: 'unit', value: 'none' },
            { id: 'color', value: { mode: 'fixed', fixedColor: 'purple' } },
          ]),
          {
            matcher: { id: 'byName', options: 'expected_move_upper' },
            properties: [
              { id: 'custom.fillBelowTo', value: 'expected_move_lower' },
              { id: 'custom.fillOpacity', value: 12 },
            ],
          },
        ],
      },
      options: {
        legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
        tooltip: { mode: 'multi', sort: 'none' },
      },
    }
  );
}

export const optionsFlow: Dashboard = dashboard({
  uid: DASHBOARD_UIDS.flow,
  title: 'Options flow',
  description: 'Call/put/net volume and premium per minute from optflow, live.',
  time: { from: 'now-6h', to: 'now' },
  variables: [UNDERLYING_VARIABLE, EXPIRATION_VARIABLE],
  linkTo: { title: 'Strike ladder', uid: DASHBOARD_UIDS.ladder },
  panels: [
    perMinuteWithCumulativeAndSpot(1, 'Net volume per minute — $underlying', 'net_volume', 0),
    perMinuteWithCumulativeAndSpot(2, 'Net premium per minute — $underlying', 'net_premium', 9),
    panel(
      3,
      'Net volume by expiration',
      'timeseries',
      { x: 0, y: 18, w: 12, h: 8 },
      {
        targets: [
          flowTarget('A', {
            queryType: 'flow',
            metric: 'net_volume',
            groupBy: 'expiration',
            live: true,
            legendFormat: '{{expiration}}',
          }),
        ],
        fieldConfig: { defaults: { ...TIMESERIES_DEFAULTS, unit: 'count:contracts' }, overrides: [] },
      }
    ),
    panel(
      4,
      '0DTE vs the rest (net volume, cumulative)',
      'timeseries',
      { x: 12, y: 18, w: 12, h: 8 },
      {
        targets: [
          flowTarget('A', {
            queryType: 'flow',
            metric: 'net_volume',
            cumulative: true,
            zeroDte: true,
            live: true,
            legendFormat: '0DTE',
          }),
          flowTarget('B', {
            queryType: 'flow',
            metric: 'net_volume',
            cumulative: true,
            dteMin: 1,
            live: true,
            legendFormat: '1+ DTE',
          }),
        ],
        fieldConfig: { defaults: { ...TIMESERIES_DEFAULTS, unit: 'count:contracts' }, overrides: [] },
      }
    ),
    panel(
      5,
      'Put/call volume ratio (5-minute rolling mean)',
      'timeseries',
      { x: 0, y: 26, w: 24, h: 7 },
      {
        targets: [
          flowTarget('A', {
            queryType: 'flow',
            metric: 'put_call_ratio',
            rolling: 5,
            live: true,
            legendFormat: 'put/call',
          }),
        ],
        fieldConfig: {
          defaults: {
            ...TIMESERIES_DEFAULTS,
            unit: 'none',
            decimals: 2,
            thresholds: {
              mode: ThresholdsMode.Absolute,
              steps: [
                { color: 'green', value: null },
                { color: 'red', value: 1 },
              ],
            },
            custom: { ...TIMESERIES_DEFAULTS.custom, thresholdsStyle: { mode: 'line' } },
          },
          overrides: [],
        },
      }
    ),
    panel(
      6,
      'Max pain by expiration — $underlying',
      'timeseries',
      { x: 0, y: 33, w: 12, h: 9 },
      {
        description:
          'Per expiration, the strike where option holders would be paid least at settlement (open interest at the last snapshot of each interval).',
        targets: [flowTarget('A', { queryType: 'maxpain', live: true, legendFormat: '{{expiration}}' })],
        fieldConfig: {
          defaults: {
            ...TIMESERIES_DEFAULTS,
            unit: 'none',
            decimals: 0,
            custom: { ...TIMESERIES_DEFAULTS.custom, lineInterpolation: 'stepAfter' },
          },
          overrides: [],
        },
      }
    ),
    panel(
      7,
      'Unusual activity — $underlying',
      'table',
      { x: 12, y: 33, w: 12, h: 9 },
      {
        description:
          "Contracts with volume/OI ≥ 1.25, volume > 500, OI > 100 and price > 0.10 over the range (Barchart's rule), or whose latest interval runs hot (> 3 × their mean), most unusual first.",
        targets: [flowTarget('A', { queryType: 'unusual', limit: 100 })],
        fieldConfig: {
          defaults: {},
          overrides: [{ matcher: { id: 'byName', options: 'volume_oi' }, properties: [{ id: 'decimals', value: 2 }] }],
        },
        options: { showHeader: true, sortBy: [] },
      }
    ),
    ivPanel(
      8,
      'ATM implied volatility by expiration',
      { x: 0, y: 42, w: 12, h: 9 },
      'Per expiration, the mean IV of the call and put at the strike nearest the spot, at the last snapshot of each interval.',
      'atm_iv',
      'percent',
      1
    ),
    ivPanel(
      9,
      '25-delta risk reversal by expiration',
      { x: 12, y: 42, w: 12, h: 9 },
      'IV of the call nearest 0.25 delta minus that of the put nearest −0.25 (vol points): below zero, puts are bid over calls.',
      'risk_reversal',
      'none',
      2
    ),
    panel(
      11,
      'Ask- vs bid-side volume (quote-rule estimate)',
      'timeseries',
      { x: 12, y: 51, w: 12, h: 8 },
      {
        description:
          "Each interval's volume on the side its last trade sat against the bid/ask midpoint at the snapshot (the tick rule at the midpoint): an estimate, snapshots carry no trades.",
        targets: [
          flowTarget('A', { queryType: 'flow', metric: 'ask_volume', live: true, legendFormat: 'ask side' }),
          flowTarget('B', { queryType: 'flow', metric: 'bid_volume', live: true, legendFormat: 'bid side' }),
        ],
        fieldConfig: { defaults: { ...TIMESERIES_DEFAULTS, unit: 'count:contracts' }, overrides: [] },
      }
    ),
    panel(
      10,
      'IV term structure (latest ATM IV)',
      'barchart',
      { x: 0, y: 51, w: 12, h: 8 },
      {
        description: 'The latest ATM IV of each expiration, nearest first.',
        targets: [flowTarget('A', { queryType: 'iv', ivMeasure: 'atm_iv', legendFormat: '{{expiration}}' })],
        transformations: [{ id: 'reduce', options: { reducers: ['lastNotNull'], mode: 'seriesToRows' } }],
        fieldConfig: { defaults: { unit: 'percent', decimals: 1 }, overrides: [] },
        options: {
          xField: 'Field',
          orientation: 'vertical',
          legend: { displayMode: 'list', placement: 'bottom', showLegend: false },
        },
      }
    ),
  ],
});
