// Entry of the training Web Worker: all tfjs work happens here so the page stays responsive.
import type { FromWorker, ToWorker } from '../protocol';
import { configureWasm, probeWorker, useWebBackend } from './backends';
import { loadDataset } from './data';
import { createSession } from './session';

const scope = self as unknown as {
  postMessage(m: FromWorker): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
};

configureWasm();
const session = createSession({
  post: (m) => scope.postMessage(m),
  loadDataset: (name) => loadDataset(name),
  useBackend: useWebBackend,
  probe: (threads, gemm) => probeWorker(threads, gemm),
});
scope.onmessage = (ev) => {
  session.handle(ev.data).catch((err: unknown) => scope.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
