/**
 * Vite builds the browser app from src/web into dist/web; the server serves that folder in production
 * (`npm start`). In development `vite` serves the app and proxies /api to a running server
 * (DIALER_API_URL, default http://127.0.0.1:3000).
 */
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  publicDir: false,
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The dialer route's budget is enforced by test/e2e/bundle-size.test.ts. The largest chunk is the
    // /history route's (PrimeVue DataTable + DatePicker, ~420 kB raw / ~87 kB gzip), loaded only there.
    chunkSizeWarningLimit: 450,
    // No modulepreload polyfill in the entry (~0.4 kB gzip on the page's first script): every browser
    // the target admits but Firefox < 115 and Safari < 17 preloads natively, and those still load the
    // app, only without the head start.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': { target: process.env.DIALER_API_URL ?? 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
