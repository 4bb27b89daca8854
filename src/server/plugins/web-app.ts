/**
 * Serves the built Vue app from one public route, `GET /*`, declared like every other route. A path
 * that names no file is one of the web app's client-side routes (e.g. /history) and gets index.html,
 * unless it spells an /api path: that is the not-found handler's JSON 404, never the page.
 * Source maps (`*.map`) are served only when SERVE_SOURCE_MAPS allows it (off in production by default):
 * they hand anyone the app's original source.
 */
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../shared/errors.js';
import type { Config } from '../config.js';

/**
 * True when a request path, however it is spelt (percent-encoded once or twice, any letter case, doubled
 * slashes, dot segments), points into /api: such a path is never answered with the web app's page.
 */
export function spellsApiPath(rawPath: string): boolean {
  let decoded = rawPath;
  for (let i = 0; i < 3; i++) {
    try {
      const next = decodeURIComponent(decoded);
      if (next === decoded) break;
      decoded = next;
    } catch {
      break;
    }
  }
  const segments: string[] = [];
  for (const segment of decoded.split(/[/\\]+/)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return segments[0]?.toLowerCase().split(';')[0] === 'api';
}

async function isFileUnder(root: string, file: string): Promise<boolean> {
  const full = path.resolve(root, file);
  if (!full.startsWith(root + path.sep)) return false;
  try {
    return (await fs.stat(full)).isFile();
  } catch {
    return false;
  }
}

/** Registers the web app's files (when built); returns whether the app is being served. */
export async function registerWebApp(app: FastifyInstance, config: Config): Promise<boolean> {
  const root = config.webDistDir;
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ root }, 'web app not built: run `npm run build` to serve the dialer page');
    return false;
  }
  // `serve: false`: only reply.sendFile (ETag, ranges, content types, no path traversal); the route is ours.
  await app.register(fastifyStatic, { root, serve: false });
  app.get('/*', { config: { access: 'public' } }, async (request, reply) => {
    const file = (request.params as { '*'?: string })['*'] ?? '';
    if (spellsApiPath(file)) return reply.callNotFound();
    if (!config.serveSourceMaps && /\.map$/i.test(file)) throw new NotFoundError('This file');
    return reply.sendFile((await isFileUnder(root, file)) ? file : 'index.html');
  });
  return true;
}
