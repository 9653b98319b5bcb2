import { latencyBucket } from '../../shared/telemetry/histogram.js';
import { axeViolations, horizontalOverflow, tabStops } from './console/audit.js';
import { datasetData } from './console/datasets-data.js';
import { featureData } from './console/features-data.js';
import { PipelineData } from './console/pipelines-data.js';
import { expect, shoot, signIn, test } from './console/fixtures.js';

const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

test.describe('console accessibility and layout', () => {
  test('every page, the sign-in page and every dialog, at 1280×800 and 390×844: no axe-core WCAG 2.1 AA violation, nothing wider than the screen', async ({ page, hub, uid }) => {
    test.setTimeout(240_000);
    const exp = await hub.experiment(`a11y-${uid}`);
    const curve = (k: number) => Array.from({ length: 100 }, (_, i) => 1 / (1 + i * k));
    const a = await hub.run(exp.id, { name: `baseline-${uid}`, params: { lr: '0.1', optimizer: 'sgd' }, tags: { dataset: 'digits-v1' }, metrics: { loss: curve(0.1), accuracy: curve(0.05).map((v) => 1 - v) } });
    const b = await hub.run(exp.id, { name: `candidate-with-a-long-name-${uid}`, params: { lr: '0.01', optimizer: 'adam' }, metrics: { loss: curve(0.2), accuracy: curve(0.1).map((v) => 1 - v) } });
    await hub.artifact(a.id, 'model/model.onnx', new TextEncoder().encode('onnx'));
    const model = `a11y-${uid}`;
    await hub.model(model, 2, a.id);
    await hub.moveAlias(model, 'production', 1, 'first release');
    await hub.moveAlias(model, 'production', 2, 'better accuracy');
    await hub.secretKey(`a11y-${uid}`, 'read');
    const now = Date.now();
    await hub.sync([
      { id: `${uid}-t1`, type: 'telemetry', model, version: 2, backend: 'webgpu', deviceId: 'd1', periodStart: now - 600_000, periodEnd: now - 540_000, count: 10, errors: 0, latency: { histogram: { [latencyBucket(3)]: 10 }, sumMs: 30, minMs: 3, maxMs: 3 } },
    ]);

    const features = await featureData(hub, uid);
    const data = await datasetData(hub, uid);
    const pipeline = new PipelineData(hub, `a11y-${uid}`);
    await pipeline.register();
    const pipelineRun = await pipeline.start();
    await pipeline.finish(pipelineRun.id);

    const pages: Array<[string, string, string]> = [
      ['runs', `/runs?exp=${exp.id}`, `baseline-${uid}`],
      ['run-detail', `/runs/${a.id}`, 'Lineage'],
      ['compare', `/compare?run=${a.id}&run=${b.id}`, 'Params, metrics and tags'],
      ['compare-empty', '/compare', 'Tick two or more runs'],
      ['models', '/models', model],
      ['model-detail', `/models/${model}`, 'Alias history'],
      ['features', '/features', features.drivers],
      ['feature-view', `/features/views/${features.drivers}?driver_id=1001`, 'PRESENT'],
      ['feature-services', '/features/services', features.service],
      ['feature-service', `/features/services/${features.service}`, 'Model versions using it'],
      ['datasets', '/datasets', data.dataset],
      ['dataset', `/datasets/${data.dataset}`, 'first cut of the samples'],
      ['dataset-version', `/datasets/${data.dataset}/2?dir=tables&file=tables%2Ffeatures.parquet`, 'The first 20 of 30 rows.'],
      ['pipelines', '/pipelines', pipeline.name],
      ['pipeline', `/pipelines/${pipeline.name}`, 'Steps of version 1'],
      ['pipeline-run', `/pipeline-runs/${pipelineRun.id}?step=prep`, 'prep done'],
      ['devices', '/devices', 'Last seen'],
      ['keys', '/keys', 'bootstrap admin'],
      ['try-it', '/try', 'Sync back and look'],
    ];
    // Dialogs, opened from the page that owns them.
    const dialogs: Array<[string, string, string]> = [
      ['promote-dialog', `/models/${model}`, 'Promote version 1'],
      ['rollback-dialog', `/models/${model}`, 'Roll back to 1'],
      ['revoke-dialog', '/keys', `Revoke a11y-${uid}`],
    ];
    const audit = async (name: string, viewport: { width: number }) => {
      expect(await axeViolations(page), `${name} at ${viewport.width}px: axe-core`).toEqual([]);
      expect(await horizontalOverflow(page), `${name} at ${viewport.width}px sticks out sideways`).toBeLessThanOrEqual(0);
      await shoot(page, name);
    };
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport);
      await page.goto('/');
      await expect(page.getByLabel('API key')).toBeVisible();
      await audit('sign-in', viewport);
      await signIn(page);
      for (const [name, path, ready] of pages) {
        await page.goto(path);
        await expect(page.getByText(ready).first()).toBeVisible();
        await page.waitForLoadState('networkidle');
        await audit(name, viewport);
      }
      for (const [name, path, opener] of dialogs) {
        await page.goto(path);
        await page.getByRole('button', { name: opener }).click();
        await expect(page.getByRole('dialog')).toBeVisible();
        await audit(name, viewport);
        await page.keyboard.press('Escape');
        await expect(page.getByRole('dialog')).toBeHidden();
      }
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect(page.getByLabel('API key')).toBeVisible();
    }
  });

  test('Tab reaches the navigation and the main controls, focus is visible, and dialogs close with Escape', async ({ page, hub, uid }) => {
    const exp = await hub.experiment(`tab-${uid}`);
    await hub.run(exp.id, { name: `only-${uid}`, params: { lr: '0.1' }, metrics: { loss: [1, 0.5] } });
    await signIn(page);
    await page.goto(`/runs?exp=${exp.id}`);
    await expect(page.getByRole('link', { name: `only-${uid}` })).toBeVisible();
    // 36: the navigation has Team and Audit, and a hub with no account yet shows the first-owner offer (two buttons) above the page.
    const stops = await tabStops(page, 36);
    for (const expected of ['a Skip to content', 'a Runs', 'a Models', 'a Devices', 'a Keys', 'input Filter runs', 'summary Columns', 'button Run', 'button loss', `input Select run only-${uid}`, `a only-${uid}`]) {
      expect(stops.some((s) => s.startsWith(expected)), `Tab reaches "${expected}" (got: ${stops.join(' | ')})`).toBe(true);
    }
    await page.getByLabel('Filter runs').focus();
    await page.keyboard.press('Shift+Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle + ' ' + getComputedStyle(document.activeElement!).outlineWidth);
    expect(outline).toMatch(/^solid [2-9]/);

    const model = `tab-${uid}`;
    await hub.model(model, 1);
    await page.goto(`/models/${model}`);
    await page.getByRole('button', { name: 'Promote version 1' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByLabel('Alias')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  });
});
