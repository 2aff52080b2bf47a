import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// Sources live in src/main/web (so ./berth's "sources changed" check sees them). The app is served under /ui/
// (assets at /ui/assets/<name>-<hash>.js); its index.html is also what / answers to a browser. Output goes
// straight into the jar's resources.
export default defineConfig({
  root: fileURLToPath(new URL('./src/main/web', import.meta.url)),
  base: '/ui/',
  // the schema validators src/main/build/validators.mjs compiles before each build
  resolve: { alias: { generated: fileURLToPath(new URL('./target/generated', import.meta.url)) } },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('./target/classes/dev/berth/ui', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2020',
    reportCompressedSize: false,
  },
});
