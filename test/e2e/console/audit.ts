import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import type { AxeResults } from 'axe-core';

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * What axe-core finds against WCAG 2.1 A and AA in what the page shows now (an open dialog included): one line per
 * rule broken, naming the elements. Canvas text (chart axes) is not in the DOM, so axe cannot check it.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  // axe-core itself, evaluated in the page as @axe-core/playwright does (that wrapper needs Node 22): through the
  // debugging protocol, which the console's Content-Security-Policy (no inline scripts) rightly does not allow a tag.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE_SCRIPT, 'utf8'));
  const { violations } = await page.evaluate(
    (tags) => (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<AxeResults> } }).axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    WCAG_21_AA,
  );
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** How far the page is wider than the viewport (0 when nothing sticks out sideways). */
export const horizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** What Tab reaches, in order: each focused element's role-ish tag and its name. */
export async function tabStops(page: Page, presses: number): Promise<string[]> {
  await page.locator('body').focus();
  const stops: string[] = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    stops.push(
      await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return '';
        const name = el.getAttribute('aria-label') || (el as HTMLInputElement).labels?.[0]?.textContent || el.textContent || '';
        return `${el.tagName.toLowerCase()} ${name.trim().replace(/\s+/g, ' ').slice(0, 40)}`;
      }),
    );
  }
  return stops;
}
