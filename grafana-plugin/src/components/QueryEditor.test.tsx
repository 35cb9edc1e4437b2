import React, { useState } from 'react';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { FlowQuery } from '../types';
import type { DataSource } from '../datasource';
import { QueryEditor } from './QueryEditor';
import { selectors } from './selectors';
import { newDataSource, setTemplateVariables } from '../../test/support/fixture';

/** The editor as a panel hosts it: the query lives in the parent, every change re-renders. */
function Host({
  datasource,
  initial,
  onRun,
  onQuery,
}: {
  datasource: DataSource;
  initial: FlowQuery;
  onRun: () => void;
  onQuery: (q: FlowQuery) => void;
}) {
  const [query, setQuery] = useState(initial);
  return (
    <QueryEditor
      datasource={datasource}
      query={query}
      onChange={(q) => {
        setQuery(q);
        onQuery(q);
      }}
      onRunQuery={onRun}
    />
  );
}

function setup(initial: FlowQuery = { refId: 'A', queryType: 'flow', underlying: 'SPX', metric: 'net_volume' }) {
  setTemplateVariables({ underlying: 'SPX' });
  const { ds } = newDataSource();
  const onRun = jest.fn();
  let last = initial;
  render(<Host datasource={ds} initial={initial} onRun={onRun} onQuery={(q) => (last = q)} />);
  return { onRun, query: () => last, user: userEvent.setup() };
}

test('lists the API underlyings and dashboard variables; choosing a metric changes the query and runs it', async () => {
  const { onRun, query, user } = setup();
  await user.click(screen.getByTestId(selectors.query.underlying));
  await waitFor(() =>
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['NDX', 'SPX', '$underlying'])
  );
  await user.keyboard('{Escape}');

  await user.click(screen.getByTestId(selectors.query.metric));
  await user.click(await screen.findByRole('option', { name: 'call premium' }));
  expect(query().metric).toBe('call_premium');
  expect(onRun).toHaveBeenCalledTimes(1);
});

test('switches, group by and query type change the query; ladder shows its own options', async () => {
  const { onRun, query, user } = setup();
  await user.click(within(screen.getByTestId(selectors.query.cumulative).parentElement!).getByRole('switch'));
  expect(query().cumulative).toBe(true);
  await user.click(within(screen.getByTestId(selectors.query.groupBy)).getByText('Expiration'));
  expect(query().groupBy).toBe('expiration');
  await user.click(within(screen.getByTestId(selectors.query.putCall)).getByText('Puts'));
  expect(query().putCall).toBe('P');
  await user.click(within(screen.getByTestId(selectors.query.otm).parentElement!).getByRole('switch'));
  expect(query().otm).toBe(true);
  expect(onRun).toHaveBeenCalledTimes(4);

  expect(screen.queryByTestId(selectors.query.measure)).toBeNull();
  await user.click(within(screen.getByTestId(selectors.query.queryType)).getByText('Ladder'));
  expect(query().queryType).toBe('ladder');
  await user.click(within(screen.getByTestId(selectors.query.measure)).getByText('Premium'));
  expect(query().measure).toBe('premium');
  expect(screen.queryByTestId(selectors.query.metric)).toBeNull();
});

test('expirations come from the API for the chosen underlying', async () => {
  const { query, user } = setup();
  await user.click(screen.getByTestId(selectors.query.expirations));
  await user.click(await screen.findByRole('option', { name: '2023-05-22' }));
  await waitFor(() => expect(query().expirations).toEqual(['2023-05-22']));
});

test('invalid numbers show an inline message and do not run the query', async () => {
  const { onRun, query, user } = setup();
  const rolling = screen.getByTestId(selectors.query.rolling);
  await user.type(rolling, '2.5');
  await act(async () => rolling.blur());
  expect(query().rolling).toBe(2.5);
  expect(screen.getByTestId(selectors.query.problems)).toHaveTextContent(
    'Rolling mean: a whole number of buckets from 1 to 500'
  );
  expect(onRun).not.toHaveBeenCalled();

  await user.clear(rolling);
  await user.type(rolling, '3');
  await act(async () => rolling.blur());
  expect(screen.queryByTestId(selectors.query.problems)).toBeNull();
  expect(onRun).toHaveBeenCalledTimes(1);

  await user.type(screen.getByTestId(selectors.query.dteMin), '5');
  await user.type(screen.getByTestId(selectors.query.dteMax), '1');
  expect(screen.getByTestId(selectors.query.problems)).toHaveTextContent('DTE max is below DTE min');
});

test('unusual shows its thresholds and limit; maxpain its interval', async () => {
  const { onRun, query, user } = setup({ refId: 'A', queryType: 'unusual', underlying: 'SPX' });
  expect(screen.queryByTestId(selectors.query.metric)).toBeNull();
  expect(screen.getByTestId(selectors.query.minRatio)).toHaveAttribute('placeholder', '1.25');
  const minVolume = screen.getByTestId(selectors.query.minVolume);
  await user.type(minVolume, '1000');
  await act(async () => minVolume.blur());
  expect(query().minVolume).toBe(1000);
  expect(onRun).toHaveBeenCalledTimes(1);
  const hot = screen.getByTestId(selectors.query.hotFactor);
  await user.type(hot, '0');
  await act(async () => hot.blur());
  expect(screen.getByTestId(selectors.query.problems)).toHaveTextContent('Hot factor: above 0, at most 1,000,000');
  expect(screen.getByTestId(selectors.query.limit)).toBeInTheDocument();
});

test('exposure: greek, weight, by, unit and rate; gamma of the open interest by strike unless chosen', async () => {
  const { onRun, query, user } = setup({ refId: 'A', queryType: 'exposure', underlying: 'SPX' });
  expect(screen.queryByTestId(selectors.query.metric)).toBeNull();
  expect(screen.queryByTestId(selectors.query.limit)).toBeNull();
  await user.click(within(screen.getByTestId(selectors.query.greek)).getByText('Vanna'));
  await user.click(within(screen.getByTestId(selectors.query.weight)).getByText("Day's volume"));
  await user.click(within(screen.getByTestId(selectors.query.exposureBy)).getByText('Expiration'));
  await user.click(within(screen.getByTestId(selectors.query.exposureUnit)).getByText('Notional'));
  expect(query()).toMatchObject({
    greek: 'vanna',
    weight: 'volume',
    exposureBy: 'expiration',
    exposureUnit: 'notional',
  });
  await user.click(within(screen.getByTestId(selectors.query.exposureOverTime).parentElement!).getByRole('switch'));
  expect(query().exposureOverTime).toBe(true);
  expect(onRun).toHaveBeenCalledTimes(5);
  const rate = screen.getByTestId(selectors.query.rate);
  await user.type(rate, '4');
  await act(async () => rate.blur());
  expect(screen.getByTestId(selectors.query.problems)).toHaveTextContent('Rate: -0.1 to 0.5 (0.05 is 5 %)');
  expect(onRun).toHaveBeenCalledTimes(5);
});

test('oichange: by strike, expiration or contract; the limit only by contract', async () => {
  const { query, user } = setup({ refId: 'A', queryType: 'oichange', underlying: 'SPX' });
  expect(screen.queryByTestId(selectors.query.limit)).toBeNull();
  await user.click(within(screen.getByTestId(selectors.query.oiChangeBy)).getByText('Contract'));
  expect(query().oiChangeBy).toBe('contract');
  expect(screen.getByTestId(selectors.query.limit)).toBeInTheDocument();
});

test('iv: the measure, interval and legend', async () => {
  const { query, user } = setup({ refId: 'A', queryType: 'iv', underlying: 'SPX' });
  expect(screen.getByTestId(selectors.query.interval)).toBeInTheDocument();
  expect(screen.getByTestId(selectors.query.legendFormat)).toBeInTheDocument();
  expect(screen.queryByTestId(selectors.query.metric)).toBeNull();
  await user.click(within(screen.getByTestId(selectors.query.ivMeasure)).getByText('25Δ risk reversal'));
  expect(query().ivMeasure).toBe('risk_reversal');
});

test('maxpain shows the interval and legend, not the flow options', () => {
  setup({ refId: 'A', queryType: 'maxpain', underlying: 'SPX' });
  expect(screen.getByTestId(selectors.query.interval)).toBeInTheDocument();
  expect(screen.getByTestId(selectors.query.legendFormat)).toBeInTheDocument();
  expect(screen.queryByTestId(selectors.query.metric)).toBeNull();
  expect(screen.queryByTestId(selectors.query.minRatio)).toBeNull();
});
