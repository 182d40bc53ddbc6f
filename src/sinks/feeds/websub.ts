import { basename } from 'node:path';
import type { Config } from '../../config/schema.js';

/**
 * Tells the WebSub hub (`feeds.hub`) which feeds changed, so that subscribers are notified at once:
 * one `hub.mode=publish` POST per changed feed URL. Returns the failures; a hub that is down never
 * stops feeds from being written.
 */
export async function announceToHub(config: Config, written: string[]): Promise<string[]> {
  const hub = config.feeds.hub;
  if (!hub) return [];
  const urls = written.map((p) => basename(p)).filter((n) => /\.(atom|rss|json)$/.test(n)).map((n) => `${config.feeds.baseUrl}feeds/${n}`);
  const failures: string[] = [];
  for (const url of urls) {
    try {
      const res = await fetch(hub, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': url }).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) failures.push(`${url}: hub answered ${res.status}`);
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
    }
  }
  return failures;
}
