import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Deadline, DeadlineExceeded } from '../src/deadline.ts';
import { classifyFailure } from '../src/errors.ts';
import type { FailureKind } from '../src/errors.ts';

/** A deadline on a clock the test moves. */
function clocked(budget: number) {
  let now = 1000;
  const deadline = new Deadline(budget, () => now);
  return { deadline, advance: (ms: number) => (now += ms) };
}

describe('Deadline', () => {
  // Steps: advance the clock, optionally pause/resume, then the timeout the next statement gets (cap 10 s).
  const cases: Array<
    [
      name: string,
      budget: number,
      steps: Array<['advance', number] | ['pause'] | ['resume'] | ['timeout', number | 'exceeded']>,
    ]
  > = [
    [
      'the cap while far from the deadline',
      15_000,
      [
        ['timeout', 10_000],
        ['advance', 4000],
        ['timeout', 10_000],
      ],
    ],
    [
      'what remains near it',
      15_000,
      [
        ['advance', 9000],
        ['timeout', 6000],
        ['advance', 5999],
        ['timeout', 1],
      ],
    ],
    [
      'nothing past it',
      15_000,
      [
        ['advance', 15_000],
        ['timeout', 'exceeded'],
        ['advance', 1],
        ['timeout', 'exceeded'],
      ],
    ],
    [
      'a sub-millisecond remainder is nothing',
      10,
      [
        ['advance', 9.5],
        ['timeout', 'exceeded'],
      ],
    ],
    [
      'waiting (paused) does not count',
      15_000,
      [
        ['advance', 9000],
        ['pause'],
        ['advance', 30_000],
        ['timeout', 6000],
        ['resume'],
        ['timeout', 6000],
        ['advance', 1000],
        ['timeout', 5000],
      ],
    ],
    [
      'pause twice, resume twice',
      15_000,
      [
        ['pause'],
        ['advance', 100],
        ['pause'],
        ['advance', 100],
        ['resume'],
        ['resume'],
        ['timeout', 10_000],
        ['advance', 14_999],
        ['timeout', 1],
      ],
    ],
  ];
  for (const [name, budget, steps] of cases) {
    test(name, () => {
      const { deadline, advance } = clocked(budget);
      for (const step of steps) {
        if (step[0] === 'advance') advance(step[1]);
        else if (step[0] === 'pause') deadline.pause();
        else if (step[0] === 'resume') deadline.resume();
        else if (step[1] === 'exceeded') assert.throws(() => deadline.nextStatementTimeout(10_000), DeadlineExceeded);
        else assert.equal(deadline.nextStatementTimeout(10_000), step[1]);
      }
    });
  }
  test('statement timeouts, each what remains when it starts, never outlast the deadline', () => {
    const { deadline, advance } = clocked(15_000);
    let end = 0;
    for (let elapsed = 0; ;) {
      let timeout: number;
      try {
        timeout = deadline.nextStatementTimeout(10_000);
      } catch {
        break;
      }
      end = Math.max(end, elapsed + timeout); // the latest this statement could end
      const ran = Math.min(timeout, 3700); // each statement runs 3.7 s or is cancelled
      advance(ran);
      elapsed += ran;
    }
    assert.ok(end <= 15_000, `ends by ${end}`);
  });
});

describe('classifyFailure', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  const cases: Array<[name: string, error: unknown, kind: FailureKind]> = [
    ['the deadline', new DeadlineExceeded(15_000), 'deadline'],
    ['a statement timeout (57014)', withCode('57014', 'canceling statement due to statement timeout'), 'deadline'],
    ['connection failure (08006)', withCode('08006'), 'unavailable'],
    ['server shutting down (57P01)', withCode('57P01'), 'unavailable'],
    ['cannot connect now (57P03)', withCode('57P03'), 'unavailable'],
    ['too many connections (53300)', withCode('53300'), 'unavailable'],
    ['connection refused', withCode('ECONNREFUSED'), 'unavailable'],
    ['connection reset', withCode('ECONNRESET'), 'unavailable'],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly'), 'unavailable'],
    ['pg pool: no connection in time', new Error('timeout exceeded when trying to connect'), 'unavailable'],
    ['embedded: closed', new Error('embedded database is closed'), 'unavailable'],
    ['a syntax error (a bug)', withCode('42601', 'syntax error'), 'internal'],
    [
      'out of range input (a bug now: validation should have caught it)',
      withCode('22008', 'date/time field value out of range'),
      'internal',
    ],
    [
      'a server error that mentions a connection',
      withCode('42P01', 'relation "connection closed" does not exist'),
      'internal',
    ],
    ['a TypeError', new TypeError('x is undefined'), 'internal'],
    ['a Node error code that is not a system error', withCode('ERR_INVALID_ARG_TYPE'), 'internal'],
    ['not an Error', 'boom', 'internal'],
  ];
  for (const [name, error, kind] of cases) test(`${name}: ${kind}`, () => assert.equal(classifyFailure(error), kind));
});
