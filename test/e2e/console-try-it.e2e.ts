import { tfjsModelFiles } from '../../hub/demo/tfjs-model.js';
import { linearModelOnnx } from '../../hub/registry/onnx/write.js';
import { expect, shoot, signIn, test } from './console/fixtures.js';
import { HubApi } from './runtime/hub-api.js';

test.describe('console Try it', () => {
  // The page compiles onnxruntime's wasm and trains with tfjs: slow on a 2-core machine.
  test.describe.configure({ timeout: 180_000 });

  test('loads and runs the demo ONNX model, fine-tunes the tfjs one, and the run and telemetry show in the console', async ({ page, baseURL }) => {
    const api = new HubApi(baseURL!, process.env.OUTPOST_E2E_KEY!);
    // What the demo seeds on a new database (the browser tier's hub starts with OUTPOST_DEMO=0).
    await api.publish('digits', 'onnx', { 'model.onnx': linearModelOnnx({ inputSize: 64, outputSize: 10 }) }, 'production');
    await api.publish('digits-tfjs', 'tfjs-layers', tfjsModelFiles(1), 'production');

    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Try it' }).click();
    await expect(page.getByRole('heading', { name: 'Try it' })).toBeVisible();
    // The console is cross-origin isolated (COOP/COEP), so onnxruntime may use threads here.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    await page.getByRole('button', { name: 'Load digits@production' }).click();
    await expect(page.getByTestId('load-info')).toContainText(/Loaded digits v\d+ on (wasm|webgpu), from the hub/, { timeout: 120_000 });
    await page.getByRole('button', { name: 'Run 50 times' }).click();
    await expect(page.getByTestId('inference')).toContainText(/Top classes: \d \(/);

    await page.getByRole('button', { name: /^Fine-tune digits-tfjs@production/ }).click();
    await expect(page.getByTestId('finetune')).toContainText(/Trained on (webgpu|webgl|wasm|cpu)/, { timeout: 120_000 });
    await expect(page.getByRole('row')).toHaveCount(6);

    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByTestId('sync')).toHaveText('synced: 0 records waiting');
    await shoot(page, 'try-it');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, 'try-it');
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('link', { name: 'Open the fine-tune run' }).click();
    await expect(page.getByText('FINISHED').first()).toBeVisible();
    await expect(page.getByText('val_acc').first()).toBeVisible();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    const row = page.locator('table.telemetry tbody tr').filter({ hasText: /^digits/ });
    await expect(row).toHaveCount(1);
    // Model/version, backend, requests, errors, …: the 50 runs of this page, none failed.
    const cells = await row.locator('th, td').allInnerTexts();
    expect(cells.slice(0, 4)).toEqual(['digits/1', expect.stringMatching(/^(wasm|webgpu)$/), '50', '0']);
    await shoot(page, 'devices-after-try-it');
  });
});
