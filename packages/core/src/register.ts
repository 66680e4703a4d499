// tfjs-core on its own registers no gradient functions and no chained ops, and its ESM
// `register_all_gradients` cannot be imported from plain Node (extensionless imports).
// The union package registers both, in Node (CJS bundle) and in bundlers (ESM), into the
// registry that every tfjs-core copy shares through globalThis.
import '@tensorflow/tfjs';
