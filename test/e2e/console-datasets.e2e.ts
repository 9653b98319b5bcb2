import { datasetData } from './console/datasets-data.js';
import { HubData } from './console/hub-data.js';
import { expect, shoot, signIn, test } from './console/fixtures.js';

test.describe('console datasets', () => {
  test('lists datasets, opens a version, walks its folders, shows a CSV and a Parquet file, diffs two versions with a rename, and follows lineage to the run and model', async ({ page, hub, uid, baseURL }) => {
    const { adminKey } = await hub.call('POST', '/v1/projects', { name: `datasets-${uid}` });
    const names = await datasetData(new HubData(baseURL!, adminKey.secret), uid);

    await signIn(page, adminKey.secret);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets' }).click();
    await expect(page).toHaveURL(/\/datasets$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Datasets');
    const row = page.getByRole('row', { name: new RegExp(`^${names.dataset}`) });
    await expect(row.getByRole('cell')).toHaveText([`${names.dataset}2 versions`, `${names.dataset}/2move labels under tables/, new test image`, '7', /^\d+ B$/, 'current → 2', /\d{4}/]);
    await shoot(page, 'datasets');

    await row.getByRole('link', { name: names.dataset, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(names.dataset);
    const versions = page.getByRole('region', { name: 'Versions' });
    await expect(versions.getByRole('row')).toHaveCount(3);
    await expect(versions.getByRole('row').nth(1)).toContainText(`${names.dataset}/2move labels under tables/, new test image7`);
    await expect(versions.getByRole('row').nth(1).getByRole('cell').nth(3)).toHaveText('1');
    await expect(versions.getByRole('row').nth(2)).toContainText(`${names.dataset}/1first cut of the samples7`);
    await shoot(page, 'dataset');

    await versions.getByRole('link', { name: `${names.dataset}/2` }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${names.dataset}/2`);
    await expect(page.getByText('move labels under tables/, new test image')).toBeVisible();
    const files = page.getByRole('region', { name: 'Files' });
    await expect(files.getByText('7 files')).toBeVisible();
    const names2 = files.getByRole('row').locator('td:first-child');
    await expect(names2).toHaveText(['README.md', 'data/', 'images/', 'tables/']);
    await expect(files.getByRole('row', { name: /^images\// }).getByRole('cell')).toHaveText(['images/', '3', '20 B']);
    await files.getByRole('link', { name: 'images/' }).click();
    await expect(page).toHaveURL(/\?dir=images$/);
    await expect(names2).toHaveText(['..', 'test/', 'train/']);
    await expect(files.getByRole('row', { name: /^test\// }).getByRole('cell')).toHaveText(['test/', '2', '15 B']);
    await files.getByRole('link', { name: 'test/' }).click();
    await expect(names2).toHaveText(['..', 'c.png', 'd.png']);
    await expect(files.getByRole('navigation', { name: 'Folder' })).toHaveText(`${names.dataset}/2 / images / test`);
    await files.getByRole('navigation', { name: 'Folder' }).getByRole('link', { name: `${names.dataset}/2` }).click();
    await files.getByRole('link', { name: 'tables/' }).click();

    await files.getByRole('link', { name: 'labels.csv' }).click();
    await expect(page).toHaveURL(/\?dir=tables&file=tables%2Flabels.csv$/);
    const table = page.getByRole('region', { name: 'tables/labels.csv' });
    await expect(table).toContainText('CSV, 3 rows, 3 columns');
    // The file opens below the folder, in view and focused.
    await expect(table.getByRole('heading', { level: 2 })).toBeFocused();
    await expect(table.getByRole('heading', { level: 2 })).toBeInViewport();
    await expect(table.getByRole('table', { name: 'Schema and statistics' }).getByRole('row')).toHaveText([
      'ColumnTypeNullsMinMaxMeanDistinct',
      'filestring0img_0.pngimg_2.png—3',
      'labelint640173.3333',
      'confidencefloat6410.910.980.9452',
    ]);
    await expect(table.getByRole('table', { name: 'First rows' }).getByRole('row')).toHaveText(['filelabelconfidence', 'img_0.png70.98', 'img_1.png2null', 'img_2.png10.91']);
    await expect(table).toContainText('All 3 rows.');
    await shoot(page, 'dataset-version-csv');

    await files.getByRole('link', { name: 'features.parquet' }).click();
    const parquet = page.getByRole('region', { name: 'tables/features.parquet' });
    await expect(parquet).toContainText('PARQUET, 30 rows, 3 columns');
    await expect(parquet.getByRole('table', { name: 'Schema and statistics' }).getByRole('row').nth(2)).toHaveText('pixel_meanfloat6410.10.8250.472429');
    const preview = parquet.getByRole('table', { name: 'First rows' }).getByRole('row');
    await expect(preview).toHaveCount(21);
    await expect(preview.nth(0)).toHaveText('idpixel_meanlabel');
    await expect(preview.nth(4)).toHaveText('4null3');
    await expect(parquet).toContainText('The first 20 of 30 rows.');

    // The diff against the parent: the CSV moved, one image gone, one new, the README changed.
    const diff = page.getByRole('region', { name: 'Changes' });
    await expect(diff.getByLabel('Compare with')).toHaveValue('1');
    await expect(diff).toContainText('1 added, 1 deleted, 1 modified, 1 renamed.');
    await expect(diff.getByRole('row')).toHaveText([
      'ChangePathSize',
      'modifiedREADME.md10 B → 34 B',
      'addedimages/test/d.png10 B',
      'deletedimages/train/1/b.png11 B',
      'renameddata/labels.csv → tables/labels.csv69 B',
    ]);
    await shoot(page, 'dataset-version-parquet');

    const lineage = page.getByRole('region', { name: 'Lineage' });
    await expect(lineage.getByRole('link')).toHaveText([names.run, `${names.model}/1`]);

    // Version 1 against version 2: the other way round, picked in the select.
    await page.goto(`/datasets/${names.dataset}/1`);
    await expect(diff).toContainText('This is the first version: pick another');
    await expect(lineage).toContainText('none recorded');
    await diff.getByLabel('Compare with').selectOption('2');
    await expect(page).toHaveURL(/\?against=2$/);
    await expect(diff.getByRole('row', { name: /^renamed/ })).toHaveText('renamedtables/labels.csv → data/labels.csv69 B');

    await page.goto(`/datasets/${names.dataset}/2`);
    await lineage.getByRole('link', { name: names.run }).click();
    await expect(page).toHaveURL(new RegExp(`/runs/${names.runId}$`));
    await expect(page.getByRole('heading', { level: 1 })).toContainText(names.run);
    await page.goto(`/datasets/${names.dataset}/2`);
    await lineage.getByRole('link', { name: `${names.model}/1` }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(names.model);
  });

  test('a version of 100,000 files opens at once: the root shows its folders with their counts, a folder of 1,000 files shows 200 entries a page', async ({ page, hub, uid, baseURL }) => {
    test.setTimeout(180_000);
    const { adminKey } = await hub.call('POST', '/v1/projects', { name: `big-dataset-${uid}` });
    const project = new HubData(baseURL!, adminKey.secret);
    const digest = await project.blob(new TextEncoder().encode('x'));
    const name = `big-${uid}`;
    const draft = `draft-${uid}`;
    await project.call('PUT', `/v1/datasets/${name}/drafts/${draft}`, { message: '100 folders of 1,000 files' });
    for (let start = 0; start < 100_000; start += 10_000) {
      const files = Array.from({ length: 10_000 }, (_, i) => {
        const n = start + i;
        return { path: `shard-${String(n % 100).padStart(2, '0')}/file-${String(n).padStart(6, '0')}.bin`, digest, size: 1 };
      });
      await project.call('POST', `/v1/datasets/${name}/drafts/${draft}/files`, { files });
    }
    await project.call('POST', `/v1/datasets/${name}/drafts/${draft}/commit`);

    await signIn(page, adminKey.secret);
    const started = Date.now();
    await page.goto(`/datasets/${name}/1`);
    const files = page.getByRole('region', { name: 'Files' });
    await expect(files.getByText('100,000 files (100.0 KB) in this version')).toBeVisible();
    await expect(files.getByRole('row', { name: /^shard-07\// }).getByRole('cell')).toHaveText(['shard-07/', '1,000', '1.0 KB']);
    const shown = Date.now() - started;
    const timed = await page.evaluate(async (url) => {
      const key = sessionStorage.getItem('outpost.key');
      const t0 = performance.now();
      const r = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      await r.json();
      return performance.now() - t0;
    }, `/v1/datasets/${name}/versions/1/tree?path=&limit=200`);
    console.log(`100,000-file version: root folder shown ${shown} ms after navigation; GET …/tree of the root ${Math.round(timed)} ms`);
    await expect(files.getByRole('row')).toHaveCount(101);

    await files.getByRole('link', { name: 'shard-07/' }).click();
    await expect(files.getByText('1,000 files (1.0 KB) in this folder')).toBeVisible();
    await expect(files.getByRole('row')).toHaveCount(202);
    await files.getByRole('button', { name: 'Next 200 entries' }).click();
    await expect(files.getByRole('row')).toHaveCount(402);
    await expect(files.getByRole('row').last()).toContainText('file-039907.bin');
    await shoot(page, 'dataset-version-100k');
  });

  test('versions page 50 at a time, newest first, and a diff of 250 changes pages 200 at a time', async ({ page, hub, uid, baseURL }) => {
    const { adminKey } = await hub.call('POST', '/v1/projects', { name: `many-versions-${uid}` });
    const project = new HubData(baseURL!, adminKey.secret);
    const name = `many-${uid}`;
    const digest = await project.blob(new TextEncoder().encode('same bytes'));
    const files = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `part-${String(i).padStart(3, '0')}.txt`, digest, size: 10 }));
    for (let v = 1; v <= 54; v++) await project.call('POST', `/v1/datasets/${name}/versions`, { files: files(v), message: `${v} parts` });
    await project.call('POST', `/v1/datasets/${name}/versions`, { files: files(304), message: '304 parts' });

    await signIn(page, adminKey.secret);
    await page.goto(`/datasets/${name}`);
    const versions = page.getByRole('region', { name: 'Versions' });
    await expect(versions.getByRole('row')).toHaveCount(51);
    await expect(versions.getByRole('row').nth(1)).toContainText(`${name}/55304 parts`);
    await versions.getByRole('button', { name: 'Older versions' }).click();
    await expect(versions.getByRole('row')).toHaveCount(56);
    await expect(versions.getByRole('row').last()).toContainText(`${name}/11 parts`);
    await expect(versions.getByRole('button', { name: 'Older versions' })).toBeHidden();

    await versions.getByRole('link', { name: `${name}/55` }).click();
    const diff = page.getByRole('region', { name: 'Changes' });
    await expect(diff).toContainText('200 added, 0 deleted, 0 modified, 0 renamed so far (more below).');
    await expect(diff.getByRole('row')).toHaveCount(201);
    await diff.getByRole('button', { name: 'Next 200 changes' }).click();
    await expect(diff).toContainText('250 added, 0 deleted, 0 modified, 0 renamed.');
    await expect(diff.getByRole('row').last()).toContainText('part-303.txt');
    await expect(diff.getByRole('button', { name: 'Next 200 changes' })).toBeHidden();
    // Any other version, by the address: 1 → 55 adds 303 parts.
    await page.goto(`/datasets/${name}/55?against=1`);
    await expect(diff.getByLabel('Compare with')).toHaveValue('1');
    await diff.getByRole('button', { name: 'Next 200 changes' }).click();
    await expect(diff).toContainText('303 added, 0 deleted, 0 modified, 0 renamed.');
  });

  test('a project without datasets says how to push one; an unknown dataset, version or folder says it is not there', async ({ page, hub, uid, baseURL }) => {
    const { adminKey } = await hub.call('POST', '/v1/projects', { name: `no-datasets-${uid}` });
    await signIn(page, adminKey.secret);
    await page.getByRole('link', { name: 'Datasets' }).click();
    await expect(page.getByRole('heading', { name: 'No datasets yet' })).toBeVisible();
    await expect(page.locator('pre')).toContainText(`export OUTPOST_HUB=${baseURL} OUTPOST_KEY=sk_…`);
    await expect(page.locator('pre')).toContainText('npx outpost data push ./data --name');
    await shoot(page, 'empty-datasets');
    await page.goto('/datasets/no-such-data');
    await expect(page.getByRole('alert')).toContainText('no-such-data');
    const names = await datasetData(new HubData(baseURL!, adminKey.secret), uid);
    await page.goto(`/datasets/${names.dataset}/9`);
    await expect(page.getByRole('alert')).toContainText(`${names.dataset}`);
    await page.goto(`/datasets/${names.dataset}/1?dir=nowhere`);
    await expect(page.getByRole('region', { name: 'Files' }).getByRole('alert')).toContainText('has no folder "nowhere"');
    await page.goto(`/datasets/${names.dataset}/1/extra`);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  });
});
