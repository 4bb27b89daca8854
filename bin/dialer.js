#!/usr/bin/env node
// The `dialer` command: runs the compiled CLI in dist/node (built by `npm run build`, which `npm start`
// runs). For development, `npm run dialer -- <command>` runs the TypeScript source through tsx instead.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/node/cli.js', import.meta.url);
if (!fs.existsSync(entry)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(
    `dialer has not been built: ${fileURLToPath(entry)} is missing.\n` +
      `Run \`npm run build\` in ${root} first (\`npm start\` builds too), or use \`npm run dialer -- <command>\`\n` +
      'to run it from the TypeScript source.\n',
  );
  process.exit(2);
}
// Stack traces that point at src/ are worth their start-up cost (~0.1 s to read the source maps) where
// someone reads them: the server's logs and DIALER_DEBUG. Node applies them only to modules loaded after this.
if (process.argv[2] === 'serve' || process.env.DIALER_DEBUG) process.setSourceMapsEnabled(true);
await import(entry.href);
