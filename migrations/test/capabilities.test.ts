import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canUseTimescale, timescaleNotice, timescaleStatus } from '../src/index.ts';
import type { Capabilities, TimescaleStatus } from '../src/index.ts';

const server = { timescaledb: false, embedded: false, available: false, preloaded: false };

describe('what optflow makes of TimescaleDB on a database', () => {
  const cases: Array<[string, Capabilities, boolean, TimescaleStatus, boolean]> = [
    // name, capabilities, optflow schema exists, status, migrations create the extension
    ['plain PostgreSQL, nothing installed', server, false, 'absent', false],
    [
      'installed on disk, not preloaded (the OS package before a restart)',
      { ...server, available: true },
      false,
      'not-preloaded',
      false,
    ],
    ['installed, not preloaded, schema already there', { ...server, available: true }, true, 'not-preloaded', false],
    ['preloaded, fresh database', { ...server, available: true, preloaded: true }, false, 'usable', true],
    [
      'preloaded, schema created without it (migrated before it was enabled)',
      { ...server, available: true, preloaded: true },
      true,
      'unused',
      true,
    ],
    ['extension in use', { ...server, timescaledb: true, available: true, preloaded: true }, true, 'in-use', true],
    [
      'embedded build (loads without preloading)',
      { ...server, embedded: true, available: true },
      false,
      'usable',
      true,
    ],
    ['embedded, in use', { ...server, embedded: true, available: true, timescaledb: true }, true, 'in-use', true],
  ];
  for (const [name, capabilities, schema, status, usable] of cases) {
    test(name, () => {
      assert.equal(timescaleStatus(capabilities, schema), status);
      assert.equal(canUseTimescale(capabilities), usable);
    });
  }

  test('a notice, on one line, only where TimescaleDB is there but not serving this database', () => {
    for (const status of ['in-use', 'absent', 'usable'] as const) assert.equal(timescaleNotice(status), null, status);
    assert.match(
      timescaleNotice('not-preloaded')!,
      /^optflow: notice: TimescaleDB is installed on this server but not preloaded.*shared_preload_libraries = 'timescaledb'.*restart/
    );
    assert.match(timescaleNotice('unused')!, /created without it.*optflow migrate --convert-to-timescaledb/);
    for (const status of ['not-preloaded', 'unused'] as const) assert.doesNotMatch(timescaleNotice(status)!, /\n/);
  });
});
