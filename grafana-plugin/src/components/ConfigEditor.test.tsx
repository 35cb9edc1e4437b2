import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSourceSettings } from '@grafana/data';
import type { FlowDataSourceOptions, FlowSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';
import { selectors } from './selectors';

type Settings = DataSourceSettings<FlowDataSourceOptions, FlowSecureJsonData>;

const settings = (extra: Partial<Settings> = {}): Settings =>
  ({
    id: 1,
    uid: 'x',
    orgId: 1,
    name: 'optflow',
    type: 'optflow-flow-datasource',
    access: 'proxy',
    url: '',
    jsonData: {},
    secureJsonFields: {},
    readOnly: false,
    ...extra,
  }) as Settings;

function setup(initial: Settings) {
  const changes: Settings[] = [];
  function Host() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(o) => {
          changes.push(o);
          setOptions(o);
        }}
      />
    );
  }
  render(<Host />);
  return { last: () => changes.at(-1)!, user: userEvent.setup() };
}

test('API URL, default underlying and live default go to jsonData; a URL without a scheme is flagged', async () => {
  const { last, user } = setup(settings());
  await user.type(screen.getByTestId(selectors.config.apiUrl), 'optflow-api:3100');
  expect(screen.getByText('A URL such as http://optflow-api:3100')).toBeInTheDocument();
  await user.clear(screen.getByTestId(selectors.config.apiUrl));
  await user.type(screen.getByTestId(selectors.config.apiUrl), 'http://optflow-api:3100/');
  await user.tab(); // the trailing slash goes when the field is left
  expect(last().jsonData.apiUrl).toBe('http://optflow-api:3100');
  expect(screen.queryByText(/A URL such as/)).toBeNull();

  await user.type(screen.getByTestId(selectors.config.defaultUnderlying), 'SPX');
  expect(last().jsonData.defaultUnderlying).toBe('SPX');
  await user.click(screen.getByTestId(selectors.config.liveByDefault));
  expect(last().jsonData.liveByDefault).toBe(true);
  expect(last().secureJsonData).toBeUndefined();
});

test('the token is write-only: typed into secureJsonData; once saved it shows as configured and can be reset', async () => {
  const { last, user } = setup(settings());
  await user.type(screen.getByTestId(selectors.config.apiToken), 's3cret');
  expect(last().secureJsonData).toEqual({ apiToken: 's3cret' });
  expect(last().jsonData).toEqual({});
});

test('a configured token is not shown; Reset clears it', async () => {
  const { last, user } = setup(settings({ secureJsonFields: { apiToken: true } }));
  expect(screen.getByDisplayValue('configured')).toBeDisabled();
  await user.click(screen.getByRole('button', { name: 'Reset' }));
  expect(last().secureJsonFields).toEqual({ apiToken: false });
  expect(last().secureJsonData).toEqual({ apiToken: '' });
  expect(screen.getByTestId(selectors.config.apiToken)).not.toBeDisabled();
});
