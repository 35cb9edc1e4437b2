import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decimalToThousandths,
  parseSymbol,
  underlyingForRoot,
  underlyingFromFileName,
} from '../src/contracts/symbol.ts';

describe('parseSymbol', () => {
  // [raw, format, root, expiration, put/call, strike, canonical contract]
  const valid: Array<[string, string, string, string, string, string, string]> = [
    ['SPXW_051923C4200', 'tda', 'SPXW', '2023-05-19', 'C', '4200', 'SPXW  230519C04200000'],
    ['SPY_052323C410', 'tda', 'SPY', '2023-05-23', 'C', '410', 'SPY   230523C00410000'],
    ['MSFT_052121P232.5', 'tda', 'MSFT', '2021-05-21', 'P', '232.5', 'MSFT  210521P00232500'],
    ['SPXW  230519C04200000', 'osi', 'SPXW', '2023-05-19', 'C', '4200', 'SPXW  230519C04200000'],
    ['SPXW  241015C05820000', 'osi', 'SPXW', '2024-10-15', 'C', '5820', 'SPXW  241015C05820000'],
    ['QQQ   240420P00500000', 'osi', 'QQQ', '2024-04-20', 'P', '500', 'QQQ   240420P00500000'],
    ['SPY230519C00410500', 'osi', 'SPY', '2023-05-19', 'C', '410.5', 'SPY   230519C00410500'],
    ['O:SPY230519C00410500', 'osi', 'SPY', '2023-05-19', 'C', '410.5', 'SPY   230519C00410500'],
    ['SPY260825C00500000', 'osi', 'SPY', '2026-08-25', 'C', '500', 'SPY   260825C00500000'],
    ['.SPXW230519C4200', 'dxfeed', 'SPXW', '2023-05-19', 'C', '4200', 'SPXW  230519C04200000'],
    ['.SPXW241023P5760', 'dxfeed', 'SPXW', '2024-10-23', 'P', '5760', 'SPXW  241023P05760000'],
    ['.SPY240705P540', 'dxfeed', 'SPY', '2024-07-05', 'P', '540', 'SPY   240705P00540000'],
    ['.ES260821C105', 'dxfeed', 'ES', '2026-08-21', 'C', '105', 'ES    260821C00105000'],
    ['DELL1_091826C75', 'tda', 'DELL1', '2026-09-18', 'C', '75', 'DELL1 260918C00075000'],
    ['KTOS1  260918C00075000', 'osi', 'KTOS1', '2026-09-18', 'C', '75', 'KTOS1 260918C00075000'],
    ['.DELL1260918C75', 'dxfeed', 'DELL1', '2026-09-18', 'C', '75', 'DELL1 260918C00075000'],
    ['  SPY_052323P410.250  ', 'tda', 'SPY', '2023-05-23', 'P', '410.25', 'SPY   230523P00410250'],
  ];
  for (const [raw, format, root, expiration, putCall, strike, contract] of valid) {
    test(`${JSON.stringify(raw)} → ${contract}`, () => {
      const result = parseSymbol(raw);
      assert.ok(result.ok, result.ok ? '' : result.reason);
      assert.deepEqual(
        {
          format: result.symbol.format,
          root: result.symbol.root,
          expiration: result.symbol.expiration,
          putCall: result.symbol.putCall,
          strike: result.symbol.strike,
          contract: result.symbol.contract,
        },
        { format, root, expiration, putCall, strike, contract }
      );
      assert.equal(result.symbol.contract.length, 21);
    });
  }

  test('the same contract in every format has one canonical key', () => {
    const keys = ['SPXW_102324P5760', 'SPXW  241023P05760000', 'SPXW241023P05760000', '.SPXW241023P5760'].map((s) => {
      const r = parseSymbol(s);
      return r.ok ? r.symbol.contract : r.reason;
    });
    assert.deepEqual(new Set(keys), new Set(['SPXW  241023P05760000']));
  });

  const malformed: Array<[string, RegExp]> = [
    ['', /unrecognized option symbol ""/],
    ['SPX', /unrecognized/],
    ['SPXW_051923X4200', /unrecognized/],
    ['SPXW_133123C4200', /expiration 2023-13-31 is not a date/],
    ['SPXW_023023C4200', /expiration 2023-02-30 is not a date/],
    ['SPXW_051923C0', /strike must be positive/],
    ['MSFT_052121P232.1234', /strike must be positive with at most 3 decimals/],
    ['TOOLONGROOT_051923C10', /root "TOOLONGROOT" is not 1-6/],
    ['spxw_051923C4200', /root "spxw"/],
    ['SPXW  230519C0420000', /unrecognized/],
    ['.SPXW2305C4200', /unrecognized/],
  ];
  for (const [raw, reason] of malformed) {
    test(`rejects ${JSON.stringify(raw)}`, () => {
      const result = parseSymbol(raw);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, reason);
    });
  }
});

describe('strike decimals', () => {
  const cases: Array<[string, number | null]> = [
    ['4200', 4_200_000],
    ['232.5', 232_500],
    ['0.001', 1],
    ['410.250', 410_250],
    ['1.2345', null],
    ['1e3', null],
    ['-5', null],
  ];
  for (const [text, expected] of cases)
    test(`${text} → ${expected}`, () => assert.equal(decimalToThousandths(text), expected));
});

describe('underlying', () => {
  const roots: Array<[string, string]> = [
    ['SPXW', 'SPX'],
    ['NDXP', 'NDX'],
    ['RUTW', 'RUT'],
    ['VIXW', 'VIX'],
    ['SPX', 'SPX'],
    ['SPY', 'SPY'],
    ['DELL1', 'DELL'],
  ];
  for (const [root, underlying] of roots)
    test(`root ${root} → ${underlying}`, () => assert.equal(underlyingForRoot(root), underlying));
  const files: Array<[string, string | null]> = [
    ['SPX.X.2023-05-19.parquet', 'SPX'],
    ['/data/$SPX.2024-10-15.parquet', 'SPX'],
    ['MSFT.2021-05-17.chain.json', 'MSFT'],
    ['QQQ_2024-04-20.parquet', 'QQQ'],
    ['chain-2024.parquet', null],
  ];
  for (const [name, underlying] of files)
    test(`file ${name} → ${underlying}`, () => assert.equal(underlyingFromFileName(name), underlying));
});
