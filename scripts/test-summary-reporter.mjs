// node:test reporter that writes the run's final pass/fail counts as JSON to its destination,
// so the root runner can sum them over every workspace.
export default async function* summaryReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== 'test:diagnostic' || event.data.nesting !== 0) continue;
    const match = /^(pass|fail|cancelled|skipped|todo) (\d+)$/.exec(event.data.message);
    if (!match) continue;
    const n = Number(match[2]);
    if (match[1] === 'pass') counts.passed += n;
    else if (match[1] === 'fail' || match[1] === 'cancelled') counts.failed += n;
    else counts.skipped += n;
  }
  yield JSON.stringify(counts);
}
