// TypeDoc plugin: names each module after the import path a user writes
// (`@feedback-lab/datasets/node`) instead of its source path (`datasets/src/node`).
import { Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      mod.name = mod.name.replace(/^([\w-]+)\/src(?:\/index)?(?:\/([\w-]+))?$/, (_, pkg, sub) => `@feedback-lab/${pkg}${sub ? `/${sub}` : ''}`);
    }
  });
}
