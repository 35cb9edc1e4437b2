import { LoadingState, type DataFrame, type DataQueryResponse } from '@grafana/data';
import { Observable, type Subscription } from 'rxjs';
import type { ApiClient } from '../api/api-client';
import { errorMessage, type ApiQuery } from '@optflow/contract';
import { applyResult, continuedQuery, type HeldSeries, type IncrementalCache } from '../incremental/incremental-cache';
import { nextPollDelay } from './poll-schedule';

/** One query of a live batch: where its state is held and how its frames are shown. */
export interface LiveTarget {
  /** Cache key: dashboard, panel, refId. */
  key: string;
  signature: string;
  query: ApiQuery;
  toFrames: (held: HeldSeries | undefined) => DataFrame[];
}

export interface LiveQueryArgs {
  /** Asked together: one request and one long-poll for all of them. */
  targets: LiveTarget[];
  range: { from: number; to: number };
  maxDataPoints?: number;
  client: ApiClient;
  cache: IncrementalCache;
  now: () => number;
  /** Seconds the API may hold each long-poll. */
  waitSeconds: number;
  /**
   * The range is kept as given (a chosen session, e.g. the live view's). By default the window
   * keeps its width and ends at now, as a dashboard's "last N hours" does.
   */
  fixedRange?: boolean;
  /** Outside market hours, wait for the next session after an empty answer (default true). */
  marketHours?: boolean;
}

/** Collector clocks may run a little ahead of the browser's: ask for a minute past now. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Live mode: the Grafana counterpart of Plotly's `extendData`. Answers the held series at once,
 * then long-polls the API with the cursors and pushes every increment, merged and trimmed to the
 * range width as time moves on, as a streaming response. All targets share one request, so a
 * page of panels holds one connection, not one per query (browsers allow six per host).
 * Unsubscribing aborts the pending request and clears the timer; errors back off and recover;
 * outside market hours an empty answer defers the next poll to the next session.
 */
export function liveQuery(args: LiveQueryArgs): Observable<DataQueryResponse> {
  const { targets, range, cache, client } = args;
  const width = range.to - range.from;
  const responseKey = `optflow-live-${targets.map((t) => t.query.refId).join('+')}`;
  return new Observable<DataQueryResponse>((subscriber) => {
    let request: Subscription | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let closed = false;

    const heldFrames = () => targets.flatMap((t) => t.toFrames(cache.get(t.key)));
    // An unchanged answer shows nothing new, unless the data has since turned stale (or fresh).
    let shownNotices = '';
    const noticesOf = (frames: DataFrame[]) => frames.map((f) => f.meta?.notices?.map((n) => n.text).join()).join('|');

    const poll = (longPoll: boolean) => {
      const held = targets.map((t) => cache.get(t.key));
      const queries = targets.map((t, i) => continuedQuery(t.query, held[i], t.signature));
      const continuing = queries.every((q) => q.cursor !== undefined);
      const to = args.fixedRange ? range.to : Math.max(range.to, args.now()) + CLOCK_SKEW_MS;
      const window = args.fixedRange ? range : { from: to - CLOCK_SKEW_MS - width, to };
      request = client
        .query(
          {
            range: window,
            ...(args.maxDataPoints ? { maxDataPoints: args.maxDataPoints } : {}),
            ...(continuing && longPoll ? { wait: args.waitSeconds, noContentWhenUnchanged: true } : {}),
            queries,
          },
          undefined
        )
        .subscribe({
          next: (answer) => {
            failures = 0;
            let changed = false;
            targets.forEach((t, i) => {
              const result = answer?.results.find((r) => r.refId === t.query.refId);
              if (result) {
                changed ||= result.reset || result.frames.length > 0;
                cache.set(t.key, applyResult(held[i], t.signature, result, window.from));
              }
            });
            const frames = heldFrames();
            if (answer || noticesOf(frames) !== shownNotices) {
              shownNotices = noticesOf(frames);
              subscriber.next({ key: responseKey, state: LoadingState.Streaming, data: frames });
            }
            schedule(changed);
          },
          error: (error: unknown) => {
            failures++;
            const message = errorMessage(error);
            subscriber.next({
              key: responseKey,
              state: LoadingState.Streaming,
              data: heldFrames(),
              errors: targets.map((t) => ({ refId: t.query.refId, message: `${message} (retrying)` })),
            });
            schedule(false);
          },
        });
    };

    const schedule = (changed: boolean) => {
      if (closed) {
        return;
      }
      const delay = nextPollDelay({ changed, failures, now: args.now(), marketHours: args.marketHours ?? true });
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
