// Real chains load: tastytrade Parquet as written by pandas/pyarrow, and the TD Ameritrade and Schwab
// JSON chain responses written to Parquet here (as a collector would) with their own field types.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Database } from '@optflow/db';
import { testBackend } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { loadFile } from '../src/index.ts';
import { parseSymbol } from '../src/contracts/symbol.ts';

const REAL = fileURLToPath(new URL('../../../shared/data/real', import.meta.url));
const options = { timeZone: 'America/New_York', overrides: {} };

interface ChainContract {
  symbol: string;
  putCall: string;
  strikePrice: number;
  expirationDate: number | string;
  totalVolume: number;
  mark: number;
  bid: number;
  ask: number;
  delta: number | string;
  quoteTimeInLong: number;
}
type ExpDateMap = Record<string, Record<string, ChainContract[]>>;
function chainContracts(file: string): ChainContract[] {
  const chain = JSON.parse(readFileSync(join(REAL, file), 'utf8')) as {
    callExpDateMap?: ExpDateMap;
    putExpDateMap?: ExpDateMap;
  };
  return [chain.callExpDateMap, chain.putExpDateMap].flatMap((m) =>
    Object.values(m ?? {}).flatMap((byStrike) => Object.values(byStrike).flat())
  );
}

/** A chain response as a collector's Parquet file; expirationDate keeps its API type (epoch ms or ISO). */
function chainToParquet(contracts: ChainContract[], path: string): void {
  const isoExpiration = typeof contracts[0]!.expirationDate === 'string';
  const num = (v: number | string) => (typeof v === 'number' ? v : Number.NaN);
  writeFileSync(
    path,
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'symbol', data: contracts.map((c) => c.symbol), type: 'STRING' },
          { name: 'putCall', data: contracts.map((c) => c.putCall), type: 'STRING' },
          { name: 'strikePrice', data: contracts.map((c) => c.strikePrice), type: 'DOUBLE' },
          isoExpiration
            ? { name: 'expirationDate', data: contracts.map((c) => String(c.expirationDate)), type: 'STRING' }
            : { name: 'expirationDate', data: contracts.map((c) => BigInt(c.expirationDate)), type: 'INT64' },
          { name: 'totalVolume', data: contracts.map((c) => BigInt(c.totalVolume)), type: 'INT64' },
          { name: 'bid', data: contracts.map((c) => c.bid), type: 'DOUBLE' },
          { name: 'ask', data: contracts.map((c) => c.ask), type: 'DOUBLE' },
          { name: 'mark', data: contracts.map((c) => c.mark), type: 'DOUBLE' },
          { name: 'delta', data: contracts.map((c) => num(c.delta)), type: 'DOUBLE' },
          {
            name: 'quoteTimeInLong',
            data: contracts.map((c) => BigInt(c.quoteTimeInLong || Date.parse('2021-05-17T20:00:00Z'))),
            type: 'INT64',
          },
        ],
      })
    )
  );
}

const backend = await testBackend();

describe(`real chains load (${backend})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'optflow-real-'));
  let t: TestDatabase;
  let db: Database;
  before(async () => {
    t = await openMigratedTestDatabase();
    db = t.db;
  });
  after(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const file of readdirSync(join(REAL, 'tastytrade-chain'))) {
    test(`tastytrade ${file}: every row, with correct contracts and strikes`, async () => {
      const path = join(REAL, 'tastytrade-chain', file);
      const summary = await loadFile(db, path, options);
      assert.equal(summary.status, 'loaded', summary.error ?? '');
      const source = await parquetReadObjects({ file: await asyncBufferFromFile(path), columns: ['symbol', 'strike'] });
      assert.equal(summary.inserted, source.length);
      const { rows } = await db.query<{ source_symbol: string; contract: string; strike: string; underlying: string }>(
        `SELECT q.source_symbol, q.contract, q.strike::text AS strike, q.underlying FROM optflow.quotes q JOIN optflow.files f ON f.id = q.file_id WHERE f.path = $1`,
        [path]
      );
      const stored = new Map(rows.map((r) => [r.source_symbol, r]));
      for (const s of source) {
        const r = stored.get(s.symbol as string)!;
        const parsed = parseSymbol(s.symbol as string);
        assert.ok(parsed.ok);
        assert.equal(r.contract, parsed.symbol.contract);
        assert.equal(Number(r.strike), Number(s.strike), `${s.symbol} strike`);
        assert.equal(r.underlying, file.split('.')[0]);
      }
    });
  }

  test('TD Ameritrade MSFT chain (decimal strikes, epoch-ms expirations) as Parquet', async () => {
    const contracts = chainContracts('tda-chain/MSFT.2021-05-17.chain.json');
    const path = join(dir, 'MSFT.2021-05-17.chain.parquet');
    chainToParquet(contracts, path);
    const summary = await loadFile(db, path, options);
    assert.equal(summary.status, 'loaded', summary.error ?? '');
    assert.equal(summary.inserted, 380);
    const { rows } = await db.query<{ contract: string; strike: string; expiration: string; put_call: string }>(
      `SELECT contract, strike::text AS strike, expiration, put_call FROM optflow.quotes WHERE underlying = 'MSFT' AND source_symbol = 'MSFT_052121P232.5'`
    );
    assert.deepEqual(rows, [
      { contract: 'MSFT  210521P00232500', strike: '232.5', expiration: '2021-05-21', put_call: 'P' },
    ]);
    const distinct = await db.query<{ n: number }>(
      `SELECT count(DISTINCT contract)::int AS n FROM optflow.quotes WHERE underlying = 'MSFT'`
    );
    assert.equal(distinct.rows[0]!.n, 380);
  });

  test('Schwab SPX chain (OSI symbols, ISO expirations) as Parquet', async () => {
    const contracts = chainContracts('schwab-chain/SPX.2024-10-15.chain.json');
    const path = join(dir, '$SPX.2024-10-15.chain.parquet');
    chainToParquet(contracts, path);
    const summary = await loadFile(db, path, options);
    assert.equal(summary.status, 'loaded', summary.error ?? '');
    assert.equal(summary.inserted, 20);
    const { rows } = await db.query<{ contract: string; source_symbol: string }>(
      `SELECT contract, source_symbol FROM optflow.quotes WHERE expiration = '2024-10-15'`
    );
    assert.equal(rows.length, 20);
    for (const r of rows) assert.equal(r.contract, r.source_symbol, 'OSI symbols are the canonical form');
  });
});
