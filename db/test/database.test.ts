import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../src/index.ts';
import { openTestDatabase, testBackend } from '../src/testing.ts';
import type { TestDatabase } from '../src/testing.ts';

const backend = await testBackend();

describe(`database layer (${backend})`, () => {
  let t: TestDatabase;
  let db: Database;
  before(async () => {
    t = await openTestDatabase();
    db = t.db;
    await db.query('CREATE TABLE items (id int PRIMARY KEY, label text)');
  });
  after(() => t.dispose());

  test('values come back with the same JS types on every backend', async () => {
    const { rows } = await db.query(
      `SELECT 1::int8 AS i8, 1.5::numeric AS n, '2024-01-02'::date AS d, 2::int4 AS i4, 1.25::float8 AS f8,
              '2024-01-02T03:04:05Z'::timestamptz AS ts`
    );
    assert.deepEqual(rows, [
      { i8: 1, n: '1.5', d: '2024-01-02', i4: 2, f8: 1.25, ts: new Date('2024-01-02T03:04:05Z') },
    ]);
  });

  test('listen: committed notifications arrive, rolled back ones never; unlisten stops them', async () => {
    const received: string[] = [];
    let arrived: () => void = () => undefined;
    const unlisten = await db.listen('optflow_test', (payload) => {
      received.push(payload);
      arrived();
    });
    const next = () => new Promise<void>((resolve) => (arrived = resolve));
    let waiting = next();
    await db.query(`SELECT pg_notify('optflow_test', 'one')`);
    await waiting;
    await assert.rejects(
      db.transaction(async (s) => {
        await s.query(`SELECT pg_notify('optflow_test', 'rolled back')`);
        throw new Error('abort');
      }),
      /abort/
    );
    waiting = next();
    await db.transaction((s) => s.query(`SELECT pg_notify('optflow_test', 'two')`));
    await waiting;
    assert.deepEqual(received, ['one', 'two']);
    await unlisten();
    await db.query(`SELECT pg_notify('optflow_test', 'three')`);
    await db.query('SELECT 1'); // a round trip in which 'three' would have arrived
    assert.deepEqual(received, ['one', 'two']);
    await assert.rejects(
      db.listen('bad; channel', () => undefined),
      /invalid notification channel/
    );
  });

  test('parameters are bound, never interpolated', async () => {
    await db.query('INSERT INTO items VALUES ($1, $2)', [1, "x'); DROP TABLE items; --"]);
    const { rows } = await db.query<{ label: string }>('SELECT label FROM items WHERE id = $1', [1]);
    assert.equal(rows[0]?.label, "x'); DROP TABLE items; --");
  });

  test('a failing transaction leaves nothing behind and the database usable', async () => {
    await assert.rejects(
      db.transaction(async (s) => {
        await s.query('INSERT INTO items VALUES (2, $1)', ['kept?']);
        await s.query('INSERT INTO items VALUES (2, $1)', ['duplicate key']);
      }),
      /duplicate key/
    );
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE id = 2');
    assert.equal(rows[0]?.n, 0);
    await db.transaction((s) => s.query('INSERT INTO items VALUES (2, $1)', ['committed']));
    assert.equal((await db.query('SELECT 1 FROM items WHERE id = 2')).rows.length, 1);
  });

  test('info() reports the backend, server version and TimescaleDB presence', async () => {
    const info = await db.info();
    assert.equal(info.backend, backend === 'embedded' ? 'embedded' : 'server');
    assert.match(info.serverVersion, /^\d+(\.\d+)?/);
    // The extension is created by the migrations, not by opening the database.
    assert.equal(info.timescaledb, null);
  });
});
