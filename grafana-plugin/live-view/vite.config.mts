import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * The live view's production bundle, committed in api/live-view/ (the API serves it; `npm start`
 * needs no build). `npm run build:live-view -w grafana-plugin` rebuilds it; the API's
 * live-view test checks that it matches these sources.
 */
const OUT = fileURLToPath(new URL('../../api/live-view', import.meta.url));

/**
 * @grafana/ui fetches its icons from public/build/img/icons/ (relative to the page). Only the ones
 * the page shows are shipped, so it works offline without the 207-icon set.
 */
const ICONS = [
  'angle-down',
  'angle-up',
  'arrow-down',
  'arrow-up',
  'check',
  'copy',
  'exclamation-circle',
  'exclamation-triangle',
  'filter',
  'info-circle',
  'search',
  'times',
].map((name) => `unicons/${name}`);
const uiImages = join(
  dirname(createRequire(import.meta.url).resolve('@grafana/ui/package.json')),
  'dist',
  'public',
  'img'
);
const grafanaUiIcons: Plugin = {
  name: 'grafana-ui-icons',
  generateBundle() {
    for (const icon of ICONS) {
      this.emitFile({
        type: 'asset',
        fileName: `public/build/img/icons/${icon}.svg`,
        source: readFileSync(join(uiImages, 'icons', `${icon}.svg`)),
      });
    }
  },
};

/**
 * Modules of @grafana/ui replaced. It loads the Monaco code editor and OpenLayers on demand (CodeEditor, geo cells in
 * Table); the page shows neither, and they would be 3.4 MB of the bundle: stubbed out.
 */
const STUBS: Record<string, string> = {
  './ReactMonacoEditor.mjs': 'export const ReactMonacoEditor = () => null; export default ReactMonacoEditor;',
  './OpenLayersProvider.mjs': 'export const OpenLayersProvider = () => null;',
  // Grafana serves Inter and Roboto Mono itself; npm ships neither. The theme's font stack falls
  // back to the system's fonts instead of requesting files that are not there.
  './fonts.mjs': 'export function getFontStyles() { return {}; }',
  // A CommonJS module with `exports.default`: imported from an .mjs file, the bundler follows
  // Node (the default import is the whole exports object), webpack (Grafana) the `default`.
  'react-custom-scrollbars-2': `export { Scrollbars as default } from '${createRequire(import.meta.url).resolve('react-custom-scrollbars-2')}';`,
};
const unusedLazyChunks: Plugin = {
  name: 'unused-lazy-chunks',
  enforce: 'pre',
  resolveId(id, importer) {
    return STUBS[id] !== undefined && importer?.includes('@grafana/ui') ? `\0stub:${id}` : null;
  },
  load(id) {
    return id.startsWith('\0stub:') ? STUBS[id.slice('\0stub:'.length)] : null;
  },
};

export default defineConfig(({ mode }) => ({
  plugins: [unusedLazyChunks, grafanaUiIcons],
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  // `--mode development`: React's readable errors, for debugging the page.
  define: {
    global: 'globalThis',
    'process.env.NODE_ENV': JSON.stringify(mode === 'development' ? 'development' : 'production'),
  },
  build: {
    outDir: OUT,
    emptyOutDir: true,
    // No source maps: the bundle ships in the repository; reproducible names from content hashes.
    sourcemap: false,
    minify: mode !== 'development',
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: true,
  },
}));
