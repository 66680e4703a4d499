import { defineConfig } from 'tsup';

// Two entries from one source. dist/index.js (bundlers, browsers) keeps
// `import '@tensorflow/tfjs-core/dist/register_all_gradients'` for the consumer's bundler to
// resolve against its own tfjs-core. dist/index.node.js (the "node" export condition) inlines
// that entry, because plain Node ESM rejects its extensionless imports; the inlined copy
// registers into the globalThis gradient registry that the consumer's tfjs-core reads.
// The two builds run in parallel, so neither cleans dist/ (the build script does, first).
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: 'esm',
    dts: true,
    external: [/^@tensorflow\//],
  },
  {
    entry: { 'index.node': 'src/index.ts' },
    format: 'esm',
    platform: 'node',
    external: [/^@tensorflow\/(?!tfjs-core\/dist\/register_all_gradients$)/],
    noExternal: [/^@tensorflow\/tfjs-core\/dist\/register_all_gradients$/],
    minify: true,
  },
]);
