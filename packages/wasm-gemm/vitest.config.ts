import { sharedConfig } from '@feedback-lab/tooling/vitest';
export default sharedConfig();
