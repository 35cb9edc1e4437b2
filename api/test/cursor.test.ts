import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { decodeCursor, encodeCursor, uncoversStoredRows } from '../src/cursor.ts';
import type { Cursor } from '../src/cursor.ts';

const key = Buffer.alloc(32, 7);
const cursor: Cursor = {
  fingerprint: 'abc',
  last: 1,
  latest: null,
  snapshot: '10:12:11',
  to: 5,
  instance: 'i1',
  generation: 7,
};
const b64 = (json: string) => Buffer.from(json).toString('base64url');
/** A version-4 cursor with any payload, signed with `k`: what a holder of the secret could forge. */
const signed = (json: string, k: Uint8Array = key) =>
  `${b64(json)}.${createHmac('sha256', k).update(b64(json)).digest().subarray(0, 16).toString('base64url')}`;
const flip = (text: string, at: number) => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;

describe('cursor', () => {
  test('round-trips, signed', () => {
    const text = encodeCursor(cursor, key);
    assert.match(text, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(decodeCursor(text, key), { kind: 'valid', cursor });
  });

  // Unsigned cursors of versions 1–3 (issued before signing) are answered as if none was sent.
  for (const [name, text] of [
    ['version 1', b64('[1,"a",1,2,"1:2:"]')],
    ['version 2', b64('[2,"a",1,2,"1:2:",3]')],
    ['version 3', b64('[3,"a",1,2,"1:2:",3,"i",4]')],
    ['version 3 with nonsense inside (nothing in it is used)', b64('[3,"a",1e300,2,"x; drop",3,"i",4]')],
  ] as const) {
    test(`legacy: ${name}`, () => assert.deepEqual(decodeCursor(text, key), { kind: 'legacy' }));
  }

  const good = encodeCursor(cursor, key);
  const [payload, mac] = good.split('.') as [string, string];
  for (const [name, text] of [
    ['empty', ''],
    ['garbage', 'x'],
    ['a version 2 of the wrong length', b64('[2,"a",1,1,"1:2:"]')],
    ['a byte of the payload changed', `${flip(payload, 5)}.${mac}`],
    ['a byte of the MAC changed', `${payload}.${flip(mac, 3)}`],
    ['the MAC cut short', `${payload}.${mac.slice(0, 10)}`],
    ['no MAC', `${payload}.`],
    ['signed by another database', encodeCursor(cursor, randomBytes(32))],
    ['another payload with this MAC', `${b64('[4,"abc",1,null,"1:1:",5,"i1",7]')}.${mac}`],
  ] as const) {
    test(`rejects ${name}`, () =>
      assert.throws(() => decodeCursor(text, key), /cursor: not a cursor issued by this API/));
  }

  // Even correctly signed (a leaked secret), values SQL or Date would reject are refused.
  for (const [name, json] of [
    ['a snapshot that is not one', '[4,"a",1,1,"1:2:3; drop",1,"i",1]'],
    ['a snapshot of an absurd length', `[4,"a",1,1,"1:2:${Array(2000).fill(1).join(',')}",1,"i",1]`],
    ['last beyond a Date', '[4,"a",1e300,1,"1:2:",1,"i",1]'],
    ['latest beyond a Date', '[4,"a",1,-8.640000000000001e15,"1:2:",1,"i",1]'],
    ['to as a string', '[4,"a",1,1,"1:2:","1","i",1]'],
    ['a negative generation', '[4,"a",1,1,"1:2:",1,"i",-1]'],
    ['an instance without generation', '[4,"a",1,1,"1:2:",1,"i",null]'],
    ['a numeric instance', '[4,"a",1,1,"1:2:",1,7,1]'],
    ['a version 5', '[5,"a",1,1,"1:2:",1,"i",1]'],
    ['not an array', '{"a":1}'],
  ] as const) {
    test(`rejects, though signed: ${name}`, () =>
      assert.throws(() => decodeCursor(signed(json), key), /cursor: not a cursor issued by this API/));
  }
  test('accepts, signed: times at the ends of what a Date holds', () => {
    assert.equal(decodeCursor(signed('[4,"a",8.64e15,-8.64e15,"1:2:3,4",null,null,null]'), key).kind, 'valid');
  });

  for (const [name, overrides, to, latest, expected] of [
    ['same end', { to: 100 }, 100, 150, false],
    ['later end, nothing stored past the old end', { to: 100 }, 200, 99, false],
    ['later end, rows stored past the old end', { to: 100 }, 200, 100, true],
    ['nothing stored', { to: 100 }, 200, null, false],
    ['version 1 cursor: unknown end', { to: null }, 100, 50, true],
  ] as const) {
    test(`uncoversStoredRows: ${name}`, () => {
      assert.equal(
        uncoversStoredRows(
          { fingerprint: 'a', last: 0, latest: 0, snapshot: '1:1:', instance: null, generation: null, ...overrides },
          to,
          latest
        ),
        expected
      );
    });
  }
});
