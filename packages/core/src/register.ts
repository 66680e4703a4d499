// tfjs-core on its own registers no gradient functions; its `register_all_gradients` entry does.
// Bundlers (vite, esbuild, webpack) and tsx load that ESM file as is; plain Node ESM cannot,
// because its imports have no file extensions. So the published Node entry (dist/index.node.js,
// the "node" export condition) carries an esbuild bundle of it instead (see tsup.config.ts), and
// every other consumer resolves this import itself. The gradient registry lives on globalThis,
// so the bundled copy registers into the same registry as the consumer's tfjs-core
// (docs/tfjs-facts.md, "Gradients and chained ops").
import '@tensorflow/tfjs-core/dist/register_all_gradients';
