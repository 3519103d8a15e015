import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The build goes to dist/ with hashed files under dist/assets/, embedded in
// the Go binary (embed.go). Nothing is inlined into index.html: the server's
// Content-Security-Policy allows only same-origin scripts and styles.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true, // the build script puts dist/.gitkeep back
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2020',
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/readyz': 'http://127.0.0.1:8080' },
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
});
