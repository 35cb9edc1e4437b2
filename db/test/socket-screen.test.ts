import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { codeWords, screenStatement } from '../src/socket-screen.ts';

describe('the words PostgreSQL would read', () => {
  const cases: Array<[string, string[] | null]> = [
    ['SELECT 1', ['select']],
    ['select * from "Optflow"."flow_1m"', ['select', 'from', 'optflow', 'flow_1m']],
    [`SELECT 'session authorization' -- reset session authorization`, ['select']],
    ['SELECT /* discard /* nested */ all */ 2', ['select']],
    [`SELECT E'it\\'s; discard all' AS x`, ['select', 'as', 'x']],
    [`SELECT 'a''b', $tag$ discard all $tag$, $$ copy x from stdin $$`, ['select']],
    ['SELECT $1::text, a$b$ FROM t', ['select', 'text', 'a$b$', 'from', 't']],
    [`SELECT 1e5, 'x'`, ['select']],
    ['SET "session_authorization" = postgres', ['set', 'session_authorization', 'postgres']],
    [`SELECT 'unterminated`, null],
    ['SELECT /* unterminated', null],
    ['SELECT U&"d\\0069scard"', null],
    ['SELECT $x$ unterminated', null],
  ];
  for (const [sql, words] of cases) test(sql, () => assert.deepEqual(codeWords(sql), words));
});

describe('what a socket client may send', () => {
  const reader = { restricted: true };
  const superuser = { restricted: false };
  const cases: Array<[string, string, RegExp | null, RegExp | null]> = [
    // statement, why, refused for a reader?, refused for the superuser?
    ['SELECT * FROM optflow.flow_1m', 'a query', null, null],
    ['BEGIN; SELECT 1; COMMIT', 'a transaction', null, null],
    ['SET TIME ZONE UTC', 'ordinary settings', null, null],
    ['RESET SESSION AUTHORIZATION', 'back to the superuser', /session authorization/, null],
    ['set session   authorization postgres', 'any spacing and case', /session authorization/, null],
    ['SET "session_authorization" TO postgres', 'the setting by its quoted name', /session authorization/, null],
    [
      "SELECT set_config('session_authorization', 'postgres', false)",
      'through set_config: a literal, refused by the revoked grant instead',
      null,
      null,
    ],
    [
      'SET SESSION AUTHORIZATION DEFAULT; DROP SCHEMA optflow CASCADE',
      'hidden in a batch',
      /session authorization/,
      null,
    ],
    ['DISCARD ALL', 'resets the session authorization', /DISCARD/, null],
    ['SELECT 1; /* x */ discard all', 'after a comment', /DISCARD/, null],
    ['SET standard_conforming_strings = off', 'would desynchronize the lexer', /string literals/, null],
    ['COPY optflow.quotes FROM STDIN', 'kills the embedded database', /COPY FROM STDIN/, /COPY FROM STDIN/],
    [
      'copy optflow.quotes (contract) from stdin with (format binary)',
      'with columns and options',
      /COPY FROM STDIN/,
      /COPY FROM STDIN/,
    ],
    ['COPY (SELECT * FROM optflow.quotes) TO STDOUT', 'COPY TO STDOUT reads', null, null],
    ["SELECT 'copy x from stdin'", 'only in a literal', null, null],
    ["SELECT 'x", 'unreadable', /could not be read/, /could not be read/],
  ];
  for (const [sql, why, reader_, superuser_] of cases) {
    test(`${sql} (${why})`, () => {
      const asReader = screenStatement(sql, reader);
      const asSuperuser = screenStatement(sql, superuser);
      if (reader_) assert.match(asReader ?? '', reader_);
      else assert.equal(asReader, null);
      if (superuser_) assert.match(asSuperuser ?? '', superuser_);
      else assert.equal(asSuperuser, null);
    });
  }
});
