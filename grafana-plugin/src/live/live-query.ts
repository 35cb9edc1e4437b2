import { LoadingState, type DataFrame, type DataQueryResponse } from '@grafana/data';
import { Observable, type Subscription } from 'rxjs';
import type { ApiClient } from '../api/api-client';
import type { ApiFrame, ApiQuery } from '../api/wire';
import { applyResult, continuedQuery, type IncrementalCache } from '../incremental/incremental-cache';
import { nextPollDelay } from './poll-schedule';

export interface LiveQueryArgs {
  /** Cache key: dashboard, panel, refId. */
  key: string;
  signature: string;
  query: ApiQuery;
  range: { from: number; to: number };
  maxDataPoints?: number;
  toFrames: (frames: ApiFrame[]) => DataFrame[];
  client: ApiClient;
  cache: IncrementalCache;
  now: () => number;
  /** Seconds the API may hold each long-poll. */
  waitSeconds: number;
}

/** Collector clocks may run a little ahead of the browser's: ask for a minute past now. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Live mode: the Grafana counterpart of Plotly's `extendData`. Answers the held series at once,
 * then long-polls the API with the cursor and pushes every increment, merged and trimmed to the
 * range width as time moves on, as a streaming response. Unsubscribing aborts the pending request
 * and clears the timer; errors back off and recover; outside market hours an empty answer defers
 * the next poll to the next session.
 */
export function liveQuery(args: LiveQueryArgs): Observable<DataQueryResponse> {
  const { key, signature, query, range, cache, client } = args;
  const width = range.to - range.from;
  const responseKey = `optflow-live-${query.refId}`;
  return new Observable<DataQueryResponse>((subscriber) => {
    let request: Subscription | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let closed = false;

    const heldFrames = () => args.toFrames(cache.get(key)?.frames ?? []);

    const poll = (longPoll: boolean) => {
      const held = cache.get(key);
      const next = continuedQuery(query, held, signature);
      const continuing = next.cursor !== undefined;
      const to = Math.max(range.to, args.now()) + CLOCK_SKEW_MS;
      const window = { from: to - CLOCK_SKEW_MS - width, to };
      request = client
        .query(
          {
            range: window,
            ...(args.maxDataPoints ? { maxDataPoints: args.maxDataPoints } : {}),
            ...(continuing && longPoll ? { wait: args.waitSeconds, noContentWhenUnchanged: true } : {}),
            queries: [next],
          },
          undefined
        )
        .subscribe({
          next: (answer) => {
            failures = 0;
            const result = answer?.results[0];
            const changed = result !== undefined && (result.reset || result.frames.length > 0);
            if (result) {
              cache.set(key, applyResult(held, signature, result, window.from));
              subscriber.next({ key: responseKey, state: LoadingState.Streaming, data: heldFrames() });
            }
            schedule(changed);
          },
          error: (error: unknown) => {
            failures++;
            const message = error instanceof Error ? error.message : String(error);
            subscriber.next({
              key: responseKey,
              state: LoadingState.Streaming,
              data: heldFrames(),
              errors: [{ refId: query.refId, message: `${message} (retrying)` }],
            });
            schedule(false);
          },
        });
    };

    const schedule = (changed: boolean) => {
      if (closed) {
        return;
      }
      const delay = nextPollDelay({ changed, failures, now: args.now() });
      timer = setTimeout(() => {
        timer = undefined;
        poll(true);
      }, delay);
    };

    poll(false);
    return () => {
      closed = true;
      request?.unsubscribe();
      if (timer !== undefined) {
        clearTimeout(timer);
      }
    };
  });
}
