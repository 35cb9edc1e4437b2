#!/usr/bin/env node
// Fails when TypeScript modules import each other in a cycle (type-only imports included: a cycle
// of types is still two modules that cannot be read apart), or when a workspace's own code imports
// one that comes after it on the data path (LAYERS: the loader imports neither the API nor the CLI).
// Follows relative imports and the workspaces' own packages (@optflow/<name>[/<export>]) through
// their package.json exports.
// Usage: node scripts/check-imports.mjs [dir...]   (default: every workspace but the plugin)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(new URL('..', import.meta.url).pathname);
const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
const dirs = process.argv.length > 2 ? process.argv.slice(2) : workspaces.filter((w) => w !== 'grafana-plugin');

/** @optflow/<name> and its subpath exports → files. */
const packages = new Map();
for (const w of workspaces) {
  const pkg = JSON.parse(readFileSync(join(root, w, 'package.json'), 'utf8'));
  for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target === 'string')
      packages.set(`${pkg.name}${sub === '.' ? '' : sub.slice(1)}`, resolve(root, w, target));
  }
}

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sources(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveImport(from, specifier) {
  if (packages.has(specifier)) return packages.get(specifier);
  if (!specifier.startsWith('.')) return null; // a dependency
  const path = resolve(dirname(from), specifier);
  return (
    [path, `${path}.ts`, `${path}.tsx`, join(path, 'index.ts')].find((p) => existsSync(p) && p.match(/\.tsx?$/)) ?? null
  );
}

const graph = new Map();
const files = dirs.flatMap((d) => sources(resolve(root, d)));
for (const file of files) {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  graph.set(file, [
    ...new Set(info.importedFiles.map((i) => resolveImport(file, i.fileName)).filter((p) => p !== null)),
  ]);
}

// Tarjan's strongly connected components: every component of more than one module is a cycle.
let index = 0;
const stack = [];
const state = new Map();
const cycles = [];
function visit(node) {
  const s = { index, low: index, onStack: true };
  index++;
  state.set(node, s);
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    if (!graph.has(next)) continue;
    const t = state.get(next);
    if (t === undefined) {
      visit(next);
      s.low = Math.min(s.low, state.get(next).low);
    } else if (t.onStack) s.low = Math.min(s.low, t.index);
  }
  if (s.low === s.index) {
    const component = [];
    let n;
    do {
      n = stack.pop();
      state.get(n).onStack = false;
      component.push(n);
    } while (n !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component);
  }
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

/** The data path, in order: a workspace's code (src/) imports only the workspaces before it. */
const LAYERS = ['contract', 'db', 'migrations', 'loader', 'api', 'cli'];
const layerOf = (file) => {
  const [workspace, part] = relative(root, file).split('/');
  return { workspace, layer: LAYERS.indexOf(workspace), code: part === 'src' };
};
const upward = [];
for (const [file, imports] of graph) {
  const from = layerOf(file);
  if (from.layer < 0 || !from.code) continue; // tests may use anything
  for (const target of imports) {
    const to = layerOf(target);
    if (to.layer > from.layer)
      upward.push(
        `${relative(root, file)} imports ${to.workspace} (${relative(root, target)}), which comes after ${from.workspace} in ${LAYERS.join(' → ')}`
      );
  }
}

for (const c of cycles)
  console.error(
    `import cycle: ${c
      .map((f) => relative(root, f))
      .sort()
      .join(' <-> ')}`
  );
for (const u of upward) console.error(`import against the data path: ${u}`);
if (cycles.length > 0 || upward.length > 0) process.exit(1);
console.log(
  `no import cycles among ${graph.size} modules; every workspace imports only those before it (${LAYERS.join(' → ')})`
);
