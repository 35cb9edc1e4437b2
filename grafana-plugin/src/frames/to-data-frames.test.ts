import { FieldType } from '@grafana/data';
import type { ApiFrame } from '@optflow/contract';
import { formatLegend, toDataFrames } from './to-data-frames';

const flowFrame = (metric: string, unit: string, labels?: Record<string, string>): ApiFrame => ({
  name: labels ? `${metric} ${Object.values(labels).join(' ')}` : metric,
  fields: [
    { name: 'time', type: 'time', values: [0, 60_000] },
    { name: metric, type: 'number', unit, ...(labels ? { labels } : {}), values: [1, null] },
  ],
});
const ctx = { refId: 'A', queryType: 'flow', underlying: 'SPX' };

describe('toDataFrames', () => {
  test.each([
    ['net volume: contracts', flowFrame('net_volume', 'short'), {}, 'count:contracts', 'SPX Net volume'],
    ['call premium: dollars', flowFrame('call_premium', 'currencyUSD'), {}, 'currencyUSD', 'SPX Call premium'],
    ['ratio: no unit', flowFrame('put_call_ratio', 'none'), {}, 'none', 'SPX Put/call ratio'],
    ['grouped by DTE', flowFrame('net_volume', 'short', { dte: '0DTE' }), {}, 'count:contracts', 'SPX Net volume 0DTE'],
    [
      'legend format',
      flowFrame('net_volume', 'short', { expiration: '2023-05-19' }),
      { legendFormat: '{{underlying}} {{ expiration }} ({{metric}})' },
      'count:contracts',
      'SPX 2023-05-19 (net_volume)',
    ],
  ])('%s', (_name, frame, extra, unit, displayName) => {
    const [df] = toDataFrames([frame], { ...ctx, ...extra });
    expect(df!.refId).toBe('A');
    expect(df!.length).toBe(2);
    expect(df!.fields.map((f) => f.type)).toEqual([FieldType.time, FieldType.number]);
    expect(df!.fields[1]!.config.unit).toBe(unit);
    expect(df!.fields[1]!.config.displayNameFromDS).toBe(displayName);
    expect(df!.meta?.preferredVisualisationType).toBe('graph');
  });

  test('tables keep their column names and types, no display-name override', () => {
    const [df] = toDataFrames(
      [
        {
          name: 'chain',
          fields: [
            { name: 'contract', type: 'string', values: ['SPXW  230519C04200000'] },
            { name: 'mark', type: 'number', values: [1.5] },
          ],
        },
      ],
      { ...ctx, queryType: 'chain' }
    );
    expect(df!.fields.map((f) => [f.name, f.type, f.config.displayNameFromDS])).toEqual([
      ['contract', FieldType.string, undefined],
      ['mark', FieldType.number, undefined],
    ]);
    expect(df!.meta?.preferredVisualisationType).toBe('table');
  });

  test('values are copies: changing a frame does not change the held series', () => {
    const frame = flowFrame('net_volume', 'short', { dte: '1DTE' });
    const [df] = toDataFrames([frame], ctx);
    df!.fields[1]!.values.push(5);
    df!.fields[1]!.labels!.dte = 'changed';
    expect(frame.fields[1]!.values).toEqual([1, null]);
    expect(frame.fields[1]!.labels).toEqual({ dte: '1DTE' });
  });
});

test.each([
  ['{{metric}} of {{underlying}}', { metric: 'net_volume', underlying: 'SPX' }, 'net_volume of SPX'],
  ['{{ unknown }}!', {}, '!'],
  ['no placeholders', { metric: 'x' }, 'no placeholders'],
])('formatLegend(%s)', (format, labels, expected) => {
  expect(formatLegend(format, labels)).toBe(expected);
});
