import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { PipelineData } from './console/pipelines-data.js';
import { expect, signIn, test } from './console/fixtures.js';

// Screenshots to look at, outside the repository.
const SHOTS = join(tmpdir(), 'outpost-console-pipelines');
async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}-${page.viewportSize()!.width}.png`), fullPage: true });
}

const node = (page: Page, step: string) => page.locator(`g.dag-node[data-step="${step}"]`);

test.describe('console pipelines', () => {
  test('lists a pipeline with its schedule, next fire time and triggers; Run starts a run with the default params; the pipeline page shows its DAG, versions and runs 20 at a time', async ({ page, hub, uid }) => {
    const p = new PipelineData(hub, `pl-${uid}`);
    await p.register();
    const { pipelines } = await hub.call('GET', '/v1/pipelines');
    const next = pipelines.find((x: { name: string }) => x.name === p.name).nextFireAt as number;
    expect(next).toBe(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1));

    await signIn(page);
    await page.getByRole('link', { name: 'Pipelines' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: p.name, exact: true }) });
    await expect(row).toContainText('0 0 1 1 *');
    await expect(row.locator(`time[datetime="${new Date(next).toISOString()}"]`)).toBeVisible();
    await expect(row).toContainText(`new dataset version of ${p.name}-data`);
    await expect(row).toContainText('version 1 · 4 steps');
    await expect(row).toContainText('never run');
    await shot(page, 'pipelines');

    await row.getByRole('button', { name: `Run ${p.name}` }).click();
    await expect(row.getByRole('status')).toContainText('started');
    await expect(row.locator('.status')).toHaveText('queued');
    const { runs } = await hub.call('GET', `/v1/pipeline-runs?pipeline=${p.name}`);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'queued', params: { n: 1 }, trigger: { type: 'manual' } });

    await row.getByRole('link', { name: p.name, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(p.name);
    await expect(page.locator('g.dag-node')).toHaveCount(4);
    await expect(page.getByRole('region', { name: 'Versions' }).getByRole('row')).toHaveCount(2);
    const runsTable = page.getByRole('region', { name: 'Runs' });
    await expect(runsTable.getByRole('row')).toHaveCount(2);
    await shot(page, 'pipeline');
    // Runs come 20 at a time, newest first.
    for (let i = 0; i < 20; i++) await p.start({ n: 100 + i });
    await page.reload();
    await expect(runsTable.getByRole('row')).toHaveCount(21);
    await expect(runsTable.getByRole('row').nth(1)).toContainText('{"n":119}');
    await runsTable.getByRole('button', { name: 'Show older runs' }).click();
    await expect(runsTable.getByRole('row')).toHaveCount(22);
    await expect(runsTable.getByRole('row').last()).toContainText('{"n":1}');
    await expect(runsTable.getByRole('button', { name: 'Show older runs' })).toHaveCount(0);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'pipeline');
    await page.goto('/pipelines');
    await expect(row).toBeVisible();
    await shot(page, 'pipelines');
  });

  test('a run page lays out the DAG by dependency, follows the run live, shows a step\'s log and lineage, and marks cached steps on a rerun', async ({ page, hub, uid }) => {
    const p = new PipelineData(hub, `pr-${uid}`);
    await p.register();
    const first = await p.start({ n: 2 });
    await signIn(page);
    await page.goto(`/pipeline-runs/${first.id}`);

    // Every step is a box, each below the steps it needs, none on top of another.
    await expect(page.locator('g.dag-node')).toHaveCount(4);
    await expect(page.locator('path.dag-edge')).toHaveCount(4);
    const box = async (step: string) => (await node(page, step).boundingBox())!;
    const at = { prep: await box('prep'), train: await box('train'), eval: await box('eval'), report: await box('report') };
    for (const [need, step] of [['prep', 'train'], ['prep', 'eval'], ['train', 'report'], ['eval', 'report']] as const) {
      expect(at[step].y, `${step} is drawn below ${need}`).toBeGreaterThan(at[need].y + at[need].height);
    }
    expect(new Set(Object.values(at).map((b) => `${Math.round(b.x)},${Math.round(b.y)}`)).size).toBe(4);
    expect(Math.abs(at.train.y - at.eval.y)).toBeLessThan(1);
    for (const step of ['prep', 'train', 'eval', 'report']) await expect(node(page, step)).toHaveAttribute('data-status', 'queued');
    await expect(page.getByText('Live: updates every second')).toBeVisible();

    // The page follows the runner without a reload.
    const prep = await p.lease();
    expect(prep.step).toBe('prep');
    await p.log(prep.attemptId, 'reading 200 rows\n');
    await p.heartbeat(prep.attemptId);
    await expect(node(page, 'prep')).toHaveAttribute('data-status', 'running');
    await node(page, 'prep').click();
    const panel = page.getByRole('region', { name: /^Step prep/ });
    await expect(panel.getByLabel('Log of prep, attempt 1')).toHaveText('reading 200 rows');
    await p.log(prep.attemptId, 'wrote the table\n', 'reading 200 rows\n'.length);
    await expect(panel.getByLabel('Log of prep, attempt 1')).toContainText('wrote the table');
    await p.complete(prep.attemptId, { status: 'succeeded', outputs: { rows: 200 }, links: [{ kind: 'dataset', ref: `${p.name}-data/1`, role: 'read' }] });
    await expect(node(page, 'prep')).toHaveAttribute('data-status', 'succeeded');
    await expect(panel).toContainText('"rows": 200');
    await expect(node(page, 'train')).toHaveAttribute('data-status', 'queued');
    await shot(page, 'run-live');

    await p.finish(first.id);
    await expect(page.getByRole('heading', { level: 1 }).locator('.status')).toHaveText('succeeded');
    for (const step of ['train', 'eval', 'report']) await expect(node(page, step)).toHaveAttribute('data-status', 'succeeded');
    await expect(page.getByText('Live: updates every second')).toBeHidden();
    const lineage = page.getByRole('region', { name: 'Lineage' });
    await expect(lineage.getByRole('link', { name: `${p.name}-data/1` })).toHaveAttribute('href', `/datasets/${p.name}-data/1`);
    await shot(page, 'run-done');

    // The same version and params again: every step comes from the cache, and says from which run.
    const second = await p.start({ n: 2 });
    await page.goto(`/pipeline-runs/${second.id}`);
    for (const step of ['prep', 'train', 'eval', 'report']) {
      await expect(node(page, step)).toHaveAttribute('data-status', 'cached');
      await expect(node(page, step)).toContainText('cached');
    }
    await page.getByRole('button', { name: 'prep', exact: true }).click();
    const cached = page.getByRole('region', { name: /^Step prep/ });
    await expect(cached).toContainText('Cached: the outputs of an earlier successful attempt');
    await expect(cached.getByRole('link', { name: first.id })).toBeVisible();
    await expect(cached.getByLabel('Log of prep, from the cached attempt')).toContainText('wrote the table');
    await shot(page, 'run-cached');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'run-cached');
  });

  test('Cancel cancels a running run and its runner is told; Retry starts a new run of the same version and params that reuses the cached steps', async ({ page, hub, uid }) => {
    const p = new PipelineData(hub, `pc-${uid}`);
    await p.register();
    const run = await p.start({ n: 3 });
    const prep = await p.lease();
    await p.complete(prep.attemptId);
    const running = await p.lease();
    await p.log(running.attemptId, `${running.step} started\n`);

    await signIn(page);
    await page.goto(`/pipeline-runs/${run.id}`);
    await expect(node(page, running.step)).toHaveAttribute('data-status', 'running');
    await expect(page.getByRole('button', { name: 'Retry' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect(page.getByRole('heading', { level: 1 }).locator('.status')).toHaveText('cancelled');
    await expect(node(page, running.step)).toHaveAttribute('data-status', 'cancelled');
    await expect(node(page, 'prep')).toHaveAttribute('data-status', 'succeeded');
    await expect(page.getByRole('button', { name: 'Cancel run' })).toHaveCount(0);
    expect((await p.heartbeat(running.attemptId)).state).toBe('cancelled');
    expect((await p.run(run.id)).status).toBe('cancelled');
    await expect(page.getByText('Steps that succeeded are not run again')).toBeVisible();
    await shot(page, 'run-cancelled');

    await page.getByRole('button', { name: 'Retry' }).click();
    await expect(page).not.toHaveURL(new RegExp(run.id));
    const retryId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const retry = await p.run(retryId);
    expect(retry).toMatchObject({ pipeline: p.name, version: run.version, params: { n: 3 } });
    expect(retry.trigger).toMatchObject({ type: 'manual' });
    await expect(node(page, 'prep')).toHaveAttribute('data-status', 'cached');
    await expect(node(page, running.step)).toHaveAttribute('data-status', 'queued');
    await p.finish(retryId);
    await expect(page.getByRole('heading', { level: 1 }).locator('.status')).toHaveText('succeeded');
  });

  test('a failed step shows its error in the table and its panel, the steps after it are skipped, and Retry is offered', async ({ page, hub, uid }) => {
    const p = new PipelineData(hub, `pf-${uid}`);
    await p.register();
    const run = await p.start();
    const prep = await p.lease();
    await p.log(prep.attemptId, 'Error: the table has no rows\n    at prep (pipeline.ts:3:11)\n');
    await p.complete(prep.attemptId, { status: 'failed', error: 'the table has no rows' });
    await signIn(page);
    await page.goto(`/pipeline-runs/${run.id}?step=prep`);
    await expect(page.getByRole('heading', { level: 1 }).locator('.status')).toHaveText('failed');
    await expect(page.getByRole('row', { name: /^prep/ })).toContainText('the table has no rows');
    for (const step of ['train', 'eval', 'report']) await expect(node(page, step)).toHaveAttribute('data-status', 'skipped');
    const panel = page.getByRole('region', { name: /^Step prep/ });
    await expect(panel.locator('pre.step-error')).toHaveText('the table has no rows');
    await expect(panel.getByLabel('Log of prep, attempt 1')).toContainText('at prep (pipeline.ts:3:11)');
    await expect(page.getByRole('button', { name: 'Retry' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Cancel run' })).toHaveCount(0);
    await shot(page, 'run-failed');
  });
});
