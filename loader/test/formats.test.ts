// Collector JSON formats (Schwab chain, CBOE delayed quotes; one document or NDJSON) converted to the
// columns the Parquet path produces. Fixtures are built here from the documented field layouts.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Database } from '@optflow/db';
import { testBackend } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import { openMigratedTestDatabase } from '@optflow/migrations/testing';
import { loadFile } from '../src/load/load-file.ts';
import { watchDirectory } from '../src/load/watch.ts';
import type { FileSummary } from '../src/load/file-outcome.ts';
import type { QuoteInput } from '../src/contracts/quote-row.ts';
import { CHAIN_COLUMNS } from '../src/formats/chain-columns.ts';
import { detectFormat, isDocumentPerLine, isLoadableFileName } from '../src/formats/detect-format.ts';
import { documentColumns } from '../src/formats/json-document.ts';
import { hasJsonEnds, openJsonSource, readJsonRowGroup } from '../src/formats/json-source.ts';
import { LoadError } from '../src/load-error.ts';
import { rowAt } from '../src/parquet/parquet-reader.ts';
import { assertDocumentQuotes, quotesOf } from './support/document-quotes.ts';
import type { Expected } from './support/document-quotes.ts';

// ---- fixtures, from the documented layouts ----

/** One Schwab chain contract (the fields the loader reads, plus a few it ignores). */
export function schwabContract(c: {
  root?: string;
  expiration: string; // YYYY-MM-DD
  putCall: 'CALL' | 'PUT';
  strike: number;
  totalVolume: number;
  volatility?: number | string;
  quoteTimeInLong: number;
  mark?: number;
}): Record<string, unknown> {
  const root = c.root ?? 'SPXW';
  const yymmdd = c.expiration.slice(2).replaceAll('-', '');
  const strike8 = String(Math.round(c.strike * 1000)).padStart(8, '0');
  return {
    putCall: c.putCall,
    symbol: `${root.padEnd(6, ' ')}${yymmdd}${c.putCall[0]}${strike8}`,
    description: `${root} ${c.expiration} ${c.strike} ${c.putCall[0]}`,
    bid: (c.mark ?? 10) - 0.5,
    ask: (c.mark ?? 10) + 0.5,
    last: c.mark ?? 10,
    mark: c.mark ?? 10,
    bidSize: 10,
    askSize: 12,
    totalVolume: c.totalVolume,
    openInterest: 500,
    volatility: c.volatility ?? 15.237,
    delta: c.putCall === 'CALL' ? 0.5 : -0.5,
    gamma: 0.01,
    theta: -2.5,
    vega: 0.4,
    rho: -999,
    strikePrice: c.strike,
    expirationDate: `${c.expiration}T20:00:00.000+00:00`,
    multiplier: 100,
    quoteTimeInLong: c.quoteTimeInLong,
    tradeTimeInLong: c.quoteTimeInLong - 1000,
    optionRoot: root,
    nonStandard: false,
  };
}

/** A Schwab /marketdata/v1/chains document holding `contracts`, grouped as the API groups them. */
export function schwabChain(contracts: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  const map = (side: string) => {
    const out: Record<string, Record<string, unknown[]>> = {};
    for (const c of contracts.filter((c) => c.putCall === side)) {
      const exp = `${String(c.expirationDate).slice(0, 10)}:3`;
      const strike = Number(c.strikePrice).toFixed(1);
      ((out[exp] ??= {})[strike] ??= []).push(c);
    }
    return out;
  };
  return {
    symbol: '$SPX',
    status: 'SUCCESS',
    underlyingPrice: 5843.81,
    numberOfContracts: contracts.length,
    callExpDateMap: map('CALL'),
    putExpDateMap: map('PUT'),
    ...extra,
  };
}

/** A CBOE delayed-quotes document. */
export function cboeDocument(timestamp: string, options: Array<Record<string, unknown>>, symbol = '_SPX') {
  return { timestamp, data: { symbol, current_price: 5815.26, options } };
}

export function cboeOption(option: string, volume: number, iv: number, extra: Record<string, unknown> = {}) {
  return {
    option,
    bid: 25.3,
    ask: 27.2,
    bid_size: 10,
    ask_size: 5,
    iv,
    open_interest: 445,
    volume,
    delta: 0.5,
    gamma: 0.01,
    theta: -2.4,
    vega: 0.41,
    rho: 0.03,
    theo: 26.1,
    last_trade_price: 25.5,
    last_trade_time: '2024-10-15T15:59:58',
    ...extra,
  };
}

const T1 = Date.parse('2024-10-15T19:58:59.000Z'); // 15:58:59 New York (EDT)

// ---- pure conversion ----

const CASES: Array<{ name: string; doc: unknown; want: Expected[] | RegExp }> = [
  {
    name: 'Schwab: a call and a put; time = the latest quoteTimeInLong; iv stays percent; -999 → null',
    doc: schwabChain([
      schwabContract({
        expiration: '2024-10-18',
        putCall: 'CALL',
        strike: 5800,
        totalVolume: 835,
        quoteTimeInLong: T1 - 5,
      }),
      schwabContract({ expiration: '2024-10-18', putCall: 'PUT', strike: 5800, totalVolume: 12, quoteTimeInLong: T1 }),
    ]),
    want: [
      {
        contract: 'SPXW  241018C05800000',
        putCall: 'C',
        strike: '5800',
        expiration: '2024-10-18',
        quoteTime: T1,
        iv: 15.237,
        rho: null,
        totalVolume: 835,
        underlying: 'SPX',
        underlyingPrice: 5843.81,
        mark: 10,
      },
      { contract: 'SPXW  241018P05800000', putCall: 'P', quoteTime: T1, totalVolume: 12 },
    ],
  },
  {
    name: 'Schwab: a collector-added processDateTime wins over quoteTimeInLong',
    doc: schwabChain(
      [
        schwabContract({
          expiration: '2024-10-18',
          putCall: 'CALL',
          strike: 5800,
          totalVolume: 1,
          quoteTimeInLong: T1,
        }),
      ],
      { processDateTime: '2024-10-15T16:00:00Z' }
    ),
    want: [{ quoteTime: Date.parse('2024-10-15T16:00:00Z') }],
  },
  {
    name: 'Schwab: a contract whose strikePrice disagrees with its symbol is rejected, the rest kept',
    doc: schwabChain([
      {
        ...schwabContract({
          expiration: '2024-10-18',
          putCall: 'CALL',
          strike: 5800,
          totalVolume: 1,
          quoteTimeInLong: T1,
        }),
        strikePrice: 5805,
      },
      schwabContract({ expiration: '2024-10-18', putCall: 'CALL', strike: 5810, totalVolume: 1, quoteTimeInLong: T1 }),
    ]),
    want: ['strikePrice 5805 disagrees with symbol SPXW  241018C05800000 (strike 5800)', { strike: '5810' }],
  },
  {
    name: 'Schwab: "NaN" volatility → null; a contract that is not an object is rejected for its missing symbol',
    doc: {
      symbol: '$SPX',
      putExpDateMap: {
        '2024-10-18:3': {
          '5800.0': [
            schwabContract({
              expiration: '2024-10-18',
              putCall: 'PUT',
              strike: 5800,
              totalVolume: 1,
              volatility: 'NaN',
              quoteTimeInLong: T1,
            }),
            42,
          ],
        },
      },
    },
    want: [{ iv: null }, 'symbol: missing option symbol'],
  },
  {
    name: 'Schwab: status FAILED with empty maps is an empty snapshot',
    doc: { symbol: '$SPX', status: 'FAILED', callExpDateMap: {}, putExpDateMap: {} },
    want: [],
  },
  {
    name: 'Schwab: no quoteTimeInLong anywhere and no collector time is a bad document',
    doc: schwabChain([
      schwabContract({ expiration: '2024-10-18', putCall: 'CALL', strike: 5800, totalVolume: 1, quoteTimeInLong: 0 }),
    ]),
    want: /no snapshot time: no contract has a quoteTimeInLong/,
  },
  {
    name: 'Schwab: a strike entry that is not a list is a bad document',
    doc: { symbol: '$SPX', callExpDateMap: { '2024-10-18:3': { '5800.0': { putCall: 'CALL' } } } },
    want: /callExpDateMap\["2024-10-18:3"\]\["5800.0"\] is not a list of contracts/,
  },
  {
    name: 'CBOE: compact OSI symbols, New York timestamp, iv fraction → percent, volume → totalVolume',
    doc: cboeDocument('2024-10-15 15:59:59', [
      cboeOption('SPXW241018C05800000', 1500, 0.1532),
      cboeOption('SPXW241018P05750000', 900, 0.2),
    ]),
    want: [
      {
        contract: 'SPXW  241018C05800000',
        sourceSymbol: 'SPXW241018C05800000',
        putCall: 'C',
        strike: '5800',
        expiration: '2024-10-18',
        quoteTime: Date.parse('2024-10-15T19:59:59Z'),
        iv: 15.32,
        totalVolume: 1500,
        openInterest: 445,
        bidSize: 10,
        last: 25.5,
        mark: (25.3 + 27.2) / 2,
        underlying: 'SPX',
        underlyingPrice: 5815.26,
        multiplier: 100,
      },
      { contract: 'SPXW  241018P05750000', putCall: 'P', strike: '5750', iv: 20, totalVolume: 900 },
    ],
  },
  {
    name: 'CBOE: a winter timestamp is EST; a non-numeric volume is rejected with its value',
    doc: cboeDocument('2024-12-02 10:00:00', [cboeOption('SPY241206C00600000', 3, 0.1, { volume: 'lots' })]),
    want: ['totalVolume: "lots" is not a number'],
  },
  {
    name: 'CBOE: a timestamp that is not a time is a bad document',
    doc: cboeDocument('yesterday', [cboeOption('SPXW241018C05800000', 1, 0.1)]),
    want: /timestamp "yesterday" is not a date and time/,
  },
  {
    name: 'CBOE: no options is an empty snapshot',
    doc: cboeDocument('2024-10-15 15:59:59', []),
    want: [],
  },
  { name: 'neither format', doc: { foo: 1, bar: 2 }, want: /neither a Schwab.*its fields: foo, bar/ },
  { name: 'not an object', doc: [1, 2], want: /not a JSON object but an array/ },
];

describe('JSON chain documents → quotes (pure conversion)', () => {
  for (const { name, doc, want } of CASES) {
    test(name, () => assertDocumentQuotes(doc, want));
  }

  test('a winter CBOE timestamp is read as EST (UTC−5)', () => {
    const [q] = quotesOf(
      JSON.stringify(cboeDocument('2024-12-02 10:00:00', [cboeOption('SPY241206C00600000', 3, 0.1)]))
    );
    assert.equal((q as QuoteInput).quoteTime, Date.parse('2024-12-02T15:00:00Z'));
  });

  test('invalid JSON names where: line and column in a pretty-printed document', () => {
    const text = '{\n  "symbol": "$SPX",\n  "callExpDateMap": {,\n}';
    assert.throws(() => documentColumns(text), /not valid JSON \(.*line 3, column/);
    assert.throws(() => documentColumns('{"symbol": '), /not valid JSON/);
  });

  test('a blank document is an empty snapshot; the columns are those of the Parquet path, numbers as Float64Array', () => {
    assert.equal(documentColumns('  \r').length, 0);
    const data = documentColumns(
      JSON.stringify(cboeDocument('2024-10-15 15:59:59', [cboeOption('SPXW241018C05800000', 7, 0.1)]))
    );
    assert.deepEqual([...data.columns.keys()], [...CHAIN_COLUMNS]);
    assert.ok(data.columns.get('totalVolume') instanceof Float64Array);
    assert.equal(rowAt(data, 0).symbol, 'SPXW241018C05800000');
  });
});

describe('detecting the format', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  const FORMATS: Array<[string, string, ReturnType<typeof detectFormat>]> = [
    ['SPX.2024-10-15.parquet', 'PAR1\0\0', 'parquet'],
    ['chain.json', 'garbage', 'json'],
    ['SPX.ndjson', '{"a":1}', 'json'],
    ['SPX.JSONL', '', 'json'],
    ['SPX.2024-10-15.data', '\uFEFF  \n{"timestamp"', 'json'],
    ['SPX.2024-10-15.data', 'garbage', 'parquet'],
  ];
  for (const [name, head, want] of FORMATS)
    test(`${name} starting ${JSON.stringify(head)} → ${want}`, () =>
      assert.equal(detectFormat(name, bytes(head)), want));

  const LINES: Array<[string, boolean]> = [
    ['{"timestamp": "2024-10-15 15:59:59", "data": {}}', true],
    ['  {"a":1}\r', true],
    ['{', false],
    ['{"symbol": "$SPX",', false],
    ['', false],
  ];
  for (const [line, want] of LINES)
    test(`first line ${JSON.stringify(line)}: one document per line = ${want}`, () =>
      assert.equal(isDocumentPerLine(line), want));

  test('loadable names', () => {
    assert.deepEqual(['a.parquet', 'a.json', 'a.ndjson', 'a.jsonl', 'a.csv', 'a.json.tmp'].map(isLoadableFileName), [
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('JSON files: where the documents are, reading one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'optflow-formats-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const line = (volume: number) =>
    JSON.stringify(cboeDocument('2024-10-15 15:59:59', [cboeOption('SPXW241018C05800000', volume, 0.1)]));

  const FILES: Array<{ name: string; text: string; lines: number[]; ends: boolean }> = [
    { name: 'ndjson.ndjson', text: `${line(1)}\n${line(2)}\n`, lines: [1, 2], ends: true },
    { name: 'blank-lines.ndjson', text: `${line(1)}\r\n\r\n\n${line(2)}`, lines: [1, 4], ends: false },
    { name: 'one.json', text: line(1), lines: [1], ends: false },
    { name: 'leading-blank.ndjson', text: `\n  \n${line(1)}\n${line(2)}\n`, lines: [3, 4], ends: true },
    { name: 'pretty.json', text: `${JSON.stringify(JSON.parse(line(1)), null, 2)}\n`, lines: [1], ends: true },
  ];
  for (const f of FILES) {
    test(`${f.name}: documents on lines ${f.lines.join(', ')}`, async () => {
      const path = join(dir, f.name);
      writeFileSync(path, f.text);
      const source = await openJsonSource(path);
      assert.deepEqual(
        source.rowGroups.map((g) => g.document!.line),
        f.lines
      );
      assert.deepEqual(
        source.rowGroups.map((g) => g.rowStart),
        f.lines.map((l) => l * 1_000_000)
      );
      for (const g of source.rowGroups) assert.equal((await readJsonRowGroup(path, g)).length, 1);
      assert.equal(await hasJsonEnds(path), f.ends);
    });
  }

  test('a bad line fails with the file, its row group and line, and the reason', async () => {
    const path = join(dir, 'bad.ndjson');
    writeFileSync(path, `${line(1)}\n{"timestamp": oops}\n`);
    const source = await openJsonSource(path);
    await assert.rejects(
      readJsonRowGroup(path, source.rowGroups[1]!),
      (e: unknown) =>
        e instanceof LoadError &&
        e.path === path &&
        e.rowGroup === 1 &&
        /^row group 1 \(line 2\): not valid JSON/.test(e.reason)
    );
  });

  test('an empty file fails by name', async () => {
    const path = join(dir, 'empty.json');
    writeFileSync(path, '');
    await assert.rejects(openJsonSource(path), /empty\.json: empty file/);
  });
});

// ---- through the real loader into the database ----

const backend = await testBackend();
const options = { timeZone: 'America/New_York', overrides: {} };

describe(`JSON chain files load like Parquet (${backend})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'optflow-json-load-'));
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

  const quotes = async (where: string) =>
    (
      await db.query<{
        contract: string;
        strike: string;
        put_call: string;
        iv: number | null;
        total_volume: number;
        volume: number;
        at: string;
        underlying: string;
      }>(
        `SELECT contract, strike::text AS strike, put_call, iv, total_volume::float8 AS total_volume, volume::float8 AS volume,
                to_char(quote_time AT TIME ZONE 'America/New_York', 'HH24:MI:SS') AS at, underlying
         FROM optflow.quotes WHERE ${where} ORDER BY contract, quote_time`
      )
    ).rows;

  test('Schwab chain JSON, two polls in two files: contracts, strikes, iv in percent, interval volume', async () => {
    const poll = (minute: number, callVolume: number, putVolume: number) =>
      schwabChain([
        schwabContract({
          expiration: '2024-10-18',
          putCall: 'CALL',
          strike: 5800,
          totalVolume: callVolume,
          volatility: 15.237,
          quoteTimeInLong: T1 + minute * 60_000,
        }),
        schwabContract({
          expiration: '2024-10-18',
          putCall: 'PUT',
          strike: 5750.5,
          root: 'SPX',
          totalVolume: putVolume,
          volatility: 22.5,
          quoteTimeInLong: T1 + minute * 60_000 - 300,
        }),
      ]);
    const first = join(dir, '$SPX.2024-10-15.1558.json');
    const second = join(dir, '$SPX.2024-10-15.1559.json');
    writeFileSync(first, JSON.stringify(poll(0, 835, 40), null, 2)); // pretty-printed, as json.dump(indent=2) writes it
    writeFileSync(second, JSON.stringify(poll(1, 900, 41), null, 2));
    for (const path of [first, second]) {
      const summary = await loadFile(db, path, options);
      assert.equal(summary.status, 'loaded', summary.error ?? '');
      assert.deepEqual([summary.inserted, summary.rejected, summary.rowGroups.total], [2, 0, 1]);
    }
    assert.deepEqual(await quotes(`underlying = 'SPX' AND expiration = '2024-10-18'`), [
      {
        contract: 'SPX   241018P05750500',
        strike: '5750.5',
        put_call: 'P',
        iv: 22.5,
        total_volume: 40,
        volume: 0,
        at: '15:58:59',
        underlying: 'SPX',
      },
      {
        contract: 'SPX   241018P05750500',
        strike: '5750.5',
        put_call: 'P',
        iv: 22.5,
        total_volume: 41,
        volume: 1,
        at: '15:59:59',
        underlying: 'SPX',
      },
      {
        contract: 'SPXW  241018C05800000',
        strike: '5800',
        put_call: 'C',
        iv: 15.237,
        total_volume: 835,
        volume: 0,
        at: '15:58:59',
        underlying: 'SPX',
      },
      {
        contract: 'SPXW  241018C05800000',
        strike: '5800',
        put_call: 'C',
        iv: 15.237,
        total_volume: 900,
        volume: 65,
        at: '15:59:59',
        underlying: 'SPX',
      },
    ]);
    assert.equal((await loadFile(db, second, options)).status, 'unchanged');
  });

  test('the real Schwab chain response loads as it is', async () => {
    const path = fileURLToPath(
      new URL('../../../shared/data/real/schwab-chain/SPX.2024-10-15.chain.json', import.meta.url)
    );
    const summary = await loadFile(db, path, options);
    assert.equal(summary.status, 'loaded', summary.error ?? '');
    assert.equal(summary.inserted, 20);
    const rows = await quotes(`expiration = '2024-10-15'`);
    assert.equal(rows.length, 20);
    assert.ok(
      rows.every((r) => r.underlying === 'SPX' && r.iv !== null && r.iv > 1),
      'iv in percent'
    );
  });

  const cboeLine = (time: string, call: number, put: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify(
      cboeDocument(
        time,
        [cboeOption('XSP241018C00580000', call, 0.1532, extra), cboeOption('XSP241018P00570000', put, 0.21)],
        '_XSP'
      )
    ) + '\n';

  test('CBOE NDJSON, a snapshot per line: iv fraction stored in percent, interval volume between lines; appended lines load alone', async () => {
    const path = join(dir, 'XSP.2024-10-15.ndjson');
    writeFileSync(path, cboeLine('2024-10-15 10:00:00', 100, 50) + cboeLine('2024-10-15 10:01:00', 130, 50));
    let summary = await loadFile(db, path, options);
    assert.equal(summary.status, 'loaded', summary.error ?? '');
    assert.deepEqual([summary.inserted, summary.rowGroups.total], [4, 2]);

    // The collector appends the next snapshot: only the new line is read.
    appendFileSync(path, cboeLine('2024-10-15 10:02:00', 175, 49));
    summary = await loadFile(db, path, options);
    assert.equal(summary.status, 'loaded', summary.error ?? '');
    assert.deepEqual([summary.inserted, summary.duplicates, summary.rowGroupsSkipped, summary.rowsRead], [2, 0, 2, 2]);

    const rows = await quotes(`underlying = 'XSP'`);
    assert.deepEqual(
      rows.map((r) => [r.contract, r.strike, r.put_call, r.iv, r.total_volume, r.volume, r.at]),
      [
        ['XSP   241018C00580000', '580', 'C', 15.32, 100, 0, '10:00:00'],
        ['XSP   241018C00580000', '580', 'C', 15.32, 130, 30, '10:01:00'],
        ['XSP   241018C00580000', '580', 'C', 15.32, 175, 45, '10:02:00'],
        ['XSP   241018P00570000', '570', 'P', 21, 50, 0, '10:00:00'],
        ['XSP   241018P00570000', '570', 'P', 21, 50, 0, '10:01:00'],
        ['XSP   241018P00570000', '570', 'P', 21, 49, 0, '10:02:00'], // decreased: an anomaly, as in Parquet
      ]
    );
    const anomalies = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM optflow.quotes WHERE underlying = 'XSP' AND anomaly = 2`
    );
    assert.equal(anomalies.rows[0]!.n, 1);
    assert.equal((await loadFile(db, path, options)).status, 'unchanged');
  });

  test('a bad line fails by file, row group and line; the good snapshots around it load; a bad contract is a rejected row', async () => {
    const path = join(dir, 'NDX.2024-10-15.ndjson');
    const line = (time: string, volume: number, extra: Record<string, unknown> = {}) =>
      JSON.stringify(cboeDocument(time, [cboeOption('NDXP241018C20000000', volume, 0.18, extra)], '_NDX')) + '\n';
    writeFileSync(
      path,
      line('2024-10-15 10:00:00', 10) +
        '{"timestamp": "2024-10-15 10:01:00", "data": {"options": [\n' + // cut short by a crash
        line('2024-10-15 10:02:00', 25, { bid: 'n/a' }) +
        line('2024-10-15 10:03:00', 31)
    );
    const summary: FileSummary = await loadFile(db, path, options);
    assert.equal(summary.status, 'partial');
    assert.equal(summary.failedRowGroup, 1);
    assert.deepEqual(
      [summary.inserted, summary.rejected, summary.rowGroups.loaded, summary.rowGroups.total],
      [2, 1, 3, 4]
    );
    assert.match(
      summary.error!,
      /NDX\.2024-10-15\.ndjson: 3 of 4 row groups loaded; row group 1 \(line 2\): not valid JSON/
    );
    const rejected = await db.query<{ row_number: string; reason: string }>(
      `SELECT r.row_number::text AS row_number, r.reason FROM optflow.rejected_rows r JOIN optflow.files f ON f.id = r.file_id WHERE f.path = $1`,
      [path]
    );
    assert.deepEqual(rejected.rows, [{ row_number: '3000001', reason: 'bid: "n/a" is not a number' }]);
    const rows = await quotes(`underlying = 'NDX'`);
    assert.deepEqual(
      rows.map((r) => [r.total_volume, r.volume, r.at]),
      [
        [10, 0, '10:00:00'],
        [31, 21, '10:03:00'],
      ]
    );
    const file = await db.query<{ status: string; error: string }>(
      `SELECT status, error FROM optflow.files WHERE path = $1`,
      [path]
    );
    assert.equal(file.rows[0]!.status, 'partial');
    // Not complete: the next run reads it again (the good snapshots are duplicates then).
    const again = await loadFile(db, path, options);
    assert.deepEqual([again.status, again.inserted, again.duplicates], ['partial', 0, 2]);
  });

  test('the watcher loads a JSON file at once when it ends with a whole line', async () => {
    const watched = join(dir, 'watched');
    mkdirSync(watched);
    writeFileSync(
      join(watched, 'RUT.2024-10-15.ndjson'),
      JSON.stringify(cboeDocument('2024-10-15 11:00:00', [cboeOption('RUTW241018C02200000', 5, 0.2)], '_RUT')) + '\n'
    );
    writeFileSync(join(watched, 'notes.txt'), 'not a chain');
    const stop = new AbortController();
    const loaded: FileSummary[] = [];
    await watchDirectory(db, watched, {
      ...options,
      pollMs: 60_000, // a whole file must not wait for a poll interval to hold still
      signal: stop.signal,
      onLoad: (s) => {
        loaded.push(s);
        stop.abort();
      },
      onError: (message) => assert.fail(message),
    });
    assert.deepEqual(
      loaded.map((s) => [s.status, s.inserted]),
      [['loaded', 1]]
    );
    const rows = await quotes(`underlying = 'RUT'`);
    assert.deepEqual(
      rows.map((r) => [r.contract, r.iv]),
      [['RUTW  241018C02200000', 20]]
    );
  });
});
