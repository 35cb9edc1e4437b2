import { Worker } from 'node:worker_threads';
import type { RowContext } from '../contracts/quote-row.ts';
import { describeRowGroup } from '../formats/row-group.ts';
import type { RowGroupInfo } from '../formats/row-group.ts';
import type { EncodedBatch } from './encoded-batch.ts';
import { fromLoadErrorData, LoadError } from '../load-error.ts';
import type { LoadErrorData } from '../load-error.ts';

/**
 * Reads row groups on a worker thread (batch-worker.ts): decoding and normalizing a million rows
 * takes seconds of CPU that would otherwise stall the database, which embedded shares our thread.
 * One worker serves the whole process; it does not keep the process alive while idle.
 */
export interface BatchRequest {
  id: number;
  path: string;
  /** Identifies one opening of the file (a rewritten file must be read afresh). */
  openId: number;
  columns: string[];
  ctx: RowContext;
  group: RowGroupInfo;
}

export type BatchReply =
  { id: number; batch: EncodedBatch; error?: undefined } | { id: number; error: LoadErrorData; batch?: undefined };

/**
 * A read sent to the thread. A cancelled one stays until the thread answers it (its answer is
 * dropped): the thread reads in turn, so it still takes the thread's time, and if it is the one
 * stuck, no other read must be blamed.
 */
type Pending = {
  request: BatchRequest;
  resolve: (batch: EncodedBatch) => void;
  reject: (error: Error) => void;
  postedAt: number;
  cancelled: boolean;
};

/**
 * How long the reading thread may take over one row group before it is taken for stuck: a corrupt
 * page can make a Parquet decoder loop forever (see page-headers.ts), and a thread in a loop answers
 * nothing. A fixed part plus a part per row, both generous: a 70k-row group takes well under a
 * second, so the default leaves some 40× headroom on a busy machine. OPTFLOW_READ_DEADLINE_SECONDS
 * sets the fixed part.
 */
export interface ReadDeadline {
  baseMs: number;
  perRowMs: number;
}

const DEFAULT_DEADLINE: ReadDeadline = { baseMs: 30_000, perRowMs: 0.1 };
let deadline: ReadDeadline = deadlineFromEnv(process.env.OPTFLOW_READ_DEADLINE_SECONDS);

export function deadlineFromEnv(seconds: string | undefined): ReadDeadline {
  const base = Number(seconds);
  return seconds !== undefined && seconds.trim() !== '' && Number.isFinite(base) && base > 0
    ? { ...DEFAULT_DEADLINE, baseMs: base * 1000 }
    : DEFAULT_DEADLINE;
}

/** Tests: the reading thread's deadline per row group (null: the default). */
export function setReadDeadline(d: ReadDeadline | null): void {
  deadline = d ?? DEFAULT_DEADLINE;
}

/** The time a row group of `rows` rows may take on the reading thread. */
export function readDeadlineMs(rows: number, d: ReadDeadline = deadline): number {
  return d.baseMs + rows * d.perRowMs;
}

/**
 * The reading thread runs with an explicit old-generation limit: V8 then sizes that heap much more
 * tightly (a 1M-row load peaks at ~425 MiB RSS instead of ~525 MiB, for ~5% more time in the
 * thread). The limit itself is far above what a row group needs; one that needs more anyway (a
 * writer that puts a whole day in one row group) makes the thread run out of memory, and it is then
 * restarted without a limit and the pending reads are sent again.
 */
const DEFAULT_OLD_GENERATION_MB = 1024;
let oldGenerationMb: number | null = DEFAULT_OLD_GENERATION_MB;

/** Tests: the cap of the reading thread (null: none); an idle thread is replaced by one under it. */
export function setReaderHeapCap(mb: number | null): void {
  oldGenerationMb = mb;
  if (worker && pending.size === 0) {
    const idle = worker;
    worker = null;
    void idle.terminate();
  }
}

/** Tests: how many row-group reads were asked of the reading thread so far. */
export function readsRequested(): number {
  return nextId - 1;
}

/** The cap the reading thread runs under now (null: none, e.g. after a row group outgrew it). */
export function readerHeapCap(): number | null {
  return oldGenerationMb;
}

let worker: Worker | null = null;
const pending = new Map<number, Pending>();
/** When the reading thread last answered: a row group's time counts from then or from its request, whichever is later. */
let lastReplyAt = 0;
let watchdog: NodeJS.Timeout | null = null;
let nextId = 1;
let nextOpenId = 1;

/** A fresh identity for one opening of a file. */
export function newOpenId(): number {
  return nextOpenId++;
}

/** Starts the reading thread ahead of the first file (it takes a few hundred ms to load its code). */
export function warmUpReader(): void {
  if (!worker) startWorker();
}

/** `signal`: a read no longer wanted; it is dropped (and no longer keeps the process alive). */
export function readEncodedBatch(request: Omit<BatchRequest, 'id'>, signal?: AbortSignal): Promise<EncodedBatch> {
  const w = worker ?? startWorker();
  const message: BatchRequest = { ...request, id: nextId++ };
  return new Promise<EncodedBatch>((resolve, reject) => {
    const onAbort = () => {
      const p = pending.get(message.id);
      if (!p || p.cancelled) return;
      p.cancelled = true;
      if (!waiting()) worker?.unref();
      reject(signal!.reason);
    };
    // Settled, the listener goes: it would keep the promise, and so the batch, alive as long as the signal.
    const settle =
      <T>(fn: (value: T) => void) =>
      (value: T) => {
        signal?.removeEventListener('abort', onAbort);
        fn(value);
      };
    pending.set(message.id, {
      request: message,
      resolve: settle(resolve),
      reject: settle(reject),
      postedAt: performance.now(),
      cancelled: false,
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    w.ref();
    w.postMessage(message);
    armWatchdog();
  });
}

/**
 * Watches the oldest pending read (the thread reads in turn): past its deadline the thread is
 * terminated, that read fails with the reason, and the others go to a fresh thread.
 */
function armWatchdog(): void {
  if (watchdog) clearTimeout(watchdog);
  watchdog = null;
  const oldest = pending.values().next().value;
  if (!oldest) return;
  const rows = oldest.request.group.rowEnd - oldest.request.group.rowStart;
  const allowedMs = readDeadlineMs(rows);
  const dueIn = Math.max(oldest.postedAt, lastReplyAt) + allowedMs - performance.now();
  watchdog = setTimeout(() => stuck(oldest, allowedMs), Math.max(0, dueIn));
  watchdog.unref(); // the pending read keeps the process alive, not its watchdog
}

/** Whether a read someone waits for is pending (only then does the thread keep the process alive). */
function waiting(): boolean {
  for (const p of pending.values()) if (!p.cancelled) return true;
  return false;
}

function stuck(p: Pending, allowedMs: number): void {
  watchdog = null;
  if (pending.get(p.request.id) !== p) return armWatchdog();
  const { path, group } = p.request;
  pending.delete(p.request.id);
  const w = worker;
  worker = null; // its exit is expected: not a failure of the other reads
  void w?.terminate();
  for (const [id, other] of pending) if (other.cancelled) pending.delete(id); // nobody waits for them
  if (!p.cancelled) {
    p.reject(
      new LoadError(
        path,
        group.index,
        `${describeRowGroup(group)} was still being read after ${+(allowedMs / 1000).toFixed(1)} s: ` +
          'reading stopped (a corrupt page can make the Parquet reader loop forever)'
      )
    );
  }
  if (pending.size > 0) {
    const retry = startWorker();
    for (const other of pending.values()) {
      other.postedAt = performance.now();
      retry.postMessage(other.request);
    }
    retry.ref();
  }
  armWatchdog();
}

function startWorker(): Worker {
  // The worker's sources are TypeScript too: register tsx inside it, then load them.
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./batch-worker.ts', import.meta.url).href;
  // A bounded young generation: the thread makes a row group's worth of short-lived objects at a
  // time, and scavenging them sooner keeps the process's peak memory down. 16 MiB, not 4: at 4 the
  // thread spent a third of its time collecting garbage (1M rows: ~2.6 s of ~8 s; at 16 ~1.4 s),
  // which on a 2-core server competes with the database's COPY; 16 costs ~15 MiB of peak memory.
  const resourceLimits = {
    maxYoungGenerationSizeMb: 16,
    ...(oldGenerationMb === null ? {} : { maxOldGenerationSizeMb: oldGenerationMb }),
  };
  const w = new Worker(
    `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`,
    { eval: true, resourceLimits }
  );
  w.on('message', (reply: BatchReply) => {
    if (worker !== w) return; // a terminated thread's last word
    lastReplyAt = performance.now();
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    armWatchdog();
    if (!waiting()) w.unref();
    if (!p || p.cancelled) return;
    if (reply.error !== undefined) p.reject(fromLoadErrorData(reply.error));
    else p.resolve(reply.batch);
  });
  const fail = (error: Error) => {
    if (worker !== w) return;
    worker = null;
    if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' && oldGenerationMb !== null) {
      oldGenerationMb = null;
      const retry = startWorker();
      for (const [id, p] of pending) if (p.cancelled) pending.delete(id);
      for (const p of pending.values()) retry.postMessage(p.request);
      retry.ref();
      return;
    }
    for (const p of pending.values())
      p.reject(
        new LoadError(p.request.path, p.request.group.index, `row group ${p.request.group.index}: ${error.message}`, {
          cause: error,
        })
      );
    pending.clear();
    armWatchdog();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the reading thread exited (code ${code})`)));
  w.unref();
  worker = w;
  return w;
}
