import { defineConfig, type Plugin } from 'vite';
import { contractModule } from './build/contract-module.js';

/** `virtual:contract`: the Session's field descriptions and the levels that may end a call, from the contract bundle. */
function contract(): Plugin {
  const id = 'virtual:contract';
  return {
    name: 'sbc-contract',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load: (resolved) => (resolved === `\0${id}` ? contractModule() : undefined),
  };
}

// Served by the server at /console (assets under /console/assets/), hashed file names (cached for long),
// no source maps in what is served, nothing loaded from outside the origin.
export default defineConfig({
  base: '/console/',
  plugins: [contract()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0, sourcemap: false },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
