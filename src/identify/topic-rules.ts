import { createHash } from 'node:crypto';
import type { Config, CustomTopic } from '../config/schema.js';
import type { ParsedItem, StoredTopic } from '../model.js';
import { topicIdentity } from '../catalog/topics.js';
import { configPattern, matchText } from '../text-matcher.js';
import { titleKey } from './item-key.js';

/** A custom topic's rule, ready to test items. */
export interface CompiledRule {
  topic: CustomTopic;
  /** Hash of the rule: when it changes, the topic's items are selected anew. */
  hash: string;
  matches(item: ParsedItem, page: StoredTopic): boolean;
}

/**
 * Compiles a custom topic's rule: the item must come from one of its pages, have one of its
 * categories (if any), be dated within from..to (if set; undated items are then left out), match one
 * `include` (if any) and no `exclude` (src/text-matcher.ts: title, summary and label).
 */
export function compileRule(config: Config, topic: CustomTopic): CompiledRule {
  const include = topic.include.map(configPattern);
  const exclude = topic.exclude.map(configPattern);
  const categories = new Set(topic.categories.map((c) => titleKey(c)));
  const anyPage = topic.pages.includes('*');
  const pageKeys = new Set(topic.pages.map(titleKey));
  const { name: _name, description: _description, ...rule } = topic;
  return {
    topic,
    hash: createHash('sha256').update(JSON.stringify(rule)).digest('hex').slice(0, 16),
    matches(item, page) {
      if (
        !anyPage &&
        !pageKeys.has(page.key) &&
        !topic.pages.includes(page.slug) &&
        !topic.pages.includes(topicIdentity(config, page).slug)
      )
        return false;
      if (categories.size > 0 && (item.category === null || !categories.has(titleKey(item.category)))) return false;
      if (topic.from && (item.date === null || item.date < topic.from)) return false;
      if (topic.to && (item.date === null || item.date > topic.to)) return false;
      const text = matchText(item);
      if (include.length > 0 && !include.some((m) => m(text))) return false;
      return !exclude.some((m) => m(text));
    },
  };
}

/** Every custom topic of the config, compiled. */
export function compileRules(config: Config): CompiledRule[] {
  return config.customTopics.map((t) => compileRule(config, t));
}
