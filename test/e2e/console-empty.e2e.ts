import { expect, shoot, signIn, test } from './console/fixtures.js';

test.describe('console empty states', () => {
  test("a new project's pages say what to do next: commands and the script tag to paste, with this hub in them", async ({ page, hub, uid, baseURL }) => {
    const { adminKey } = await hub.call('POST', '/v1/projects', { name: `new-${uid}` });
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(viewport);
      await signIn(page, adminKey.secret);
      await expect(page.getByText(`project new-${uid}`)).toBeVisible();

      await expect(page.getByRole('heading', { name: 'No runs yet' })).toBeVisible();
      await expect(page.locator('pre').first()).toContainText(`MLFLOW_TRACKING_URI=${baseURL}`);
      await expect(page.locator('pre').nth(1)).toContainText(`<script src="${baseURL}/runtime.js"></script>`);
      await expect(page.locator('pre').nth(1)).toContainText('Outpost.connect(');
      await shoot(page, 'empty-runs');

      await page.getByRole('link', { name: 'Models' }).click();
      await expect(page.getByRole('heading', { name: 'No models yet' })).toBeVisible();
      await expect(page.locator('pre')).toContainText('npx outpost model push model.onnx --name digits --alias staging');
      await shoot(page, 'empty-models');

      await page.getByRole('link', { name: 'Pipelines' }).click();
      await expect(page.getByRole('heading', { name: 'No pipelines yet' })).toBeVisible();
      await expect(page.locator('pre')).toContainText(`OUTPOST_HUB=${baseURL}`);
      await expect(page.locator('pre')).toContainText('npx outpost pipeline register pipelines/train.ts');
      await shoot(page, 'empty-pipelines');

      await page.getByRole('link', { name: 'Devices' }).click();
      await expect(page.getByRole('heading', { name: 'No device telemetry in this period' })).toBeVisible();
      await expect(page.locator('pre')).toContainText(`${baseURL}/runtime.js`);
      await shoot(page, 'empty-devices');
      await page.getByRole('button', { name: 'Sign out' }).click();
    }
  });
});
