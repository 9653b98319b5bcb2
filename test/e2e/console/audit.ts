import type { Page } from '@playwright/test';

/** Form controls on the page that have no accessible name (label, aria-label or aria-labelledby). */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.locator('input:not([type=hidden]), select, textarea').evaluateAll((els) =>
    els
      .filter((el) => {
        const e = el as HTMLInputElement;
        return !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby'));
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

/** How far the page is wider than the viewport (0 when nothing sticks out sideways). */
export const horizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/**
 * Text whose contrast with its background is below WCAG AA (4.5:1, or 3:1 for large text). Disabled controls are
 * exempt, as WCAG has it; canvas text (chart axes) is not in the DOM and not checked here.
 */
export function lowContrastText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rgba = (s: string): number[] => (s.match(/[\d.]+/g) ?? ['0', '0', '0', '0']).map(Number);
    const channel = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    const luminance = ([r, g, b]: number[]) => 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
    const background = (el: Element | null): number[] => {
      for (; el; el = el.parentElement) {
        const c = rgba(getComputedStyle(el).backgroundColor);
        if ((c[3] ?? 1) > 0.5) return c;
      }
      return [255, 255, 255];
    };
    const problems: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
      const box = el.getBoundingClientRect();
      if (!own || box.width === 0 || el.closest(':disabled, [aria-hidden=true], .visually-hidden, .skip')) continue;
      const style = getComputedStyle(el);
      const fg = luminance(rgba(style.color));
      const bg = luminance(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) problems.push(`${ratio.toFixed(2)}:1 "${el.textContent!.trim().slice(0, 40)}" (${style.color} on ${getComputedStyle(el).backgroundColor})`);
    }
    return problems;
  });
}

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
