import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

/** Serves the built Vue app; the not-found handler falls back to index.html for client-side routes. */
export async function registerWebApp(app: FastifyInstance, config: Config): Promise<boolean> {
  const root = config.webDistDir;
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ root }, 'web app not built: run `npm run build` to serve the dialer page');
    return false;
  }
  await app.register(fastifyStatic, { root, wildcard: false, index: 'index.html' });
  return true;
}
