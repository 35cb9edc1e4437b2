import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The live view: a static page built from grafana-plugin/live-view (the plugin's data source,
 * long-poll and panels) and committed here, served by the API itself on the same origin. Public:
 * the page holds no data; its data calls carry the token.
 */
export const LIVE_VIEW_DIR = fileURLToPath(new URL('../live-view/', import.meta.url));

/**
 * Only this origin: the bundle's own scripts (no inline script, no eval), connections back to the
 * API, images and fonts from here or data: URLs. Styles allow inline because @grafana/ui's
 * Emotion writes <style> elements at run time (Grafana's own policy does the same).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.png': 'image/png',
};

interface StaticFile {
  body: Buffer;
  gzipped?: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]
  );
}

/**
 * The bundle's files by URL path, read once at startup (2.3 MB). Content-hashed assets never
 * change under their name, so browsers keep them a year; the page itself is revalidated each
 * time (ETag), so a new build shows at the next load.
 */
export function readLiveView(dir = LIVE_VIEW_DIR): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(join(dir, 'index.html'))) return files;
  for (const path of filesUnder(dir)) {
    const url = `/${relative(dir, path).split(sep).join('/')}`;
    const body = readFileSync(path);
    const hashed = url.startsWith('/assets/');
    files.set(url, {
      body,
      type: TYPES[extname(path)] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      cacheControl: hashed
        ? 'public, max-age=31536000, immutable'
        : url === '/index.html'
          ? 'no-cache'
          : 'public, max-age=3600',
    });
  }
  return files;
}

const COMPRESSIBLE = /^(text\/|image\/svg)/;

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile) {
  reply
    .header('content-type', file.type)
    .header('cache-control', file.cacheControl)
    .header('etag', file.etag)
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .header('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  const gzip = COMPRESSIBLE.test(file.type) && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (!gzip) return reply.send(file.body);
  file.gzipped ??= gzipSync(file.body); // once per file, on first use
  return reply.header('content-encoding', 'gzip').send(file.gzipped);
}

/**
 * GET / (the page) and its files. Routes are marked `public`: the token check skips them. Returns
 * false when no bundle is present (the API still serves its routes).
 */
export function registerLiveView(app: FastifyInstance, files = readLiveView()): boolean {
  const index = files.get('/index.html');
  if (!index) return false;
  const config = { public: true };
  app.get('/', { config }, (request, reply) => send(request, reply, index));
  for (const prefix of ['/assets/*', '/public/*', '/index.html']) {
    app.get(prefix, { config }, (request, reply) => {
      const file = files.get(request.url.split('?')[0] ?? '');
      return file ? send(request, reply, file) : reply.code(404).send({ error: 'not found' });
    });
  }
  return true;
}
