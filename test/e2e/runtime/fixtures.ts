import { readFileSync } from 'node:fs';
import { test as base, type Page } from '@playwright/test';
import { linearModelOnnx, multiInputModelOnnx } from '../../../hub/registry/onnx/write.js';
import { HubApi } from './hub-api.js';
import { FaultyProxy } from './proxy.js';
import { Site } from './site.js';

export const SILERO_VAD = readFileSync('node_modules/@ricky0123/vad-web/dist/silero_vad_legacy.onnx');

/** Fixtures of the runtime's browser tests: the hub's API, a customer site on another origin, a faulty proxy. */
export const test = base.extend<{ hubUrl: string; api: HubApi; site: Site; faulty: FaultyProxy; modelName: string }>({
  hubUrl: async ({ baseURL }, use) => use(baseURL!),
  api: async ({ hubUrl }, use) => use(new HubApi(hubUrl, process.env.OUTPOST_E2E_KEY!)),
  site: async ({ hubUrl }, use) => {
    const site = new Site(hubUrl);
    await site.start();
    await use(site);
    await site.stop();
  },
  faulty: async ({ hubUrl }, use) => {
    const proxy = new FaultyProxy(hubUrl);
    await proxy.start();
    await use(proxy);
    await proxy.stop();
  },
  // A model name of its own per test, so tests never see each other's versions or caches.
  modelName: async ({}, use, info) => use(`m${info.testId.slice(-10)}-${info.retry}`),
});
export { expect } from '@playwright/test';

export const linearOnnx = () => linearModelOnnx({ inputSize: 4, outputSize: 2 });
export const multiInputOnnx = () => multiInputModelOnnx();

/** Opens the customer page and waits for `window.Outpost`. */
export async function openSite(page: Page, site: Site): Promise<void> {
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${site.url}/`);
  await page.waitForFunction(() => 'Outpost' in window);
}

/** Opens the customer page with its service worker installed and in control, so the page itself loads offline later. */
export async function openSiteWithServiceWorker(page: Page, site: Site): Promise<void> {
  await page.goto(site.url);
  await page.evaluate(async () => {
    await navigator.serviceWorker.register('/sw.js');
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await page.waitForFunction(() => 'Outpost' in window);
}
