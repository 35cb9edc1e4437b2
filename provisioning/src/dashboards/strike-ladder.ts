import type { Dashboard } from '@grafana/schema';
import {
  DASHBOARD_UIDS,
  EXPIRATION_VARIABLE,
  TIMESERIES_DEFAULTS,
  UNDERLYING_VARIABLE,
  dashboard,
  flowTarget,
  panel,
} from './common.ts';
import type { Grid } from './common.ts';

type FlowTarget = ReturnType<typeof flowTarget>;

const fieldsNamed = (names: string[]) => ({ id: 'filterFieldsByName', options: { include: { names } } });

/** A bar chart of calls, puts and net per strike (horizontal bars) or per expiration. */
function callPutBars(
  id: number,
  title: string,
  gridPos: Grid,
  bars: { description?: string; target: FlowTarget; by: 'strike' | 'expiration'; fields: string[]; unit: string }
) {
  return panel(id, title, 'barchart', gridPos, {
    ...(bars.description === undefined ? {} : { description: bars.description }),
    targets: [bars.target],
    transformations: [fieldsNamed([bars.by, ...bars.fields])],
    fieldConfig: { defaults: { unit: bars.unit }, overrides: [] },
    options: {
      xField: bars.by,
      orientation: bars.by === 'strike' ? 'horizontal' : 'vertical',
      stacking: 'none',
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
    },
  });
}

/** One greek's dealer exposure (calls, puts, net) per strike or per expiration. */
function exposurePanel(
  id: number,
  title: string,
  description: string,
  greek: 'delta' | 'vanna' | 'charm',
  by: 'strike' | 'expiration',
  x: number
) {
  return callPutBars(
    id,
    title,
    { x, y: 18, w: 8, h: 9 },
    {
      description,
      target: flowTarget('A', { queryType: 'exposure', greek, exposureBy: by }),
      by,
      fields: [`call_${greek}`, `put_${greek}`, `net_${greek}`],
      unit: 'currencyUSD',
    }
  );
}

export const strikeLadder: Dashboard = dashboard({
  uid: DASHBOARD_UIDS.ladder,
  title: 'Strike ladder',
  description:
    'Where the flow is by strike: the ladder of the last 30 minutes, gamma, delta, vanna and charm exposure, open-interest change since the previous session, the most active contracts.',
  time: { from: 'now-6h', to: 'now' },
  variables: [UNDERLYING_VARIABLE, EXPIRATION_VARIABLE],
  linkTo: { title: 'Options flow', uid: DASHBOARD_UIDS.flow },
  panels: [
    panel(
      1,
      'Strike ladder — volume, last 30 minutes',
      'optflow-strikeladder-panel',
      { x: 0, y: 0, w: 12, h: 18 },
      {
        targets: [flowTarget('A', { queryType: 'ladder', measure: 'volume', lastMinutes: 30, live: true })],
        options: { hotFactor: 3, maxStrikes: 40, showSpot: true, callColor: 'green', putColor: 'red' },
      }
    ),
    callPutBars(
      2,
      'Gamma exposure by strike',
      { x: 12, y: 0, w: 12, h: 10 },
      {
        target: flowTarget('A', { queryType: 'gex' }),
        by: 'strike',
        fields: ['call_gex', 'put_gex', 'net_gex'],
        unit: 'currencyUSD',
      }
    ),
    panel(
      3,
      'Gamma levels',
      'stat',
      { x: 12, y: 10, w: 12, h: 8 },
      {
        targets: [flowTarget('A', { queryType: 'gex' })],
        transformations: [fieldsNamed(['spot', 'call_wall', 'put_wall', 'zero_gamma', 'abs_gamma'])],
        options: {
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          colorMode: 'none',
          textMode: 'value_and_name',
        },
      }
    ),
    exposurePanel(
      6,
      'Delta exposure by strike (DEX)',
      "Dealers' dollar delta per 1 % move of the open interest at the latest snapshot: calls +, puts − × delta (dealers short puts are long delta).",
      'delta',
      'strike',
      0
    ),
    exposurePanel(
      7,
      'Vanna exposure by strike',
      "Change of dealers' dollar delta per volatility point (Black–Scholes on each contract's IV).",
      'vanna',
      'strike',
      8
    ),
    exposurePanel(
      8,
      'Charm exposure by expiration',
      "Change of dealers' dollar delta per calendar day as time passes (Black–Scholes on each contract's IV).",
      'charm',
      'expiration',
      16
    ),
    panel(
      4,
      'Most active contracts — volume per minute',
      'timeseries',
      { x: 0, y: 27, w: 24, h: 9 },
      {
        targets: [flowTarget('A', { queryType: 'contracts', limit: 5 })],
        transformations: [fieldsNamed(['time', 'volume'])],
        fieldConfig: { defaults: { ...TIMESERIES_DEFAULTS, unit: 'count:contracts' }, overrides: [] },
      }
    ),
    panel(
      5,
      'Chain at the latest snapshot (most traded first)',
      'table',
      { x: 0, y: 36, w: 24, h: 10 },
      {
        targets: [flowTarget('A', { queryType: 'chain', limit: 50 })],
      }
    ),
    panel(
      11,
      'Net gamma exposure by strike over time',
      'heatmap',
      { x: 0, y: 56, w: 24, h: 10 },
      {
        description:
          'Each cell: the net dealer gamma exposure (per 1 % move, of the open interest) of a strike at the last snapshot of the interval — red short gamma, blue long.',
        targets: [flowTarget('A', { queryType: 'exposure', greek: 'gamma', exposureOverTime: true })],
        fieldConfig: { defaults: { unit: 'currencyUSD' }, overrides: [] },
        options: {
          calculate: false,
          rowsFrame: { layout: 'auto' },
          yAxis: { axisPlacement: 'left', axisLabel: 'strike' },
          color: {
            mode: 'scheme',
            scheme: 'RdBu',
            fill: 'dark-orange',
            scale: 'linear',
            exponent: 0.5,
            steps: 64,
            reverse: false,
          },
          cellGap: 1,
          legend: { show: true },
          tooltip: { mode: 'single', yHistogram: false },
        },
      }
    ),
    callPutBars(
      9,
      'Open-interest change by strike',
      { x: 0, y: 46, w: 12, h: 10 },
      {
        description:
          "Open interest at this session's first snapshot against the previous session's (OI is published once a day), contracts listed in both.",
        target: flowTarget('A', { queryType: 'oichange' }),
        by: 'strike',
        fields: ['call_oi_change', 'put_oi_change', 'net_oi_change'],
        unit: 'count:contracts',
      }
    ),
    panel(
      10,
      'Largest open-interest changes',
      'table',
      { x: 12, y: 46, w: 12, h: 10 },
      {
        targets: [flowTarget('A', { queryType: 'oichange', oiChangeBy: 'contract', limit: 50 })],
        transformations: [
          fieldsNamed([
            'contract',
            'expiration',
            'put_call',
            'strike',
            'open_interest',
            'previous_open_interest',
            'oi_change',
          ]),
        ],
      }
    ),
  ],
});
