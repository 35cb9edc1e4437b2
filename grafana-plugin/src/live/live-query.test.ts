import { LoadingState, type DataFrame, type DataQueryResponse } from '@grafana/data';
import { lastValueFrom, type Subscription } from 'rxjs';
import {
  appendBatches,
  fixture,
  INSTANCE_URL,
  newDataSource,
  nyTime,
  panelRequest,
  setTemplateVariables,
} from '../../test/support/fixture';
import { dataProxyRoute } from '../standalone/fetch-backend-srv';
import type { FlowQuery } from '../types';

const WIDTH = 8 * 3_600_000;
const live = (extra: Partial<FlowQuery> = {}): FlowQuery => ({
  refId: 'A',
  queryType: 'flow',
  underlying: 'SPX',
  metric: 'call_volume',
  live: true,
  ...extra,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(50);
  }
}

/**
 * Timers set through the global setTimeout from now on, and which of them neither fired nor were
 * cleared (the process's own count would also see other code's timers, e.g. fetch's idle sockets).
 */
function trackTimers() {
  const pending = new Set<ReturnType<typeof setTimeout>>();
  const realSet = global.setTimeout;
  const realClear = global.clearTimeout;
  const set = jest.spyOn(global, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
    const id = realSet(() => {
      pending.delete(id);
      callback();
    }, ms);
    pending.add(id);
    return id;
  }) as typeof setTimeout);
  const clear = jest.spyOn(global, 'clearTimeout').mockImplementation(((id: ReturnType<typeof setTimeout>) => {
    pending.delete(id);
    realClear(id);
  }) as typeof clearTimeout);
  return {
    pending: () => pending.size,
    restore: () => {
      set.mockRestore();
      clear.mockRestore();
    },
  };
}

const points = (response: DataQueryResponse) => (response.data as DataFrame[])[0]?.fields[0]?.values.length ?? 0;
const series = (response: DataQueryResponse) =>
  (response.data as DataFrame[]).map((f) => f.fields.map((x) => x.values));

async function waitingLongPolls(): Promise<number> {
  const text = await (
    await fetch(`${fixture().api}/metrics`, { headers: { authorization: `Bearer ${fixture().token}` } })
  ).text();
  return Number(/^optflow_api_longpoll_waiting (\d+)/m.exec(text)?.[1] ?? 'NaN');
}

beforeEach(() => setTemplateVariables({}));

test('live: pushes each commit as a streaming increment, equal to a full query; unsubscribe aborts the long-poll', async () => {
  const now = nyTime('16:10'); // Friday, in session (index options trade until 16:15)
  const { ds, backendSrv } = newDataSource({ deps: { now: () => now, liveWaitSeconds: 20 } });
  const emitted: DataQueryResponse[] = [];
  const subscription = ds
    .query(panelRequest([live()], { from: now - WIDTH, to: now }))
    .subscribe((r) => emitted.push(r));
  try {
    const first = await until('the first answer', () => emitted[0]);
    expect(first.state).toBe(LoadingState.Streaming);
    expect(first.key).toBe('optflow-live-A');
    const before = points(first);
    // The data source is now holding a long-poll open on the API.
    await until('a waiting long-poll', async () => ((await waitingLongPolls()) === 1 ? true : undefined));

    const { loadedBatches, totalBatches } = await appendBatches(1);
    expect(loadedBatches).toBeLessThanOrEqual(totalBatches);
    const pushed = await until('the pushed increment', () => (emitted.length > 1 ? emitted.at(-1) : undefined));
    expect(pushed.state).toBe(LoadingState.Streaming);
    expect(points(pushed)).toBeGreaterThan(before);
    // The long-poll after the first carried a cursor and the hold.
    const longPoll = backendSrv.requests[1]!.data as { wait?: number; queries: Array<{ cursor?: string }> };
    expect(longPoll.wait).toBe(20);
    expect(longPoll.queries[0]!.cursor).toEqual(expect.any(String));

    const full = await lastValueFrom(
      newDataSource({ install: false }).ds.query(
        panelRequest([live({ live: false })], { from: now - WIDTH, to: now + 60_000, relative: false })
      )
    );
    expect(series(pushed)).toEqual(series(full));
  } finally {
    subscription.unsubscribe();
  }
  // Unsubscribing aborted the pending long-poll: nothing open here, nothing waiting on the API.
  await until('the aborted request', () => (backendSrv.open() === 0 ? true : undefined));
  await until('the API to release the waiter', async () => ((await waitingLongPolls()) === 0 ? true : undefined));
});

test('live: an unreachable API is reported, retried with backoff, and recovers', async () => {
  const now = nyTime('16:10');
  let reachable = false;
  const route = dataProxyRoute(INSTANCE_URL, fixture().api, fixture().token);
  const { ds } = newDataSource({
    route: (url) =>
      reachable ? route(url) : { url: `http://127.0.0.1:9${url.slice(INSTANCE_URL.length)}`, headers: {} },
    deps: { now: () => now, liveWaitSeconds: 1 },
  });
  const emitted: DataQueryResponse[] = [];
  const subscription: Subscription = ds
    .query(panelRequest([live()], { from: now - WIDTH, to: now }))
    .subscribe((r) => emitted.push(r));
  try {
    const failed = await until('the error', () => emitted[0]);
    expect(failed.errors?.[0]?.message).toMatch(/optflow API unreachable \(502.*\(retrying\)$/);
    reachable = true;
    const recovered = await until('the recovery', () => emitted.find((r) => !r.errors && points(r) > 0));
    expect(recovered.state).toBe(LoadingState.Streaming);
  } finally {
    subscription.unsubscribe();
  }
});

test('live outside market hours: after an empty answer it waits for the next session instead of polling; no timer survives unsubscribe', async () => {
  const saturday = Date.parse('2023-05-20T12:00:00-04:00');
  const { ds, backendSrv } = newDataSource({ deps: { now: () => saturday, liveWaitSeconds: 1 } });
  const timers = trackTimers();
  const emitted: DataQueryResponse[] = [];
  const subscription = ds
    .query(panelRequest([live()], { from: saturday - 2 * 86_400_000, to: saturday }))
    .subscribe((r) => emitted.push(r));
  await until('the first answer', () => emitted[0]);
  // One long-poll (held 1 s, nothing new: 204), then silence until Monday's open.
  await until('the long-poll answer', () =>
    backendSrv.requests.length === 2 && backendSrv.open() === 0 ? true : undefined
  );
  await sleep(2500);
  expect(backendSrv.requests).toHaveLength(2);
  expect(emitted).toHaveLength(1);
  subscription.unsubscribe();
  expect(timers.pending()).toBe(0);
  timers.restore();
});

test('live: data that turns stale while nothing new arrives gets its notice without new data', async () => {
  const response = await fetch(`${fixture().api}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fixture().token}` },
    body: JSON.stringify({
      range: { from: nyTime('09:30'), to: nyTime('16:01') },
      queries: [{ refId: 'A', type: 'chain', options: { underlying: 'SPX' } }],
    }),
  });
  const latest = ((await response.json()) as { results: Array<{ latestSnapshot: number }> }).results[0]!.latestSnapshot;
  let clock = latest + 60_000;
  const { ds } = newDataSource({ deps: { now: () => clock, liveWaitSeconds: 1 } });
  const emitted: DataQueryResponse[] = [];
  const subscription = ds
    .query(panelRequest([live()], { from: clock - WIDTH, to: clock }))
    .subscribe((r) => emitted.push(r));
  const notices = (r: DataQueryResponse) => (r.data as DataFrame[]).map((f) => f.meta?.notices?.[0]?.text);
  await until('the first answer', () => emitted[0]);
  expect(notices(emitted[0]!)).toEqual([undefined]);
  clock = latest + 10 * 60_000; // still market hours (a Friday, before 16:15): now stale
  const stale = await until('the stale notice', () => emitted.find((r) => notices(r)[0] !== undefined));
  expect(notices(stale)[0]).toMatch(/^Stale: the latest snapshot is 10 min old/);
  expect(series(stale)).toEqual(series(emitted[0]!));
  subscription.unsubscribe();
});
