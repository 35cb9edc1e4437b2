import { createReadStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * The preview page: the plugin's editors and a time-series panel with real @grafana/ui, against a
 * running optflow API. Vite stands in for Grafana's data proxy: the page calls
 * `/api/datasources/proxy/uid/optflow-preview/api/...`, forwarded to OPTFLOW_PREVIEW_API with the
 * bearer token OPTFLOW_PREVIEW_TOKEN, as plugin.json's route does.
 */
const api = process.env.OPTFLOW_PREVIEW_API ?? 'http://127.0.0.1:3100';
const token = process.env.OPTFLOW_PREVIEW_TOKEN ?? '';

/** Grafana serves @grafana/ui's icons under /public/build/img; so does the preview. */
const uiImages = join(
  dirname(createRequire(import.meta.url).resolve('@grafana/ui/package.json')),
  'dist',
  'public',
  'img'
);
const grafanaUiIcons: Plugin = {
  name: 'grafana-ui-icons',
  configureServer(server) {
    server.middlewares.use('/public/build/img', (req, res, next) => {
      const file = normalize(join(uiImages, decodeURIComponent((req.url ?? '').split('?')[0] ?? '')));
      if (!file.startsWith(uiImages) || !existsSync(file)) {
        return next();
      }
      res.setHeader('content-type', file.endsWith('.svg') ? 'image/svg+xml' : 'application/octet-stream');
      createReadStream(file).pipe(res);
    });
  },
};

export default defineConfig({
  plugins: [grafanaUiIcons],
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  define: { global: 'globalThis' },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api/datasources/proxy/uid/optflow-preview/api': {
        target: api,
        rewrite: (path) => path.replace('/api/datasources/proxy/uid/optflow-preview', ''),
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
    },
  },
});
