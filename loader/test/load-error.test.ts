import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromLoadErrorData, LoadError, reasonFor, toLoadErrorData } from '../src/load-error.ts';

const P = '/d/SPX.X.2023-05-19.parquet';

test('LoadError names the file once; its data crosses the reading thread and comes back the same', () => {
  const error = new LoadError(P, 3, 'row group 3 (rows 240-319) is unreadable (x)', { cause: new Error('x') });
  assert.equal(error.message, `${P}: row group 3 (rows 240-319) is unreadable (x)`);
  const data = structuredClone(toLoadErrorData(error)); // as postMessage copies it
  const back = fromLoadErrorData(data);
  assert.ok(back instanceof LoadError);
  assert.deepEqual([back.path, back.rowGroup, back.reason, back.message], [P, 3, error.reason, error.message]);
});

test('reasonFor: what went wrong, for a message that names the file itself', () => {
  const cases: Array<[string, unknown, string]> = [
    [
      'a LoadError of this file: its reason',
      new LoadError(P, null, 'not a readable Parquet file (x)'),
      'not a readable Parquet file (x)',
    ],
    [
      'a LoadError of another file keeps its path',
      new LoadError('/d/other.parquet', 1, 'boom'),
      '/d/other.parquet: boom',
    ],
    ['any other error: its message', new Error('permission denied'), 'permission denied'],
    ['anything thrown', 'a string', 'a string'],
  ];
  for (const [name, error, want] of cases) assert.equal(reasonFor(P, error), want, name);
});
