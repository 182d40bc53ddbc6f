import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import packagedChromium from '@sparticuz/chromium';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../src/sinks/http/listen.js';
import { ingestPaths } from '../../src/pipeline.js';
import { writeFeeds } from '../../src/sinks/feeds/write-feeds.js';
import { createHttpServer } from '../../src/sinks/http/server.js';
import { Store } from '../../src/store/store.js';
import { FIXTURES, seedFiles, testConfig, writeDump } from '../helpers.js';

// A Chromium from the npm registry: @sparticuz/chromium ships the browser inside its package and
// unpacks it on first use, so `npm ci` is all a fresh machine needs (CHROMIUM_PATH picks another one).
async function chromiumPath(): Promise<string> {
  return process.env.CHROMIUM_PATH ?? (await packagedChromium.executablePath());
}

describe('what a person sees in a browser', () => {
  let browser: Browser;
  let base: string;
  let close: () => void;

  beforeAll(async () => {
    // Not testContext(): its clean-up runs after each test, and this server lives for the whole suite.
    const dir = mkdtempSync(join(tmpdir(), 'dumpfeed-browser-'));
    let config = testConfig(dir);
    const store = Store.open(config.store.path);
    const ctx = { dir, store, config, now: () => new Date('2026-01-02T00:00:00Z') };
    const server = createHttpServer({ store: ctx.store, config: () => config, health: () => ({ ok: true }) });
    const port = await listen(server, '127.0.0.1', 0);
    base = `http://127.0.0.1:${port}/`;
    config = { ...config, feeds: { ...config.feeds, baseUrl: base } };
    const files = [seedFiles()[0]!, join(FIXTURES, 'parse', 'markup-and-repeats.txt')].map((f, i) =>
      writeDump(ctx.dir, `d${i}.txt`, readFileSync(f)),
    );
    await ingestPaths({ ...ctx, config }, files);
    await writeFeeds(ctx.store, config);
    close = () => {
      server.close();
      server.closeAllConnections();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    browser = await chromium.launch({
      executablePath: await chromiumPath(),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    close?.();
  });

  it('goes from the index to a topic to an item, with HTML in a title shown as text', async () => {
    const page = await browser.newPage({ javaScriptEnabled: true });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(base);
    expect(await page.title()).toBe('dumpfeed');
    await expect
      .poll(() => page.getByRole('heading', { level: 2 }).allInnerTexts())
      .toEqual(['Press releases', 'Press & media <releases>']);
    const markupTitle = 'R&D: <script>alert(1)</script> & "quotes" ]]> end';
    expect(await page.getByRole('link', { name: markupTitle }).count()).toBe(1);

    await page.getByRole('link', { name: 'Press & media <releases>' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Press & media <releases>');
    await page.getByRole('link', { name: markupTitle }).click();
    expect(page.url()).toMatch(/\/items\/[0-9a-f]{12}$/);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(markupTitle);
    expect(await page.locator('main').innerText()).toContain('Summary with <b>tags</b> & ampersands.');
    // Nothing from a dump ever ran as code.
    expect(dialogs).toEqual([]);
    expect(await page.locator('main script, main b').count()).toBe(0);
  });

  it('shows the page of a feed whose address is opened in the browser (no XSLT needed)', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}feeds/press-releases.atom`);
    expect(await page.title()).toMatch(/^Press releases/);
    expect(await page.locator('h1').innerText()).toBe('Press releases');
    const first = page.getByRole('link', {
      name: 'ILO supports the Government of Bangladesh for skills development in the caregiving occupation',
    });
    expect(await first.getAttribute('href')).toMatch(new RegExp(`^${base}items/[0-9a-f]{12}$`));
  });
});
