import { randomBytes } from 'node:crypto';
import type { Database } from '@optflow/db';
import type { Watermark } from './watermark.ts';

/**
 * One LISTEN on optflow_ingest for the whole service; long-polls wait here for a commit of their
 * underlying. The loader's payload is {"underlying", "latest"}; an empty payload (the listening
 * connection was re-established, notifications may have been missed) wakes everybody.
 *
 * It also keeps the commit watermark: a generation counter, bumped by every notification and
 * remembered per underlying. Every commit that stores snapshots for an underlying notifies it in the
 * same transaction, so a generation sampled before a read transaction takes its snapshot, still
 * current for an underlying later (and the connection up throughout), means no commit for it since
 * that snapshot. Anything it cannot attribute (another payload, a lost or re-established
 * connection) counts as a change of every underlying.
 */
export type WakeReason = 'data' | 'timeout' | 'closed';

interface Waiter {
  underlyings: ReadonlySet<string>;
  wake: (reason: WakeReason) => void;
}

export class IngestNotifier {
  readonly #waiters = new Set<Waiter>();
  #unlisten: (() => Promise<void>) | null = null;
  #closed = false;
  /** Tells this process's generations from another's (or an earlier run's) in cursors. */
  readonly instance = randomBytes(9).toString('base64url');
  #generation = 0;
  readonly #changedAt = new Map<string, number>();
  #everythingChangedAt = 0;
  #listening = true;
  /** Notifications received (commits, and re-established connections), for the metrics. */
  notifications = 0;
  /** Date.now() of the last commit notification, for the ingest-age metric. */
  lastIngestAt: number | null = null;

  static async start(db: Database): Promise<IngestNotifier> {
    const notifier = new IngestNotifier();
    notifier.#unlisten = await db.listen(
      'optflow_ingest',
      (payload) => notifier.#notify(payload),
      () => notifier.#interrupted()
    );
    return notifier;
  }

  /** The current generation: sample it before the read transaction whose snapshot a cursor records. */
  get generation(): number {
    return this.#generation;
  }

  /** What the watermark says about `underlying` now (see watermark.ts). */
  watermark(underlying: string): Watermark {
    const changedAt = Math.max(this.#everythingChangedAt, this.#changedAt.get(underlying) ?? 0);
    return { instance: this.instance, listening: this.#listening, changedAt };
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  /** Resolves on the next commit for one of `underlyings`, after `ms`, or on close; cancel() stops waiting. */
  wait(underlyings: Iterable<string>, ms: number): { done: Promise<WakeReason>; cancel: () => void } {
    let waiter!: Waiter;
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<WakeReason>((resolve) => {
      waiter = {
        underlyings: new Set(underlyings),
        wake: (reason) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(reason);
        },
      };
    });
    if (this.#closed) waiter.wake('closed');
    else {
      this.#waiters.add(waiter);
      timer = setTimeout(() => waiter.wake('timeout'), ms);
    }
    return { done, cancel: () => waiter.wake('timeout') };
  }

  #notify(payload: string): void {
    let underlying: string | null = null;
    try {
      const parsed = JSON.parse(payload) as { underlying?: unknown };
      if (typeof parsed.underlying === 'string') underlying = parsed.underlying;
    } catch {
      // not ours, or a reconnect: wake everybody
    }
    this.notifications++;
    this.#generation++;
    // Bounded: payloads naming ever new underlyings (not the loader's) cannot grow the map forever.
    if (underlying !== null && (this.#changedAt.size < 10_000 || this.#changedAt.has(underlying)))
      this.#changedAt.set(underlying, this.#generation);
    else this.#everythingChangedAt = this.#generation;
    if (payload === '') this.#listening = true; // re-established
    this.lastIngestAt = Date.now();
    for (const w of [...this.#waiters]) if (underlying === null || w.underlyings.has(underlying)) w.wake('data');
  }

  /** The connection was lost: until it is back (an empty payload), commits go unnoticed. */
  #interrupted(): void {
    this.#listening = false;
    this.#everythingChangedAt = ++this.#generation;
  }

  /** Releases every waiter (they answer at once) and stops listening. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const w of [...this.#waiters]) w.wake('closed');
    await this.#unlisten?.();
  }
}
