import type { Database } from '@optflow/db';

/**
 * One LISTEN on optflow_ingest for the whole service; long-polls wait here for a commit of their
 * underlying. The loader's payload is {"underlying", "latest"}; an empty payload (the listening
 * connection was re-established, notifications may have been missed) wakes everybody.
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
  /** Date.now() of the last commit notification, for the ingest-age metric. */
  lastIngestAt: number | null = null;

  static async start(db: Database): Promise<IngestNotifier> {
    const notifier = new IngestNotifier();
    notifier.#unlisten = await db.listen('optflow_ingest', (payload) => notifier.#notify(payload));
    return notifier;
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
    this.lastIngestAt = Date.now();
    for (const w of [...this.#waiters]) if (underlying === null || w.underlyings.has(underlying)) w.wake('data');
  }

  /** Releases every waiter (they answer at once) and stops listening. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const w of [...this.#waiters]) w.wake('closed');
    await this.#unlisten?.();
  }
}
