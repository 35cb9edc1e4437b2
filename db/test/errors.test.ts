import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { isConnectionLoss } from '../src/errors.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
const reported = (code: string) => Object.assign(new pg.DatabaseError('reported', 0, 'error'), { code });

test('a lost connection, told apart from an error the server reported about a statement', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['operator restart (57P01 admin_shutdown)', reported('57P01'), true],
    ['crash restart (57P02)', reported('57P02'), true],
    ['server starting or stopping (57P03)', reported('57P03'), true],
    ['connection exception class 08', reported('08006'), true],
    ['socket reset', withCode('ECONNRESET'), true],
    ['refused', withCode('ECONNREFUSED'), true],
    ['pg: server closed the connection', new Error('Connection terminated unexpectedly'), true],
    ['unique violation', reported('23505'), false],
    ['statement timeout (57014)', reported('57014'), false],
    ['read-only transaction', reported('25006'), false],
    ['not an error', 'ECONNRESET', false],
    ['any other error', new Error('boom'), false],
    [
      'an error caused by a lost connection (a load naming its file)',
      new Error('/data/x.parquet: lost', { cause: reported('57P01') }),
      true,
    ],
    ['an error caused by a reported one', new Error('/data/x.parquet: refused', { cause: reported('23505') }), false],
  ];
  for (const [name, error, lost] of cases) assert.equal(isConnectionLoss(error), lost, name);
});
