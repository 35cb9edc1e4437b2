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

const fieldsNamed = (names: string[]) => ({ id: 'filterFieldsByName', options: { include: { names } } });

export const strikeLadder: Dashboard = dashboard({
  uid: DASHBOARD_UIDS.ladder,
  title: 'Strike ladder',
  description:
    'Where the flow is by strike: the ladder of the last 30 minutes, gamma exposure, the most active contracts.',
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
    panel(
      2,
      'Gamma exposure by strike',
      'barchart',
      { x: 12, y: 0, w: 12, h: 10 },
      {
        targets: [flowTarget('A', { queryType: 'gex' })],
        transformations: [fieldsNamed(['strike', 'call_gex', 'put_gex', 'net_gex'])],
        fieldConfig: { defaults: { unit: 'currencyUSD' }, overrides: [] },
        options: {
          xField: 'strike',
          orientation: 'horizontal',
          stacking: 'none',
          legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
        },
      }
    ),
    panel(
      3,
      'Gamma levels',
      'stat',
      { x: 12, y: 10, w: 12, h: 8 },
      {
        targets: [flowTarget('A', { queryType: 'gex' })],
        transformations: [fieldsNamed(['spot', 'call_wall', 'put_wall', 'zero_gamma'])],
        options: {
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          colorMode: 'none',
          textMode: 'value_and_name',
        },
      }
    ),
    panel(
      4,
      'Most active contracts — volume per minute',
      'timeseries',
      { x: 0, y: 18, w: 24, h: 9 },
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
      { x: 0, y: 27, w: 24, h: 10 },
      {
        targets: [flowTarget('A', { queryType: 'chain', limit: 50 })],
      }
    ),
  ],
});
