/**
 * A stand-in for the built web app (dist/web) in a temp directory: an index.html, a script and its
 * source map. Enough for the server's static route, SPA fallback and source-map rule, without a Vite
 * build in the server tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const WEB_INDEX_MARKER = '<!-- dialer test index -->';

export function createWebDist(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dialer-web-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    `<!doctype html><html><head><title>Dialer</title></head><body>${WEB_INDEX_MARKER}<script type="module" src="/assets/app.js"></script></body></html>`,
  );
  fs.writeFileSync(
    path.join(dir, 'assets', 'app.js'),
    'console.log("dialer");\n//# sourceMappingURL=app.js.map\n',
  );
  fs.writeFileSync(
    path.join(dir, 'assets', 'app.js.map'),
    JSON.stringify({
      version: 3,
      sources: ['src/web/main.ts'],
      sourcesContent: ['// original source'],
      mappings: '',
    }),
  );
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
