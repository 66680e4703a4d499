// tfjs-core on its own registers no gradient functions; its `register_all_gradients` entry does.
// Bundlers (vite, esbuild, webpack) and tsx load that ESM file as is; plain Node ESM cannot,
// because its imports have no file extensions. So the published Node entry (dist/index.node.js,
// the "node" export condition) carries an esbuild bundle of it instead (see tsup.config.ts), and
// every other consumer resolves this import itself. The gradient registry lives on globalThis,
// so the bundled copy registers into the same registry as the consumer's tfjs-core
// (docs/tfjs-facts.md, "Gradients and chained ops").
//
// Order matters where the two resolve to different copies (tsx, vitest: the CommonJS main for
// the bare name, the ESM files for the deep path). The copy evaluated first creates the shared
// engine, and its Tensor class is what every op returns; the ESM files alone never install the op
// handler behind `clone()` and `buffer()` (their base_side_effects is not loaded), so
// the consumer's tfjs-core must come first.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
