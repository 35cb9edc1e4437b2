import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { OPTFLOW_BIN } from './src/processes.ts';

describe('optflow output', () => {
  test('a reader that closes the pipe early (optflow … | head) ends optflow quietly with exit 0', async () => {
    const child = spawn(process.execPath, [OPTFLOW_BIN, 'sample', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // closed before optflow writes its help
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
