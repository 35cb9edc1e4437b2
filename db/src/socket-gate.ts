// What stands between the embedded database's socket clients and the one PostgreSQL session they
// share with optflow: one message at a time (a client's open transaction keeps the others waiting),
// the password when one is set, the statement screen, and a time limit on client transactions so
// that a client holding BEGIN cannot stall the loader and the API.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SocketBackend } from './embedded.ts';
import { screenStatement } from './socket-screen.ts';
import { cstrings, errorResponse, md5Salt, readFrontendMessage, readyForQuery } from './wire.ts';

export interface SocketGateOptions {
  /** Socket clients run as a non-superuser role: the screen keeps them from changing it. */
  restricted: boolean;
  /** When set, clients must give it (md5 authentication, as PGlite asks for it). */
  password: string | undefined;
  /** A client transaction idle this long is rolled back and its connection closed. */
  idleTransactionMs: number;
  /** A client transaction open this long, idle or not, likewise. */
  maxTransactionMs: number;
}

interface Connection {
  user: string;
  salt: Buffer | null;
  authenticated: boolean;
  /** After a refused Parse: the rest of the extended-protocol batch is dropped up to its Sync. */
  discarding: boolean;
  transactionSince: number | null;
  idleTimer: NodeJS.Timeout | undefined;
  terminate: (farewell: Buffer) => void;
}

interface Queued {
  handlerId: number;
  message: Uint8Array;
  resolve: (answer: Uint8Array) => void;
  reject: (error: Error) => void;
}

const EMPTY = new Uint8Array(0);

/**
 * Stands in for pglite-socket's query queue (same three methods, called by its connection
 * handlers), so that every message is seen with the connection it came from.
 */
export class SocketGate {
  readonly #backend: SocketBackend;
  readonly #options: SocketGateOptions;
  readonly #connections = new Map<number, Connection>();
  #queue: Queued[] = [];
  #processing = false;
  /** The connection whose transaction is open, if any. */
  #inTransaction: number | null = null;
  /** Transaction status of the last answer to a client ('I', 'T' or 'E'). */
  #status: 'I' | 'T' | 'E' = 'I';

  constructor(backend: SocketBackend, options: SocketGateOptions) {
    this.#backend = backend;
    this.#options = options;
  }

  /** Registers a connection; `terminate` writes a farewell message and closes it. */
  open(handlerId: number, terminate: (farewell: Buffer) => void): void {
    this.#connections.set(handlerId, {
      user: '',
      salt: null,
      authenticated: this.#options.password === undefined,
      discarding: false,
      transactionSince: null,
      idleTimer: undefined,
      terminate,
    });
  }

  enqueue(handlerId: number, message: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ handlerId, message, resolve, reject });
      void this.#process();
    });
  }

  clearQueueForHandler(handlerId: number): void {
    this.#queue = this.#queue.filter((q) => {
      if (q.handlerId === handlerId) q.reject(new Error('connection closed'));
      return q.handlerId !== handlerId;
    });
  }

  /** A connection went away: its open transaction is rolled back, its state forgotten. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    const connection = this.#connections.get(handlerId);
    clearTimeout(connection?.idleTimer);
    this.#connections.delete(handlerId);
    if (this.#inTransaction === handlerId) await this.#rollback();
    void this.#process();
  }

  async #process(): Promise<void> {
    if (this.#processing) return;
    this.#processing = true;
    try {
      for (;;) {
        // While a client's transaction is open, only that client's messages run.
        const index =
          this.#inTransaction === null ? 0 : this.#queue.findIndex((q) => q.handlerId === this.#inTransaction);
        if (index === -1 || this.#queue.length === 0) break;
        const [next] = this.#queue.splice(index, 1);
        try {
          next!.resolve(await this.#handle(next!.handlerId, next!.message));
        } catch (error) {
          next!.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }
    } finally {
      this.#processing = false;
    }
  }

  async #handle(handlerId: number, raw: Uint8Array): Promise<Uint8Array> {
    const connection = this.#connections.get(handlerId);
    if (connection === undefined) throw new Error('connection closed');
    const message = readFrontendMessage(raw);
    if (message.kind === 'startup') {
      connection.user = message.params.get('user') ?? '';
      const answer = await this.#run(raw);
      connection.salt = md5Salt(answer);
      return answer;
    }
    if (message.kind === 'negotiation') return this.#run(raw);
    const { type, body } = message;
    clearTimeout(connection.idleTimer); // not idle: a message of its transaction is being handled
    if (type === 'p') {
      if (!this.#passwordMatches(connection, cstrings(body, 1)[0] ?? '')) {
        return this.#terminate(
          handlerId,
          connection,
          '28P01',
          `password authentication failed for user "${connection.user}"`
        );
      }
      connection.authenticated = true;
      return this.#run(raw);
    }
    if (!connection.authenticated)
      return this.#terminate(
        handlerId,
        connection,
        '28000',
        "a password is required for the embedded database's socket"
      );
    if (connection.discarding) {
      if (type !== 'S') return EMPTY;
      connection.discarding = false;
      return readyForQuery(this.#status);
    }
    if (this.#overdue(connection)) {
      return this.#terminate(
        handlerId,
        connection,
        '25P04',
        `terminating connection: its transaction was open longer than ${this.#options.maxTransactionMs / 1000} s (the embedded database is shared with optflow's loader and API)`
      );
    }
    if (type === 'Q' || type === 'P') {
      const sql = type === 'Q' ? cstrings(body, 1)[0] : cstrings(body, 2)[1];
      const refused = screenStatement(sql ?? '', { restricted: this.#options.restricted });
      if (refused !== null) {
        if (type === 'P') connection.discarding = true;
        const error = errorResponse('ERROR', '42501', refused);
        return type === 'Q' ? Buffer.concat([error, readyForQuery(this.#status)]) : error;
      }
    } else if (type === 'F' && this.#options.restricted) {
      return Buffer.concat([
        errorResponse('ERROR', '42501', "function calls by OID are not allowed through the embedded database's socket"),
        readyForQuery(this.#status),
      ]);
    } else if (type === 'd' || type === 'c' || type === 'f') {
      return EMPTY; // copy data without a COPY (none is let through): ignored
    }
    const answer = await this.#run(raw);
    this.#track(handlerId, connection, answer);
    return answer;
  }

  #run(raw: Uint8Array): Promise<Uint8Array> {
    return this.#backend.runExclusive(() => this.#backend.execProtocolRaw(raw));
  }

  /** Follows the transaction status each answer ends with, and times the client's open transaction. */
  #track(handlerId: number, connection: Connection, answer: Uint8Array): void {
    const n = answer.length;
    if (n >= 6 && answer[n - 6] === 0x5a /* Z */) this.#status = String.fromCharCode(answer[n - 1]!) as 'I' | 'T' | 'E';
    clearTimeout(connection.idleTimer);
    if (!this.#backend.isInTransaction()) {
      connection.transactionSince = null;
      if (this.#inTransaction === handlerId) this.#inTransaction = null;
      return;
    }
    this.#inTransaction = handlerId;
    connection.transactionSince ??= Date.now();
    connection.idleTimer = setTimeout(() => {
      void this.#rollback().then(() => {
        this.#terminate(
          handlerId,
          connection,
          '25P03',
          `terminating connection due to idle-in-transaction timeout (${this.#options.idleTransactionMs / 1000} s: the embedded database is shared with optflow's loader and API)`
        );
        void this.#process();
      });
    }, this.#options.idleTransactionMs);
    connection.idleTimer.unref();
  }

  #overdue(connection: Connection): boolean {
    return (
      connection.transactionSince !== null && Date.now() - connection.transactionSince > this.#options.maxTransactionMs
    );
  }

  async #rollback(): Promise<void> {
    this.#inTransaction = null;
    this.#status = 'I';
    if (this.#backend.isInTransaction()) await this.#backend.exec('ROLLBACK');
  }

  /** Ends a connection as PostgreSQL would: a FATAL error, then the socket closes. */
  #terminate(handlerId: number, connection: Connection, code: string, text: string): Uint8Array {
    clearTimeout(connection.idleTimer);
    this.#connections.delete(handlerId);
    this.clearQueueForHandler(handlerId);
    if (this.#inTransaction === handlerId) void this.#rollback();
    connection.terminate(errorResponse('FATAL', code, text));
    return EMPTY;
  }

  #passwordMatches(connection: Connection, response: string): boolean {
    const password = this.#options.password;
    if (password === undefined) return true;
    if (connection.salt === null) return false;
    const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');
    const expected = Buffer.from(
      `md5${md5(Buffer.concat([Buffer.from(md5(password + connection.user)), connection.salt]))}`
    );
    const given = Buffer.from(response);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
