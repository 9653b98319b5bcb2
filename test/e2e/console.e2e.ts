import { expect, test } from './console/fixtures.js';

const adminKey = process.env.OUTPOST_E2E_KEY!;

test.describe('console sign-in', () => {
  test('shows a sign-in form and sends no API request before sign-in', async ({ page }) => {
    const requests: string[] = [];
    const failures: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    page.on('requestfailed', (r) => failures.push(r.url()));
    page.on('response', (r) => r.status() >= 400 && failures.push(`${r.status()} ${r.url()}`));
    await page.goto('/');
    const input = page.getByLabel('API key');
    await expect(input).toBeVisible();
    await expect(input).toHaveAttribute('type', 'password');
    await page.waitForLoadState('networkidle');
    expect(requests.filter((p) => p.startsWith('/v1/'))).toEqual([]);
    expect(failures).toEqual([]);
  });

  test('says what is wrong with a bad key', async ({ page }) => {
    await page.goto('/');
    await page.getByLabel('API key').fill(`sk_${'A'.repeat(43)}`);
    await page.getByLabel('API key').press('Enter');
    await expect(page.getByRole('alert')).toContainText('invalid API key');
  });

  test('signs in with Enter, opens the page the address names, and signs out', async ({ page }) => {
    await page.goto('/keys');
    await page.getByLabel('API key').fill(adminKey);
    await page.getByLabel('API key').press('Enter');
    await expect(page.getByText('project default')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Keys' })).toHaveAttribute('aria-current', 'page');
    await page.goto('/');
    await expect(page).toHaveURL(/\/runs$/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByLabel('API key')).toBeVisible();
  });
});
