import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false, reportCompressedSize: true },
  server: { proxy: { '/admin': 'http://127.0.0.1:3000', '/v1': 'http://127.0.0.1:3000', '/logos': 'http://127.0.0.1:3000' } },
});
