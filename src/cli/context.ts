import { loadConfig, type ConfigOverrides } from '../config/load-config.js';
import type { Context } from '../context.js';
import { Store } from '../store/store.js';

/** Loads the config and opens the store for a command; the caller closes the store. */
export function openContext(configPath: string | undefined, overrides: ConfigOverrides, options: { readOnly?: boolean } = {}): Context {
  const { config } = loadConfig(configPath, overrides);
  const store = Store.open(config.store.path, config.store.busyTimeoutMs, options);
  return { store, config, now: () => new Date() };
}
