import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/until-signal.ts', import.meta.url));

/** Runs the fixture; `signals` are sent one after another, each once the output matches its pattern. */
async function run(
  exitCode: number,
  mode: string,
  signals: Array<[RegExp, NodeJS.Signals]> = []
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, String(exitCode), mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const pending = [...signals];
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    while (pending.length > 0 && pending[0]![0].test(output)) child.kill(pending.shift()![1]);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, output };
}

describe('runUntilSignal', () => {
  const cases: Array<[string, number, string, Array<[RegExp, NodeJS.Signals]>, number, RegExp]> = [
    [
      'SIGTERM: the work is told to stop, winds down, exit 0',
      0,
      'wait',
      [[/ready/, 'SIGTERM']],
      0,
      /ready\nsignal SIGTERM\nstopping: SIGTERM\n$/,
    ],
    [
      'SIGINT with exit code 1 (a load stopped before it finished)',
      1,
      'wait',
      [[/ready/, 'SIGINT']],
      1,
      /signal SIGINT\nstopping: SIGINT\n$/,
    ],
    [
      'a second signal while stopping exits at once with 130',
      0,
      'hang-stopping',
      [
        [/ready/, 'SIGTERM'],
        [/stopping/, 'SIGINT'],
      ],
      130,
      /stopping: SIGTERM\n$/,
    ],
    [
      'a failure while stopping is reported, exit 1',
      0,
      'fail-stopping',
      [[/ready/, 'SIGTERM']],
      1,
      /optflow: error while stopping: cleanup failed/,
    ],
    ['no signal: what the work returns', 0, 'return', [], 0, /ready\nreturned done\n$/],
    ['no signal: what the work throws', 0, 'throw', [], 5, /ready\nthrew the work failed\n$/],
  ];
  for (const [name, exitCode, mode, signals, code, output] of cases) {
    test(name, async () => {
      const result = await run(exitCode, mode, signals);
      assert.equal(result.code, code, result.output);
      assert.match(result.output, output);
    });
  }
});
