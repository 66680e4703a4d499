import { RULES } from '@feedback-lab/rules';
import type { RunConfig } from './protocol';

type Settings = Pick<RunConfig, 'rule' | 'optimizer' | 'lr' | 'lrDecaySteps' | 'batchSize' | 'feedback' | 'feedbackScale' | 'feedbackConv' | 'normalize'>;

/**
 * A run's training settings in one line, e.g. `momentum lr 0.01 (decay 300) · batch 64 ·
 * feedback fan-out ×0.3 /√positions · inputs standardised`. Feedback is named only for rules
 * that take those options (not BP).
 */
export function describeSettings(s: Settings): string {
  const takes = (flag: string) => RULES.find((r) => r.name === s.rule)?.options.some((o) => 'flag' in o && o.flag === flag) ?? false;
  const parts = [`${s.optimizer} lr ${s.lr}${s.lrDecaySteps ? ` (decay ${s.lrDecaySteps})` : ''}`, `batch ${s.batchSize}`];
  if (takes('feedback') || takes('feedback-scale')) {
    const conv = takes('feedback-conv') && s.feedbackConv === 'positions' ? ' /√positions' : '';
    parts.push(`feedback ${takes('feedback') ? `${s.feedback ?? 'rule\'s own'} ` : ''}×${s.feedbackScale}${conv}`);
  }
  if (s.normalize) parts.push('inputs standardised');
  return parts.join(' · ');
}
