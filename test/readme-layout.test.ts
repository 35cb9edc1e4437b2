import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The README's layout: the code block of "## Development" whose lines start with a directory. */
function layout(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Development'));
  const block = [...section.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => /^contract\/ /m.test(b));
  assert.ok(block, 'the Development section has the layout block');
  const entries = new Map<string, string>();
  let current = '';
  for (const line of block.split('\n')) {
    const entry = /^([\w-]+)\/\s+(.*)$/.exec(line);
    if (entry) entries.set((current = entry[1]!), entry[2]!);
    else if (current && line.trim()) entries.set(current, `${entries.get(current)} ${line.trim()}`);
  }
  return entries;
}

function filesUnder(dir: string): Set<string> {
  const names = new Set<string>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!['node_modules', 'dist', '.config'].includes(e.name))
        for (const n of filesUnder(join(dir, e.name))) names.add(n);
    } else names.add(e.name);
  }
  return names;
}

test('the README layout lists every workspace, and every file it names exists where it says', () => {
  const entries = layout();
  const { workspaces } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  for (const w of workspaces) assert.ok(entries.has(w), `the layout lists the workspace ${w}/`);
  for (const [dir, text] of entries) {
    assert.ok(existsSync(join(ROOT, dir)), `${dir}/ exists`);
    const files = filesUnder(join(ROOT, dir));
    for (const name of text.match(/[\w-]+\.(?:ts|tsx|mjs|js)\b/g) ?? [])
      assert.ok(files.has(name), `${dir}/ has ${name}, as the README says`);
  }
});
