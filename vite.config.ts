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
    // The dialer route must stay small so the SIP SDK (lazy-loaded per provider) fits the budget.
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      '/api': { target: process.env.DIALER_API_URL ?? 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
