export { RULES, RULE_NAMES, isRuleName, type CatalogRule, type RuleField } from './catalog';
export { ruleByName, ruleFlags, type RuleFlag } from './lookup';
export { ruleOptions, type RuleValues } from './create';
export { trainDefaults } from './defaults';
