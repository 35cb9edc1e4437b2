// Every symbol in the real chain fixtures (../shared/data/real) parses, agrees with the file's own
// strike / expiration / put-call columns, and lands on one canonical contract across formats.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { parseSymbol } from '../src/contracts/symbol.ts';
import type { ParsedSymbol } from '../src/contracts/symbol.ts';

const REAL = fileURLToPath(new URL('../../../shared/data/real', import.meta.url));
if (!existsSync(REAL))
  throw new Error(`real data fixtures not found at ${REAL} (shared/ must sit beside the repository)`);

function parsed(symbol: string): ParsedSymbol {
  const result = parseSymbol(symbol);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.symbol;
}

function agrees(p: ParsedSymbol, strike: number, expiration: string, putCall: string, where: string) {
  assert.equal(Number(p.strike), strike, `${where}: strike`);
  assert.equal(p.expiration, expiration, `${where}: expiration`);
  assert.equal(p.putCall, putCall[0], `${where}: put/call`);
}

interface ChainContract {
  symbol: string;
  putCall: string;
  strikePrice: number;
  expirationDate: number | string;
}
type ExpDateMap = Record<string, Record<string, ChainContract[]>>;
const contractsOf = (chain: { callExpDateMap?: ExpDateMap; putExpDateMap?: ExpDateMap }) =>
  [chain.callExpDateMap, chain.putExpDateMap].flatMap((m) =>
    Object.values(m ?? {}).flatMap((byStrike) => Object.values(byStrike).flat())
  );

describe('real chain symbols', () => {
  for (const file of readdirSync(join(REAL, 'tastytrade-chain'))) {
    test(`tastytrade ${file}: thinkorswim symbols agree with strike, expiration_date, putCall`, async () => {
      const rows = await parquetReadObjects({
        file: await asyncBufferFromFile(join(REAL, 'tastytrade-chain', file)),
        columns: ['symbol', 'strike', 'putCall', 'expiration_date'],
      });
      assert.ok(rows.length >= 30);
      for (const [i, r] of rows.entries()) {
        const p = parsed(r.symbol as string);
        assert.equal(p.format, 'dxfeed');
        agrees(
          p,
          Number(r.strike),
          (r.expiration_date as Date).toISOString().slice(0, 10),
          r.putCall as string,
          `${file} row ${i}`
        );
      }
    });
  }

  test('TD Ameritrade MSFT chain: decimal strikes, MMDDYY dates, epoch-ms expirations', () => {
    const contracts = contractsOf(
      JSON.parse(readFileSync(join(REAL, 'tda-chain', 'MSFT.2021-05-17.chain.json'), 'utf8'))
    );
    assert.equal(contracts.length, 380);
    for (const c of contracts) {
      const p = parsed(c.symbol);
      assert.equal(p.format, 'tda');
      // TDA's expirationDate is the close on expiry in epoch ms; its UTC date is the expiration.
      agrees(p, c.strikePrice, new Date(c.expirationDate as number).toISOString().slice(0, 10), c.putCall, c.symbol);
    }
    assert.ok(
      contracts.some((c) => parsed(c.symbol).strike.includes('.')),
      'has decimal strikes'
    );
  });

  test('Schwab SPX chain: OSI symbols, ISO expirations', () => {
    const contracts = contractsOf(
      JSON.parse(readFileSync(join(REAL, 'schwab-chain', 'SPX.2024-10-15.chain.json'), 'utf8'))
    );
    assert.equal(contracts.length, 20);
    for (const c of contracts) {
      const p = parsed(c.symbol);
      assert.equal(p.contract, c.symbol, 'OSI symbols are already canonical');
      agrees(p, c.strikePrice, String(c.expirationDate).slice(0, 10), c.putCall, c.symbol);
    }
  });

  test('Schwab app state: each thinkorswim symbol and its OSI id are the same contract', () => {
    const pairs: Array<[string, string]> = [];
    const walk = (node: unknown): void => {
      if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        for (const side of ['short', 'long']) {
          if (typeof o[`${side}Symbol`] === 'string' && typeof o[`${side}ID`] === 'string')
            pairs.push([o[`${side}Symbol`] as string, o[`${side}ID`] as string]);
        }
        Object.values(o).forEach(walk);
      }
    };
    walk(JSON.parse(readFileSync(join(REAL, 'schwab-chain', 'symbol-map.json'), 'utf8')));
    assert.ok(pairs.length >= 2);
    for (const [tos, osi] of pairs) assert.equal(parsed(tos).contract, parsed(osi).contract, `${tos} = ${osi}`);
  });
});
