import type { Config, TopicSettings } from '../config/schema.js';
import { titleKey } from '../normalize.js';
import type { StoredTopic } from '../model.js';
import { configSlugs } from './slugs.js';
import { ConfigError } from '../errors.js';

/**
 * The one owner of what a page topic is called and where it lives: its settings from the config, its
 * slug, title and URLs. Custom topics are named in the config itself.
 */

/** The settings the config gives a topic, matched on the page name like topics are (case and punctuation folded). */
export function topicSettings(config: Config, topic: StoredTopic): TopicSettings {
  for (const [name, settings] of Object.entries(config.topics)) {
    if (titleKey(name) === topic.key) return settings;
  }
  return { hidden: false };
}

/** Where a topic's feeds live and what they are called, from the store and the config. */
export function topicIdentity(config: Config, topic: StoredTopic): { slug: string; title: string; homeUrl: string; feedUrlBase: string } {
  const settings = topicSettings(config, topic);
  const slug = settings.slug ?? topic.slug;
  return {
    slug,
    title: settings.title ?? topic.name,
    homeUrl: settings.sourceUrl ?? `${config.feeds.baseUrl}topics/${slug}`,
    feedUrlBase: `${config.feeds.baseUrl}feeds/${slug}`,
  };
}

/**
 * Checks that every feed has a slug of its own: no custom topic or renamed page of the config takes the
 * slug a stored page has (or is renamed to). Throws a ConfigError naming both.
 */
export function assertDistinctSlugs(config: Config, pages: StoredTopic[], where: string): void {
  const owners = configSlugs(config);
  const seen = new Map<string, string>();
  for (const page of pages) {
    const settings = topicSettings(config, page);
    const slug = settings.slug ?? page.slug;
    const owner = owners.get(slug);
    // A page renamed in the config owns that slug itself.
    const own = settings.slug === slug;
    if (owner && !own) {
      throw new ConfigError(
        where,
        `${owner}: slug "${slug}" is already the slug of the page "${page.name}" (feeds/${slug}.*); choose another`,
      );
    }
    const other = seen.get(slug);
    if (other)
      throw new ConfigError(
        where,
        `the pages "${other}" and "${page.name}" would both have the slug "${slug}"; rename one (topics.<page>.slug)`,
      );
    seen.set(slug, page.name);
  }
}
