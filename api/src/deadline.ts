import type { Session, QueryResult, CopyColumn } from '@optflow/db';

/** A request past its deadline: answered 503 with this message. */
export class DeadlineExceeded extends Error {
  constructor(budgetMs: number) {
    super(
      `the request exceeded its ${budgetMs / 1000} s deadline for database work; ask for a shorter range, a coarser interval or fewer queries`
    );
  }
}

/**
 * One request's budget of database work. Time spent long-polling is not spent on the database, so
 * it does not count (pause/resume around the wait). Pure apart from the clock it is given.
 */
export class Deadline {
  #endsAt: number;
  #pausedAt: number | null = null;
  constructor(
    readonly budgetMs: number,
    private readonly now: () => number = Date.now
  ) {
    this.#endsAt = now() + budgetMs;
  }

  /** Milliseconds left (0 when spent). */
  remaining(): number {
    return Math.max(0, this.#endsAt - (this.#pausedAt ?? this.now()));
  }

  pause(): void {
    this.#pausedAt ??= this.now();
  }

  resume(): void {
    if (this.#pausedAt === null) return;
    this.#endsAt += this.now() - this.#pausedAt;
    this.#pausedAt = null;
  }

  /**
   * The statement timeout for the next statement: what remains, at most `capMs`; throws when
   * nothing remains. Each statement ending by the deadline, their timeouts summed cannot exceed it.
   */
  nextStatementTimeout(capMs: number): number {
    const left = Math.floor(this.remaining());
    if (left < 1) throw new DeadlineExceeded(this.budgetMs);
    return Math.min(capMs, left);
  }
}

/**
 * A session whose every statement runs under the statement timeout its request's deadline leaves
 * (set in the same transaction: set_config(…, true) lasts until it ends). The setting is sent again
 * only when it changes: while the deadline is further away than the cap, the cap already set holds.
 * On the embedded database a running statement cannot be interrupted (WebAssembly has no timer
 * signals); there the deadline is enforced between statements.
 */
export class DeadlineSession implements Session {
  /** The statement timeout in force in this transaction (ms). */
  #current: number;
  constructor(
    private readonly session: Session,
    private readonly deadline: Deadline,
    private readonly capMs: number,
    current: number
  ) {
    this.#current = current;
  }

  async query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    const timeout = this.deadline.nextStatementTimeout(this.capMs);
    if (timeout !== this.#current) {
      await this.session.query(`SELECT set_config('statement_timeout', $1, true)`, [String(timeout)]);
      this.#current = timeout;
    }
    return this.session.query<Row>(sql, params);
  }

  copyBinary(table: string, columns: readonly CopyColumn[], payload: Uint8Array): Promise<number> {
    return this.session.copyBinary(table, columns, payload);
  }
}
