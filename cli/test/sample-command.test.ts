import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'optflow-sample-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const OPTFLOW = fileURLToPath(new URL('../bin/optflow.js', import.meta.url));

describe('optflow sample', () => {
  test('optflow sample --json writes into a directory with the collector name', () => {
    const run = spawnSync(
      process.execPath,
      [
        OPTFLOW,
        'sample',
        '--strikes',
        '3',
        '--expirations',
        '1',
        '--interval',
        '300',
        '--seed',
        '7',
        '--out',
        dir,
        '--json',
      ],
      { encoding: 'utf8' }
    );
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.path, join(dir, 'SPX.X.2023-05-19.parquet'));
    assert.equal(summary.rows, 3 * 2 * 79);
    assert.equal(summary.options.seed, 7);
  });

  test('bad options exit 2 with a message naming the option', () => {
    const run = spawnSync(process.execPath, [OPTFLOW, 'sample', '--date', '2023-02-30'], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--date <YYYY-MM-DD>.*expected a date as YYYY-MM-DD, got "2023-02-30"/);
  });
});
