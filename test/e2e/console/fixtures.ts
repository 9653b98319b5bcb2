import { mkdirSync } from 'node:fs';
import { test as base, type Page } from '@playwright/test';
import { HubData } from './hub-data.js';

export const adminKey = () => process.env.OUTPOST_E2E_KEY!;

/** Signs in through the form, as a user does; the key stays in the tab's session storage across page loads. */
export async function signIn(page: Page, key = adminKey()): Promise<void> {
  await page.goto('/');
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('API key').press('Enter');
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** A screenshot for people to look at (screenshots/ is git-ignored). */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync('screenshots', { recursive: true });
  await page.screenshot({ path: `screenshots/console-${name}-${page.viewportSize()!.width}.png`, fullPage: true });
}

/**
 * Console test fixtures: `hub` makes data through the API, `uid` keeps each test's names apart (one hub serves
 * every browser test), and `page` fails the test on any uncaught page error or Content-Security-Policy violation.
 */
export const test = base.extend<{ hub: HubData; uid: string }>({
  hub: async ({ baseURL }, use) => use(new HubData(baseURL!, adminKey())),
  uid: async ({}, use, info) => use(`${info.testId.slice(-8)}${info.retry}${Date.now().toString(36).slice(-4)}`),
  page: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The console runs under the hub's Content-Security-Policy: anything it blocks (in the page or a worker) fails the test.
    page.on('console', (m) => /Content Security Policy/i.test(m.text()) && errors.push(`CSP: ${m.text()}`));
    await page.exposeFunction('__outpostCspViolation', (text: string) => errors.push(`CSP: ${text}`));
    await page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { __outpostCspViolation: (t: string) => void }).__outpostCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile}:${e.lineNumber}`),
      ),
    );
    await use(page);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  },
});
export { expect } from '@playwright/test';
