import { expect, shoot, signIn, test } from './console/fixtures.js';

test.describe('console keys', () => {
  test('creates a secret key shown once with a copy button, and revokes it after a confirmation', async ({ page, uid }) => {
    await signIn(page);
    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByLabel('Name').fill(`ci-${uid}`);
    await page.getByLabel('Role').selectOption('write');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.locator('code.secret');
    await expect(secret).toHaveText(/^sk_[A-Za-z0-9_-]{43}$/);
    await expect(page.getByRole('button', { name: 'Copy key' })).toBeVisible();
    const row = page.getByRole('row', { name: new RegExp(`ci-${uid}`) });
    await expect(row).toContainText('write');
    await expect(row).toContainText('active');
    await shoot(page, 'keys');

    const key = (await secret.textContent())!;
    const project = () => page.request.get('/v1/project', { headers: { authorization: `Bearer ${key}` } });
    expect((await project()).status()).toBe(200);
    await row.getByRole('button', { name: `Revoke ci-${uid}` }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke “ci-${uid}”?` });
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await expect(row).toContainText('revoked');
    expect((await project()).status()).toBe(401);
    await page.reload();
    await expect(page.locator('code.secret')).toHaveCount(0); // shown once: gone after a reload
  });

  test('creates a publishable key with allowed origins', async ({ page, uid }) => {
    await signIn(page);
    await page.goto('/keys');
    await page.getByLabel('Name').fill(`web-${uid}`);
    await page.getByLabel('Role').selectOption('device');
    await page.getByLabel('Allowed origins').fill('https://app.example.com https://shop.example.com');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.locator('code.secret')).toHaveText(/^pk_/);
    const row = page.getByRole('row', { name: new RegExp(`web-${uid}`) });
    await expect(row).toContainText('device');
    await expect(row).toContainText('https://app.example.com https://shop.example.com');
  });
});
