import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The console is served by the API server from dist/web (src/web/console.ts): hashed assets under
// /assets, index.html for every other console path.
export default defineConfig({
  plugins: [preact()],
  build: { outDir: '../dist/web', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/v1': 'http://localhost:8080' } },
});
