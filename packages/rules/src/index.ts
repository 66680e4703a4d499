export { RULES, RULE_NAMES, isRuleName, type CatalogRule, type RuleField, type RuleValues } from './catalog';
export { ruleByName, ruleFlags, type RuleFlag } from './lookup';
export { ruleOptions } from './create';
