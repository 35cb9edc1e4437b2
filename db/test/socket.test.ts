import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { EmbeddedDatabase, serveSocket } from '../src/index.ts';
import type { SocketHandle, SocketOptions } from '../src/index.ts';
import { isLoopback } from '../src/socket.ts';

/** The roles and a table like the migrations make (this package cannot depend on them). */
async function schema(db: EmbeddedDatabase): Promise<void> {
  await db.query(`
    CREATE ROLE optflow_reader LOGIN; CREATE ROLE optflow_writer LOGIN;
    CREATE SCHEMA optflow;
    CREATE TABLE optflow.quotes (contract text PRIMARY KEY, volume int8);
    INSERT INTO optflow.quotes VALUES ('SPXW  230519C04200000', 7);
    GRANT USAGE ON SCHEMA optflow TO optflow_reader, optflow_writer;
    GRANT SELECT ON optflow.quotes TO optflow_reader;
    GRANT SELECT, INSERT, UPDATE, DELETE ON optflow.quotes TO optflow_writer;`);
}

async function client(socket: SocketHandle, password?: string): Promise<pg.Client> {
  const url = new URL(socket.url);
  if (password !== undefined) url.password = password;
  const c = new pg.Client({ connectionString: url.toString() });
  c.on('error', () => undefined); // a connection the server ends is checked through its queries
  await c.connect();
  return c;
}

describe("the embedded database's socket", () => {
  let db: EmbeddedDatabase;
  const sockets: SocketHandle[] = [];
  const serve = async (options: Partial<SocketOptions> = {}) => {
    const socket = await serveSocket(db, { host: '127.0.0.1', port: 0, ...options });
    sockets.push(socket);
    return socket;
  };
  before(async () => {
    db = await EmbeddedDatabase.open();
    await schema(db);
  });
  after(async () => {
    for (const s of sockets) await s.stop();
    await db.close();
  });

  test('by default clients are optflow_reader: they read, and cannot write, drop the schema, write files or create roles', async () => {
    const c = await client(await serve());
    try {
      const who = await c.query('SELECT current_user, session_user');
      assert.deepEqual(who.rows, [{ current_user: 'optflow_reader', session_user: 'optflow_reader' }]);
      assert.deepEqual((await c.query('SELECT contract, volume FROM optflow.quotes')).rows, [
        { contract: 'SPXW  230519C04200000', volume: '7' },
      ]);
      const denied: Array<[string, RegExp]> = [
        ['DELETE FROM optflow.quotes', /permission denied/],
        ['DROP SCHEMA optflow CASCADE', /must be owner/],
        ["COPY (SELECT 1) TO '/tmp/optflow-socket-test'", /permission denied|must be superuser|pg_write_server_files/],
        ["ALTER SYSTEM SET work_mem = '1GB'", /permission denied|must be superuser/],
        ['CREATE ROLE intruder SUPERUSER', /permission denied/],
        ['SET ROLE postgres', /permission denied/],
        ['RESET SESSION AUTHORIZATION', /changing the session authorization is not allowed/],
        [
          'SELECT 1; SET SESSION AUTHORIZATION DEFAULT; DROP SCHEMA optflow CASCADE',
          /changing the session authorization is not allowed/,
        ],
        ['DISCARD ALL', /DISCARD is not allowed/],
        ["SELECT set_config('session_authorization', 'postgres', false)", /permission denied for function set_config/],
        ["SELECT query_to_xml('SELECT 1', true, true, '')", /permission denied for function query_to_xml/],
        ['DO $$ BEGIN PERFORM 1; END $$', /permission denied for language plpgsql/],
        ["CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", /permission denied for language sql/],
      ];
      for (const [sql, error] of denied) await assert.rejects(c.query(sql), error, sql);
      // Refused Parse messages (extended protocol) leave the connection usable, like refused queries.
      await assert.rejects(c.query('RESET SESSION AUTHORIZATION', []), /session authorization/);
      assert.deepEqual((await c.query('SELECT count(*)::int AS n FROM optflow.quotes WHERE volume > $1', [0])).rows, [
        { n: 1 },
      ]);
      assert.deepEqual(
        (await c.query('SELECT session_user')).rows,
        [{ session_user: 'optflow_reader' }],
        'still the reader'
      );
    } finally {
      await c.end();
    }
    // optflow's own work still runs as the superuser.
    assert.deepEqual((await db.query('SELECT session_user, current_user')).rows, [
      { session_user: 'postgres', current_user: 'postgres' },
    ]);
    await db.query(`INSERT INTO optflow.quotes VALUES ('SPXW  230519P04100000', 3)`);
  });

  test("--socket-role writer may write optflow's tables but not drop them; superuser may do anything but COPY FROM STDIN", async () => {
    const writer = await client(await serve({ role: 'writer' }));
    try {
      await writer.query(`UPDATE optflow.quotes SET volume = volume + 1 WHERE contract = 'SPXW  230519P04100000'`);
      await assert.rejects(writer.query('DROP TABLE optflow.quotes'), /must be owner/);
    } finally {
      await writer.end();
    }
    const superuser = await client(await serve({ role: 'superuser' }));
    try {
      assert.deepEqual((await superuser.query('SELECT current_user')).rows, [{ current_user: 'postgres' }]);
      await superuser.query('CREATE TABLE optflow.scratch (x int); DROP TABLE optflow.scratch');
    } finally {
      await superuser.end();
    }
  });

  test('COPY FROM STDIN is refused with a clear error, and the database lives on', async () => {
    const socket = await serve({ role: 'superuser' });
    const c = await client(socket);
    try {
      await assert.rejects(
        c.query(`COPY optflow.quotes (contract, volume) FROM STDIN`),
        /COPY FROM STDIN is refused.*optflow load/
      );
      assert.deepEqual((await c.query('SELECT count(*)::int AS n FROM optflow.quotes')).rows, [{ n: 2 }]);
    } finally {
      await c.end();
    }
    assert.deepEqual((await db.query('SELECT count(*)::int AS n FROM optflow.quotes')).rows, [{ n: 2 }]);
  });

  test("a client idle in a transaction is rolled back and disconnected, and optflow's work goes on", async () => {
    const socket = await serve({ role: 'writer', idleTransactionMs: 300 });
    const c = await client(socket);
    const ended = new Promise<void>((resolve) => c.once('end', () => resolve()));
    await c.query('BEGIN');
    await c.query(`DELETE FROM optflow.quotes`);
    // Our work waits while the client's transaction is open, then runs once it is rolled back.
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM optflow.quotes');
    assert.deepEqual(rows, [{ n: 2 }], 'the uncommitted delete was rolled back');
    await ended;
    await assert.rejects(c.query('COMMIT'));
  });

  test('a client transaction open too long is ended at its next message, even when it is never idle', async () => {
    const socket = await serve({ role: 'reader', idleTransactionMs: 5_000, maxTransactionMs: 200 });
    const c = await client(socket);
    await c.query('BEGIN');
    await c.query('SELECT 1');
    await new Promise((r) => setTimeout(r, 250));
    await assert.rejects(c.query('SELECT 2'), /open longer than 0.2 s/);
    await c.end().catch(() => undefined);
    assert.deepEqual((await db.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
  });

  test("settings a client changes never reach optflow's own work", async () => {
    const settings = `SELECT current_user AS user, current_setting('default_transaction_read_only') AS ro, current_setting('statement_timeout') AS timeout, current_setting('search_path') AS path`;
    const ours = (await db.query(settings)).rows;
    const c = await client(await serve({ role: 'superuser' }));
    try {
      await c.query(
        `SET default_transaction_read_only = on; SET statement_timeout = 1; SET search_path = nowhere; SET ROLE optflow_reader`
      );
      await db.transaction((s) =>
        s.query(`UPDATE optflow.quotes SET volume = volume WHERE contract = 'SPXW  230519C04200000'`)
      );
      assert.deepEqual((await db.query(settings)).rows, ours);
      assert.deepEqual(ours, [{ user: 'postgres', ro: 'off', timeout: '0', path: 'public' }]);
    } finally {
      await c.end();
    }
  });

  test('a password, when set, is required; a non-loopback host needs one', async () => {
    await assert.rejects(
      serveSocket(db, { host: '0.0.0.0', port: 0 }),
      /refusing to serve the embedded database on 0\.0\.0\.0.*without a password.*OPTFLOW_PG_PASSWORD/
    );
    const socket = await serve({ password: 's3cret' });
    await assert.rejects(client(socket, 'wrong'), /password authentication failed/);
    const noPassword = new URL(socket.url);
    noPassword.password = '';
    await assert.rejects(client({ ...socket, url: noPassword.toString() }), /password/);
    const c = await client(socket, 's3cret');
    assert.deepEqual((await c.query('SELECT session_user')).rows, [{ session_user: 'optflow_reader' }]);
    await c.end();
  });

  test('which hosts are loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', '']) assert.equal(isLoopback(host), false, host);
  });
});
