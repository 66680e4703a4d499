// Package and file boundaries, checked by `depcruise` from tooling/scripts/lint.mjs (the lint
// task of every package). Workspace packages resolve to their TypeScript sources through the
// `@feedback-lab/source` condition, so a cycle through another package is seen too.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'No import cycles, between files or between packages (type-only imports included).',
      from: { path: '^(packages|apps)/' },
      to: { circular: true },
    },
    {
      name: 'rule-imports-core-and-feedback-only',
      severity: 'error',
      comment: 'A rule package builds on @feedback-lab/core and @feedback-lab/feedback (and tfjs-core) alone; a rule never imports another rule.',
      from: { path: '^packages/rule-([^/]+)/src/', pathNot: '\\.test\\.ts$' },
      to: {
        pathNot: [
          '^packages/rule-$1/',
          '^packages/(core|feedback)/src/',
          '@tensorflow/tfjs-core',
        ],
      },
    },
    {
      name: 'core-imports-no-workspace-package',
      severity: 'error',
      comment: 'core is the bottom layer: it imports no other workspace package but wasm-gemm, a leaf (tfjs alone) below it.',
      from: { path: '^packages/(core|wasm-gemm)/' },
      to: { path: '^(packages|apps)/', pathNot: '^packages/(core|wasm-gemm)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      conditionNames: ['@feedback-lab/source', 'import', 'node', 'default'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'],
    },
  },
};
