import type { Config } from './config/schema.js';
import type { Store } from './store/store.js';

/** What every stage after the store gets: the store, the config, and the clock (injected so outputs are testable). */
export interface Context {
  store: Store;
  config: Config;
  now: () => Date;
}
