import { FieldType, LoadingState, type DataFrame, type DataQueryResponse } from '@grafana/data';
import { lastValueFrom } from 'rxjs';
import type { ApiQueryRequest } from '@optflow/contract';
import type { FlowQuery } from './types';
import {
  appendBatches,
  fixture,
  newDataSource,
  nyTime,
  panelRequest,
  stopEmptyDatabase,
  setTemplateVariables,
} from '../test/support/fixture';

const OPEN = nyTime('09:30');
const RANGE = { from: OPEN, to: nyTime('16:01'), relative: false };
const flow = (refId: string, extra: Partial<FlowQuery> = {}): FlowQuery => ({
  refId,
  queryType: 'flow',
  underlying: 'SPX',
  metric: 'net_volume',
  ...extra,
});
const run = async (ds: ReturnType<typeof newDataSource>['ds'], targets: FlowQuery[], range = RANGE) =>
  lastValueFrom(ds.query(panelRequest(targets, range)));
const valuesOf = (frame: DataFrame, name: string) => frame.fields.find((f) => f.name === name)?.values ?? [];

/** The API's own answer for one query, asked directly (no plugin code). */
async function direct(body: ApiQueryRequest) {
  const response = await fetch(`${fixture().api}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fixture().token}` },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (
    (await response.json()) as {
      results: Array<{
        frames: Array<{ fields: Array<{ name: string; values: unknown[] }> }>;
        latestSnapshot: number | null;
        age: number | null;
      }>;
    }
  ).results[0]!;
}

beforeEach(() => setTemplateVariables({}));

describe('queries against the real API (data proxy route, bearer token)', () => {
  test('flow: typed fields, units, display names; values are the API answer for the same options', async () => {
    const { ds, backendSrv } = newDataSource();
    const response = await run(ds, [
      flow('A', { putCall: 'C', zeroDte: true }),
      flow('B', { metric: 'call_premium', cumulative: true }),
      flow('C', { groupBy: 'expiration', legendFormat: '{{underlying}} {{expiration}}' }),
    ]);
    expect(response.errors ?? []).toEqual([]);
    const [a, b, ...grouped] = response.data as DataFrame[];
    expect(a!.fields.map((f) => f.type)).toEqual([FieldType.time, FieldType.number]);
    expect(a!.fields[1]!.config.unit).toBe('count:contracts');
    expect(a!.fields[1]!.config.displayNameFromDS).toBe('SPX Net volume');
    expect(b!.fields[1]!.config.unit).toBe('currencyUSD');
    expect(grouped.map((f) => f.fields[1]!.config.displayNameFromDS)).toEqual(['SPX 2023-05-19', 'SPX 2023-05-22']);

    // The plugin sent the filters as the API's options, and shows exactly what the API answers.
    const sent = backendSrv.requests[0]!.data as ApiQueryRequest;
    expect(sent.queries[0]).toEqual({
      refId: 'A',
      type: 'flow',
      options: { underlying: 'SPX', metric: 'net_volume', putCall: 'C', zeroDte: true },
    });
    const truth = await direct({
      range: { from: RANGE.from, to: RANGE.to },
      maxDataPoints: 1000,
      queries: [
        { refId: 'A', type: 'flow', options: { underlying: 'SPX', metric: 'net_volume', putCall: 'C', zeroDte: true } },
      ],
    });
    expect(valuesOf(a!, 'time')).toEqual(truth.frames[0]!.fields[0]!.values);
    expect(valuesOf(a!, 'net_volume')).toEqual(truth.frames[0]!.fields[1]!.values);
    expect(valuesOf(a!, 'net_volume').length).toBeGreaterThan(100);
    // Call volume of 0DTE calls is never negative and something traded.
    expect((valuesOf(a!, 'net_volume') as number[]).every((v) => v >= 0)).toBe(true);
    expect((valuesOf(a!, 'net_volume') as number[]).some((v) => v > 0)).toBe(true);
  });

  test('ladder, chain, contracts and gex: tables with typed columns', async () => {
    const { ds } = newDataSource();
    const response = await run(ds, [
      { refId: 'L', queryType: 'ladder', underlying: 'SPX', measure: 'premium' },
      { refId: 'CH', queryType: 'chain', underlying: 'SPX', limit: 10 },
      { refId: 'K', queryType: 'contracts', underlying: 'SPX', putCall: 'P', limit: 2 },
      { refId: 'G', queryType: 'gex', underlying: 'SPX' },
    ]);
    expect(response.errors ?? []).toEqual([]);
    const byRef = (refId: string) => (response.data as DataFrame[]).filter((f) => f.refId === refId);
    const [ladder, spot] = byRef('L');
    expect(ladder!.fields.map((f) => [f.name, f.type])).toEqual([
      ['strike', FieldType.number],
      ['call_premium', FieldType.number],
      ['put_premium', FieldType.number],
      ['latest_premium', FieldType.number],
      ['mean_premium', FieldType.number],
    ]);
    expect(ladder!.fields[1]!.config.unit).toBe('currencyUSD');
    expect(ladder!.length).toBeGreaterThan(0);
    expect(valuesOf(spot!, 'spot')[0]).toBeGreaterThan(0);
    const [chain] = byRef('CH');
    expect(chain!.length).toBe(10);
    expect(chain!.fields.find((f) => f.name === 'contract')!.type).toBe(FieldType.string);
    const contracts = byRef('K');
    expect(contracts).toHaveLength(2);
    expect(contracts[0]!.fields[0]!.type).toBe(FieldType.time);
    const gex = byRef('G');
    expect(gex.map((f) => f.name)).toEqual(['gex', 'levels']);
  });

  test('maxpain: a series per expiration; unusual: a table of flagged contracts', async () => {
    const { ds } = newDataSource();
    const response = await run(ds, [
      { refId: 'M', queryType: 'maxpain', underlying: 'SPX', interval: '15m', legendFormat: 'max pain {{expiration}}' },
      { refId: 'U', queryType: 'unusual', underlying: 'SPX', limit: 5 },
    ]);
    expect(response.errors ?? []).toEqual([]);
    const byRef = (refId: string) => (response.data as DataFrame[]).filter((f) => f.refId === refId);
    const maxPain = byRef('M');
    expect(maxPain.length).toBeGreaterThan(0);
    expect(maxPain[0]!.fields[1]!.config.displayNameFromDS).toMatch(/^max pain \d{4}-\d{2}-\d{2}$/);
    expect(maxPain[0]!.meta?.preferredVisualisationType).toBe('graph');
    const [unusual] = byRef('U');
    expect(unusual!.fields.map((f) => f.name)).toEqual([
      'contract',
      'expiration',
      'put_call',
      'strike',
      'volume',
      'open_interest',
      'volume_oi',
      'price',
      'premium',
      'rule',
    ]);
    expect(unusual!.length).toBeGreaterThan(0);
    expect(unusual!.length).toBeLessThanOrEqual(5);
  });

  test('iv: a series per expiration named by the measure; the expected move as a band of two fields', async () => {
    const { ds } = newDataSource();
    const response = await run(ds, [
      { refId: 'I', queryType: 'iv', underlying: 'SPX', interval: '15m' },
      { refId: 'E', queryType: 'iv', underlying: 'SPX', ivMeasure: 'expected_move', zeroDte: true },
    ]);
    expect(response.errors ?? []).toEqual([]);
    const byRef = (refId: string) => (response.data as DataFrame[]).filter((f) => f.refId === refId);
    const atm = byRef('I');
    expect(atm.length).toBeGreaterThan(0);
    expect(atm[0]!.fields[1]!.config.displayNameFromDS).toMatch(/^SPX ATM IV \d{4}-\d{2}-\d{2}$/);
    expect(atm[0]!.fields[1]!.config.unit).toBe('percent');
    const [band] = byRef('E');
    expect(band!.fields.map((f) => [f.name, f.config.displayNameFromDS])).toEqual([
      ['time', undefined],
      ['expected_move_lower', 'SPX Expected move low 2023-05-19'],
      ['expected_move_upper', 'SPX Expected move high 2023-05-19'],
    ]);
    const [lower, upper] = [band!.fields[1]!.values, band!.fields[2]!.values] as number[][];
    expect(lower!.length).toBeGreaterThan(0);
    lower!.forEach((l, i) => expect(l).toBeLessThan(upper![i]!));
  });

  test('invalid queries answer an error naming the query; the others still run', async () => {
    const { ds } = newDataSource();
    const response = await run(ds, [flow('A'), flow('B', { expirations: ['2023-02-30'] }), flow('C', { hide: true })]);
    expect(response.errors).toEqual([{ refId: 'B', message: 'B: "2023-02-30" is not a date (YYYY-MM-DD)' }]);
    expect((response.data as DataFrame[]).map((f) => f.refId)).toEqual(['A']);
  });

  test('template variables: underlying, multi-value expirations, legend', async () => {
    setTemplateVariables({ underlying: 'SPX', exp: ['2023-05-22', '2023-05-19'], label: 'flow' });
    const { ds, backendSrv } = newDataSource();
    const response = await run(ds, [
      flow('A', { underlying: '$underlying', expirations: ['$exp'], legendFormat: '$label {{underlying}}' }),
    ]);
    expect(response.errors ?? []).toEqual([]);
    const sent = backendSrv.requests[0]!.data as ApiQueryRequest;
    expect(sent.queries[0]!.options).toEqual({
      underlying: 'SPX',
      metric: 'net_volume',
      expirations: ['2023-05-19', '2023-05-22'],
    });
    expect((response.data as DataFrame[])[0]!.fields[1]!.config.displayNameFromDS).toBe('flow SPX');

    // A variable's "All" (allValue `*`) leaves the expiration filter out.
    setTemplateVariables({ underlying: 'SPX', exp: '*' });
    await run(ds, [flow('B', { underlying: '$underlying', expirations: ['$exp'] })]);
    expect((backendSrv.requests.at(-1)!.data as ApiQueryRequest).queries[0]!.options).toEqual({
      underlying: 'SPX',
      metric: 'net_volume',
    });

    expect(await ds.metricFindQuery({ query: 'underlyings()' })).toEqual([
      { text: 'NDX', value: 'NDX' },
      { text: 'SPX', value: 'SPX' },
    ]);
    expect((await ds.metricFindQuery('expirations($underlying)')).map((v) => v.text)).toEqual([
      '2023-05-19',
      '2023-05-22',
    ]);
    await expect(ds.metricFindQuery('strikes(SPX)')).rejects.toThrow('use underlyings() or expirations(SYMBOL)');
  });

  test('a request the API refuses reports its reason', async () => {
    const { ds } = newDataSource();
    const dates = Array.from({ length: 101 }, (_, i) =>
      new Date(Date.UTC(2023, 5, 1) + i * 86_400_000).toISOString().slice(0, 10)
    );
    const response = await run(ds, [flow('A', { expirations: dates })]);
    expect(response.state).toBe(LoadingState.Error);
    expect(response.errors).toEqual([
      { message: 'optflow API /api/query: 400 body/queries/0/options/expirations must NOT have more than 100 items' },
    ]);
  });
});

describe('editor hooks', () => {
  test('getDefaultQuery takes the data source defaults', () => {
    const plain = newDataSource().ds.getDefaultQuery('dashboard' as never);
    expect(plain).toEqual({ queryType: 'flow', metric: 'net_volume', groupBy: 'none', interval: 'auto', live: false });
    const configured = newDataSource({
      jsonData: { defaultUnderlying: 'NDX', liveByDefault: true },
    }).ds.getDefaultQuery('dashboard' as never);
    expect(configured).toMatchObject({ underlying: 'NDX', live: true });
  });

  test.each([
    [{ refId: 'A' }, 'SPX net_volume'],
    [
      flow('A', { metric: 'put_premium', cumulative: true, zeroDte: true, putCall: 'P', live: true }),
      'SPX put_premium cumulative 0DTE puts live',
    ],
    [
      flow('A', { rolling: 5, groupBy: 'expiration', expirations: ['2023-05-19'] }),
      'SPX net_volume rolling 5 exp 2023-05-19 by expiration',
    ],
    [{ refId: 'A', queryType: 'ladder', underlying: '$u' } as FlowQuery, '$u ladder'],
  ])('getQueryDisplayText(%j) = %s', (query, text) => {
    const { ds } = newDataSource({ jsonData: { defaultUnderlying: 'SPX' } });
    expect(ds.getQueryDisplayText(query as FlowQuery)).toBe(text);
  });

  test('a query without an underlying uses the default underlying', async () => {
    const { ds, backendSrv } = newDataSource({ jsonData: { defaultUnderlying: 'NDX' } });
    const response = await run(ds, [{ refId: 'A', queryType: 'flow' }]);
    expect(response.errors ?? []).toEqual([]);
    expect((backendSrv.requests[0]!.data as ApiQueryRequest).queries[0]!.options.underlying).toBe('NDX');
    expect((response.data as DataFrame[])[0]!.fields[1]!.config.displayNameFromDS).toBe('NDX Net volume');
  });
});

describe('health check (Save & test)', () => {
  test('working: names the database and what is loaded', async () => {
    const { ds } = newDataSource();
    const result = await ds.testDatasource();
    expect(result.status).toBe('success');
    expect(result.message).toMatch(
      /^optflow is working \((embedded|server) PostgreSQL .*\): NDX up to 2023-05-19T.*, SPX up to 2023-05-19T/
    );
  });

  test('wrong token: says the token was rejected', async () => {
    const { ds } = newDataSource({ token: 'wrong' });
    expect(await ds.testDatasource()).toEqual({
      status: 'error',
      message: 'The optflow API rejected the token: set the API token to the value of OPTFLOW_API_TOKEN',
    });
  });

  test('unreachable: says it cannot reach the URL', async () => {
    const { ds } = newDataSource({ apiUrl: 'http://127.0.0.1:9' });
    const result = await ds.testDatasource();
    expect(result.status).toBe('error');
    expect(result.message).toMatch(
      /^Cannot reach the optflow API at http:\/\/127\.0\.0\.1:9: optflow API unreachable \(502/
    );
  });

  test('no data yet, then database down', async () => {
    const { ds } = newDataSource({ apiUrl: fixture().emptyApi });
    const empty = await ds.testDatasource();
    expect(empty.status).toBe('warning');
    expect(empty.message).toMatch(/but no data is loaded yet/);
    await stopEmptyDatabase();
    const down = await ds.testDatasource();
    expect(down.status).toBe('error');
    expect(down.message).toMatch(/^The optflow API is running, but its database is down: .*database unavailable/);
  });
});

describe('refresh-driven incremental queries', () => {
  /** Deterministic pseudo-random numbers (mulberry32). */
  const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const shapes: FlowQuery[] = [
    flow('net'),
    flow('cum', { metric: 'call_premium', cumulative: true }),
    flow('grp', { groupBy: 'dte', rolling: 3 }),
    flow('five', { metric: 'put_call_ratio', interval: '5m' }),
  ];
  const series = (response: DataQueryResponse) =>
    (response.data as DataFrame[]).map((f) => ({
      refId: f.refId,
      name: f.fields[1]!.config.displayNameFromDS,
      time: valuesOf(f, 'time'),
      value: f.fields[1]!.values,
    }));

  test('random appends: each refresh sends cursors and the merged series equal a full query', async () => {
    const { ds, backendSrv } = newDataSource();
    const next = random(42);
    let now = nyTime('12:30');
    for (let step = 0; step < 6; step++) {
      const append = Math.floor(next() * 3); // 0, 1 or 2 row groups of 30 minutes
      if (append > 0) {
        await appendBatches(append);
      }
      now += Math.floor(next() * 40) * 60_000;
      const range = { from: now - 3 * 3_600_000, to: now };
      const sentBefore = backendSrv.requests.length;
      const incremental = await lastValueFrom(ds.query(panelRequest(shapes, range)));
      const full = await lastValueFrom(
        newDataSource({ install: false }).ds.query(panelRequest(shapes, { ...range, relative: false }))
      );
      expect(incremental.errors ?? []).toEqual([]);
      expect(series(incremental)).toEqual(series(full));
      if (step > 0) {
        const sent = backendSrv.requests[sentBefore]!.data as ApiQueryRequest;
        expect(sent.queries.every((q) => typeof q.cursor === 'string')).toBe(true);
      }
    }
  });

  test('a changed query, a range not ending at now, or another range start asks in full', async () => {
    const { ds, backendSrv } = newDataSource();
    const range = { from: OPEN, to: nyTime('13:00') };
    await lastValueFrom(ds.query(panelRequest([flow('A')], range)));
    await lastValueFrom(ds.query(panelRequest([flow('A', { metric: 'put_volume' })], range)));
    await lastValueFrom(ds.query(panelRequest([flow('A', { metric: 'put_volume' })], { ...range, relative: false })));
    await lastValueFrom(ds.query(panelRequest([flow('A', { metric: 'put_volume' })], range)));
    const cursors = backendSrv.requests.map((r) => (r.data as ApiQueryRequest).queries[0]!.cursor !== undefined);
    expect(cursors).toEqual([false, false, false, false]);
    await lastValueFrom(ds.query(panelRequest([flow('A', { metric: 'put_volume' })], range)));
    expect((backendSrv.requests.at(-1)!.data as ApiQueryRequest).queries[0]!.cursor).toBeDefined();
    // A wider range, still ending at now, needs history the held series does not have.
    const wider = { from: range.from - 2 * 86_400_000, to: range.to, rawFrom: 'now-2d' };
    const widened = await lastValueFrom(ds.query(panelRequest([flow('A', { metric: 'put_volume' })], wider)));
    expect((backendSrv.requests.at(-1)!.data as ApiQueryRequest).queries[0]!.cursor).toBeUndefined();
    const full = await lastValueFrom(
      newDataSource({ install: false }).ds.query(
        panelRequest([flow('A', { metric: 'put_volume' })], { ...wider, relative: false })
      )
    );
    expect((widened.data as DataFrame[])[0]!.fields[0]!.values).toEqual(
      (full.data as DataFrame[])[0]!.fields[0]!.values
    );
  });

  test('stale data: a range ending now, during market hours, past the limit gets a warning notice', async () => {
    const { latestSnapshot } = await direct({
      range: { from: RANGE.from, to: RANGE.to },
      queries: [{ refId: 'A', type: 'chain', options: { underlying: 'SPX' } }],
    });
    expect(typeof latestSnapshot).toBe('number');
    const latest = latestSnapshot!;
    const noticesAt = async (now: number, relative: boolean, staleAfterMinutes?: number) => {
      const { ds } = newDataSource({ deps: { now: () => now }, jsonData: { staleAfterMinutes } });
      const response = await run(ds, [flow('A'), { refId: 'B', queryType: 'gex', underlying: 'SPX' }], {
        from: now - 6 * 3_600_000,
        to: now,
        relative,
      });
      return (response.data as DataFrame[]).map((f) => f.meta?.notices?.map((n) => [n.severity, n.text]));
    };
    // 12 minutes after the latest snapshot (a Friday, the market still open until 16:15): every frame.
    const stale = await noticesAt(latest + 12 * 60_000, true);
    expect(stale.length).toBeGreaterThan(1);
    const time = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
    }).format(latest);
    for (const notices of stale) {
      expect(notices).toEqual([['warning', `Stale: the latest snapshot is 12 min old (${time} New York)`]]);
    }
    // Within the default 5 minutes; a limit of 15; a range that does not end now: no notice.
    for (const notices of [
      ...(await noticesAt(latest + 4 * 60_000, true)),
      ...(await noticesAt(latest + 12 * 60_000, true, 15)),
      ...(await noticesAt(latest + 12 * 60_000, false)),
    ]) {
      expect(notices).toBeUndefined();
    }
  });
});
