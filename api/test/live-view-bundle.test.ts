import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LIVE_VIEW_DIR, readLiveView } from '../src/live-view.ts';

const PLUGIN = fileURLToPath(new URL('../../grafana-plugin/', import.meta.url));

// The committed bundle is what `npm start` serves without building: it must be what the sources build.
test('the committed live view is the build of grafana-plugin/live-view (npm run build:live-view -w grafana-plugin)', () => {
  const out = mkdtempSync(join(tmpdir(), 'optflow-live-view-'));
  try {
    const build = spawnSync(
      'npx',
      [
        '--no-install',
        'vite',
        'build',
        '--config',
        'live-view/vite.config.mts',
        '--outDir',
        out,
        '--emptyOutDir',
        '--logLevel',
        'error',
      ],
      { cwd: PLUGIN, encoding: 'utf8' }
    );
    assert.equal(build.status, 0, build.stderr);
    const built = readLiveView(out);
    const committed = readLiveView(LIVE_VIEW_DIR);
    assert.ok(committed.has('/index.html'), 'api/live-view/index.html is committed');
    assert.deepEqual([...committed.keys()].sort(), [...built.keys()].sort(), 'the same files');
    for (const [path, file] of built) assert.equal(committed.get(path)?.etag, file.etag, `${path} is up to date`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
