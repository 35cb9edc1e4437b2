import React from 'react';
import { render, screen, fireEvent } from '@testing-library/react';
import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import { lastValueFrom } from 'rxjs';
import { StrikeLadderPanel } from './StrikeLadderPanel';
import { DEFAULT_OPTIONS, type StrikeLadderOptions } from './types';
import { newDataSource, nyTime, panelRequest, setTemplateVariables } from '../../../test/support/fixture';
import { panelProps } from '../../standalone/panel-props';

function renderPanel(series: DataFrame[], options: Partial<StrikeLadderOptions> = {}) {
  const props = panelProps(series, { ...DEFAULT_OPTIONS, ...options }, { width: 600, height: 400, title: 'Ladder' });
  return render(<StrikeLadderPanel {...props} />);
}

const ladder = (rows: Array<[number, number, number, number, number]>, spot: number) => [
  createDataFrame({
    name: 'ladder',
    fields: [
      { name: 'strike', type: FieldType.number, values: rows.map((r) => r[0]) },
      {
        name: 'call_volume',
        type: FieldType.number,
        values: rows.map((r) => r[1]),
        config: { unit: 'count:contracts' },
      },
      { name: 'put_volume', type: FieldType.number, values: rows.map((r) => r[2]) },
      { name: 'latest_volume', type: FieldType.number, values: rows.map((r) => r[3]) },
      { name: 'mean_volume', type: FieldType.number, values: rows.map((r) => r[4]) },
    ],
  }),
  createDataFrame({ name: 'spot', fields: [{ name: 'spot', type: FieldType.number, values: [spot] }] }),
];

test('the real ladder answer: one row per strike, bars, spot line between the strikes around it', async () => {
  setTemplateVariables({});
  const { ds } = newDataSource();
  const response = await lastValueFrom(
    ds.query(
      panelRequest([{ refId: 'L', queryType: 'ladder', underlying: 'SPX' }], {
        from: nyTime('09:30'),
        to: nyTime('16:01'),
        relative: false,
      })
    )
  );
  const series = response.data as DataFrame[];
  const strikes = series[0]!.fields[0]!.values as number[];
  expect(strikes.length).toBeGreaterThan(1);
  renderPanel(series);
  for (const k of strikes) {
    expect(screen.getByTestId(`optflow-ladder-row-${k}`)).toBeInTheDocument();
  }
  expect(screen.getByRole('img', { name: 'Strike ladder of volume' })).toBeInTheDocument();
  expect(screen.getByTestId('optflow-ladder-spot')).toHaveTextContent(/^spot \d+(\.\d+)?( [↑↓])?$/);
});

test('hot strikes are highlighted; hovering a row shows its numbers', () => {
  renderPanel(
    ladder(
      [
        [4210, 100, 20, 30, 5],
        [4200, 50, 60, 4, 5],
      ],
      4204
    ),
    { hotFactor: 3 }
  );
  expect(screen.getByTestId('optflow-ladder-row-4210')).toHaveAttribute('data-hot', 'true');
  expect(screen.getByTestId('optflow-ladder-row-4200')).toHaveAttribute('data-hot', 'false');
  fireEvent.mouseEnter(screen.getByTestId('optflow-ladder-row-4210'));
  expect(screen.getByRole('tooltip')).toHaveTextContent(
    'Strike 4210 — hotCalls: 100 contractsPuts: 20 contractsLatest interval: 30 contracts (mean 5 contracts)'
  );
  fireEvent.mouseLeave(screen.getByTestId('optflow-ladder-row-4210'));
  expect(screen.queryByRole('tooltip')).toBeNull();
});

test('the spot line can be switched off; non-ladder data says what to do', () => {
  const { unmount } = renderPanel(
    ladder(
      [
        [4210, 1, 1, 0, 0],
        [4200, 1, 1, 0, 0],
      ],
      4204
    ),
    { showSpot: false }
  );
  expect(screen.queryByTestId('optflow-ladder-spot')).toBeNull();
  unmount();
  renderPanel([createDataFrame({ fields: [{ name: 'time', type: FieldType.time, values: [1] }] })]);
  expect(screen.getByText('No ladder data: use an optflow query of type Ladder.')).toBeInTheDocument();
});
