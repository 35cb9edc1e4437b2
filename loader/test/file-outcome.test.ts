import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PageHeader } from 'hyparquet';
import { RepeatedHourTracker } from '../src/contracts/repeated-hour.ts';
import { deadlineFromEnv, readDeadlineMs } from '../src/load/batch-reader.ts';
import { fileFailure, rowGroupFailure } from '../src/load/file-outcome.ts';
import { pageHeaderProblem } from '../src/parquet/page-headers.ts';

/** The pure parts of issue 18's file outcomes: reasons, deadlines, page-header checks, the repeated hour. */
describe('rowGroupFailure and fileFailure: one line naming the file, the row group, and what was loaded (reasons come without the path)', () => {
  const P = '/d/SPX.X.2023-05-19.parquet';
  // [name, failed group, loaded, total, reason, expected]
  const cases: Array<[string, number, number, number, string, string]> = [
    ['nothing loaded: no count', 0, 0, 8, 'boom', `${P}: row group 0: boom`],
    ['3 of 8 loaded', 3, 3, 8, 'duplicate key', `${P}: 3 of 8 row groups loaded; row group 3: duplicate key`],
    [
      'the reason names the group already (a LoadError of the reading thread)',
      2,
      2,
      4,
      'row group 2 (rows 160-239) is unreadable (x)',
      `${P}: 2 of 4 row groups loaded; row group 2 (rows 160-239) is unreadable (x)`,
    ],
    [
      'another group named in the reason is not this one',
      1,
      1,
      4,
      'row group 10 differs',
      `${P}: 1 of 4 row groups loaded; row group 1: row group 10 differs`,
    ],
    ['a stack below the message is cut', 1, 0, 4, 'Error: x\n    at f (a.ts:1)', `${P}: row group 1: Error: x`],
  ];
  for (const [name, group, loaded, total, reason, expected] of cases) {
    test(name, () => assert.equal(rowGroupFailure(P, group, loaded, total, reason), expected));
  }
  test('fileFailure names the file once, on one line', () => {
    assert.equal(fileFailure(P, 'not a readable Parquet file (x)'), `${P}: not a readable Parquet file (x)`);
    assert.equal(fileFailure(P, 'permission denied\nmore'), `${P}: permission denied`);
  });
});

describe("the reading thread's deadline per row group", () => {
  // [env value, rows, expected ms]
  const cases: Array<[string | undefined, number, number]> = [
    [undefined, 0, 30_000],
    [undefined, 70_000, 37_000],
    [undefined, 1_000_000, 130_000],
    ['5', 70_000, 12_000],
    ['0', 0, 30_000],
    ['-3', 0, 30_000],
    ['soon', 0, 30_000],
    ['', 0, 30_000],
  ];
  for (const [env, rows, expected] of cases) {
    test(`OPTFLOW_READ_DEADLINE_SECONDS=${JSON.stringify(env)}, ${rows} rows: ${expected} ms`, () =>
      assert.equal(readDeadlineMs(rows, deadlineFromEnv(env)), expected));
  }
});

describe('pageHeaderProblem: headers hyparquet would trust', () => {
  const v2 = {
    num_values: 100,
    num_nulls: 0,
    num_rows: 100,
    encoding: 'PLAIN',
    definition_levels_byte_length: 3,
    repetition_levels_byte_length: 0,
    is_compressed: true,
  } as const;
  const page = (h: Partial<PageHeader>): PageHeader =>
    ({
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: 803,
      compressed_page_size: 437,
      data_page_header_v2: v2,
      ...h,
    }) as PageHeader;
  // [name, header, bytes left in the chunk, problem (a fragment) or null]
  const cases: Array<[string, PageHeader, number, string | null]> = [
    ['a sound v2 page', page({}), 437, null],
    [
      'the fixture: v2 fields lost to a flipped bit',
      page({ data_page_header_v2: { is_compressed: true } as PageHeader['data_page_header_v2'] }),
      437,
      'v2 header incomplete',
    ],
    [
      'no level lengths',
      page({ data_page_header_v2: { ...v2, repetition_levels_byte_length: undefined as unknown as number } }),
      437,
      'without level lengths',
    ],
    ['more nulls than values', page({ data_page_header_v2: { ...v2, num_nulls: 101 } }), 437, 'more nulls'],
    [
      'levels longer than the page',
      page({ data_page_header_v2: { ...v2, definition_levels_byte_length: 500 } }),
      437,
      'levels longer',
    ],
    ['a page past its chunk', page({}), 436, 'runs past its column chunk'],
    ['a negative size', page({ compressed_page_size: -1 }), 437, 'sizes missing or negative'],
    [
      'a v1 page without a value count',
      page({ type: 'DATA_PAGE', data_page_header: { encoding: 'PLAIN' } as PageHeader['data_page_header'] }),
      437,
      'data page header incomplete',
    ],
    [
      'a sound v1 page',
      page({
        type: 'DATA_PAGE',
        data_page_header: {
          num_values: 3,
          encoding: 'PLAIN',
          definition_level_encoding: 'RLE',
          repetition_level_encoding: 'RLE',
        },
      }),
      437,
      null,
    ],
    ['a dictionary page without a count', page({ type: 'DICTIONARY_PAGE' }), 437, 'dictionary page header'],
    ['an unknown page type', page({ type: undefined as unknown as PageHeader['type'] }), 437, 'unsupported page type'],
  ];
  for (const [name, header, remaining, problem] of cases) {
    test(name, () => {
      const found = pageHeaderProblem(header, remaining);
      if (problem === null) assert.equal(found, null);
      else assert.match(found ?? '', new RegExp(problem));
    });
  }
});

describe('RepeatedHourTracker: the passes through a repeated hour, in file order', () => {
  const at = (h: number, m: number, day = 5) => Date.UTC(2023, 10, day, h, m);
  // [name, wall times in file order, second pass per time]
  const cases: Array<[string, number[], boolean[]]> = [
    ['one pass only', [at(1, 0), at(1, 30), at(1, 59)], [false, false, false]],
    ["a snapshot's rows share a time", [at(1, 30), at(1, 30), at(1, 35), at(1, 35)], [false, false, false, false]],
    [
      'the clock goes back: second pass from there on',
      [at(1, 50), at(1, 55), at(1, 0), at(1, 5), at(1, 55)],
      [false, false, true, true, true],
    ],
    ['hourly snapshots at the same minute collapse (a documented limit)', [at(1, 0), at(1, 0)], [false, false]],
    ["another day's hour is tracked apart", [at(1, 50), at(1, 10, 6)], [false, false]],
  ];
  for (const [name, times, expected] of cases) {
    test(name, () => {
      const tracker = new RepeatedHourTracker();
      assert.deepEqual(
        times.map((t) => tracker.secondPass(t)),
        expected
      );
    });
  }
});
