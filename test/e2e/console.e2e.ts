import { expect, test } from '@playwright/test';

const adminKey = process.env.OUTPOST_E2E_KEY!;

test.describe('console', () => {
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
    expect(requests.filter((p) => p.startsWith('/v1/'))).toEqual([]);
    expect(failures).toEqual([]);
    await page.screenshot({ path: 'screenshots/sign-in-1280.png' });
  });

  test('says what is wrong with a bad key', async ({ page }) => {
    await page.goto('/');
    await page.getByLabel('API key').fill(`sk_${'A'.repeat(43)}`);
    await page.getByLabel('API key').press('Enter');
    await expect(page.getByRole('alert')).toContainText('invalid API key');
  });

  test('signs in with Enter, creates a key shown once, and revokes it', async ({ page }) => {
    await page.goto('/');
    await page.getByLabel('API key').fill(adminKey);
    await page.getByLabel('API key').press('Enter');
    await expect(page.getByText('project default')).toBeVisible();

    await page.getByLabel('Name').fill('ci-pipeline');
    await page.getByLabel('Role').selectOption('write');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.locator('code.secret');
    await expect(secret).toHaveText(/^sk_[A-Za-z0-9_-]{43}$/);
    const row = page.getByRole('row', { name: /ci-pipeline/ });
    await expect(row).toContainText('write');
    await expect(row).toContainText('active');
    await page.screenshot({ path: 'screenshots/keys-1280.png', fullPage: true });

    // The new key works against the hub until it is revoked.
    const key = (await secret.textContent())!;
    expect((await page.request.get('/v1/project', { headers: { authorization: `Bearer ${key}` } })).status()).toBe(200);
    page.once('dialog', (d) => d.accept());
    await row.getByRole('button', { name: 'Revoke ci-pipeline' }).click();
    await expect(row).toContainText('revoked');
    expect((await page.request.get('/v1/project', { headers: { authorization: `Bearer ${key}` } })).status()).toBe(401);
  });

  test('fits a phone screen', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/');
    await page.getByLabel('API key').fill(adminKey);
    await page.getByLabel('API key').press('Enter');
    await expect(page.getByRole('row', { name: /bootstrap admin/ })).toBeVisible();
    await expect(page.getByText('project default')).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: 'screenshots/keys-390.png', fullPage: true });
  });
});
