import { HubData } from './console/hub-data.js';
import { featureData } from './console/features-data.js';
import { expect, shoot, signIn, test } from './console/fixtures.js';

test.describe('console features', () => {
  test('lists views with freshness, opens a view, looks up entities (values, statuses), then a service and the model version trained on it', async ({ page, hub, uid, baseURL }) => {
    const { adminKey } = await hub.call('POST', '/v1/projects', { name: `features-${uid}` });
    const project = new HubData(baseURL!, adminKey.secret);
    const names = await featureData(project, uid);

    await signIn(page, adminKey.secret);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Features' }).click();
    await expect(page).toHaveURL(/\/features$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Feature views');
    const drivers = page.getByRole('row', { name: new RegExp(`^${names.drivers}`) });
    await expect(drivers.getByRole('cell')).toHaveText([
      new RegExp(`^${names.drivers}online`),
      'driver (driver_id)',
      '3',
      '1 day',
      `push source ${names.drivers}_push`,
      /\d{4}/,
      '3',
      '3',
      /\d{4}/,
    ]);
    const cities = page.getByRole('row', { name: new RegExp(`^${names.cities}`) });
    await expect(cities).toContainText('online · devices');
    await expect(cities).toContainText('no limit');
    await expect(cities.getByRole('cell').nth(8)).toHaveText('never');
    await shoot(page, 'feature-views');

    await drivers.getByRole('link', { name: names.drivers }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(names.drivers);
    await expect(page.getByText('Hourly driver statistics')).toBeVisible();
    const freshness = page.getByRole('region', { name: 'Freshness' });
    await expect(freshness).toContainText('Rows offline3');
    await expect(freshness).toContainText('Rows online3');
    await expect(page.getByRole('region', { name: 'Fields' }).getByRole('row')).toHaveText(['FieldType', 'conv_ratefloat64', 'tripsint64', 'activebool']);
    await expect(page.getByRole('region', { name: 'Feature services' }).getByRole('link')).toHaveText([names.service]);

    const lookup = page.getByRole('region', { name: 'Look up an entity' });
    const values = lookup.getByRole('table');
    const statusOf = (feature: string) => values.getByRole('row', { name: new RegExp(`^${feature}`) });
    await lookup.getByLabel('driver_id').fill('1001');
    await lookup.getByRole('button', { name: 'Look up' }).click();
    await expect(page).toHaveURL(/\?driver_id=1001$/);
    await expect(statusOf('conv_rate')).toContainText('0.85PRESENT');
    await expect(statusOf('trips')).toContainText('12PRESENT');
    await expect(statusOf('active')).toContainText('truePRESENT');
    await shoot(page, 'feature-view');
    // Looking up the same entity again reads it again: a newer pushed value shows.
    await project.call('POST', '/feast/push', {
      push_source_name: `${names.drivers}_push`,
      df: { driver_id: [1001], event_timestamp: [Date.now()], created: [Date.now()], conv_rate: [0.95], trips: [13], active: [true] },
    });
    await lookup.getByRole('button', { name: 'Look up' }).click();
    await expect(statusOf('conv_rate')).toContainText('0.95PRESENT');

    for (const [driver, expected] of [
      ['1002', { conv_rate: '0.4PRESENT', trips: '—NULL_VALUE' }],
      ['1003', { conv_rate: '—OUTSIDE_MAX_AGE', trips: '—OUTSIDE_MAX_AGE' }],
      ['424242', { conv_rate: '—NOT_FOUND', trips: '—NOT_FOUND' }],
    ] as const) {
      await lookup.getByLabel('driver_id').fill(driver);
      await lookup.getByLabel('driver_id').press('Enter');
      await expect(values.locator('caption')).toHaveText(`Online values for driver_id = ${driver}`);
      for (const [feature, text] of Object.entries(expected)) await expect(statusOf(feature)).toContainText(text);
    }
    await expect(statusOf('trips').getByRole('cell').last()).toHaveText('—'); // no event time for an entity with no row
    await shoot(page, 'feature-view-not-found');

    // The lookup is in the address: a reload shows it again; a key that is not an int64 is refused in the form.
    await page.reload();
    await expect(statusOf('conv_rate')).toContainText('NOT_FOUND');
    await lookup.getByLabel('driver_id').fill('ten');
    await lookup.getByRole('button', { name: 'Look up' }).click();
    await expect(lookup.getByText('driver_id is an int64: give a whole number')).toBeVisible();
    await expect(lookup.getByLabel('driver_id')).toHaveAttribute('aria-invalid', 'true');
    await expect(page).toHaveURL(/\?driver_id=424242$/);

    await page.getByRole('link', { name: '← Feature views' }).click();
    await page.getByRole('navigation', { name: 'Feature store' }).getByRole('link', { name: 'Feature services' }).click();
    await expect(page).toHaveURL(/\/features\/services$/);
    const service = page.getByRole('row', { name: new RegExp(`^${names.service}`) });
    await expect(service.getByRole('cell')).toHaveText([`${names.service}What the ranker reads`, '3', `${names.drivers}${names.cities}`, '—']);
    await shoot(page, 'feature-services');

    await service.getByRole('link', { name: names.service }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(names.service);
    const features = page.getByRole('region', { name: 'Features' });
    await expect(features.getByRole('row', { name: new RegExp(`^${names.drivers}`) })).toContainText('conv_ratetrips');
    await expect(features.getByRole('row', { name: new RegExp(`^${names.cities}`) })).toContainText('embedding');
    const lineage = page.getByRole('region', { name: 'Model versions using it' });
    await expect(lineage.getByRole('link')).toHaveText([`${names.model}/1`]);
    await shoot(page, 'feature-service');

    await features.getByRole('link', { name: names.cities }).click();
    const cityLookup = page.getByRole('region', { name: 'Look up an entity' });
    await cityLookup.getByLabel('city_id').fill('berlin');
    await cityLookup.getByRole('button', { name: 'Look up' }).click();
    await expect(cityLookup.getByRole('row', { name: /^embedding/ })).toContainText('[0.25, -1, 0.5]PRESENT');
    await expect(cityLookup.getByRole('row', { name: /^name/ })).toContainText('BerlinPRESENT');

    await page.goto(`/features/services/${names.service}`);
    await lineage.getByRole('link', { name: `${names.model}/1` }).click();
    await expect(page).toHaveURL(new RegExp(`/models/${names.model}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(names.model);
    await page.getByRole('region', { name: 'Versions' }).getByRole('row', { name: /^1 / }).getByRole('link', { name: names.service }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(names.service);
  });

  test('a project without definitions says how to apply some, and an unknown view or service says it is not there', async ({ page, hub, uid, baseURL }) => {
    const { adminKey } = await hub.call('POST', '/v1/projects', { name: `no-features-${uid}` });
    await signIn(page, adminKey.secret);
    await page.getByRole('link', { name: 'Features' }).click();
    await expect(page.getByRole('heading', { name: 'No feature definitions yet' })).toBeVisible();
    await expect(page.locator('pre')).toContainText(`export OUTPOST_HUB=${baseURL} OUTPOST_KEY=sk_…`);
    await expect(page.locator('pre')).toContainText('npx outpost features apply features.yaml');
    await shoot(page, 'empty-features');
    await page.goto('/features/services');
    await expect(page.getByRole('heading', { name: 'No feature definitions yet' })).toBeVisible();
    await page.goto('/features/views/no_such_view');
    await expect(page.getByRole('alert')).toContainText('no_such_view');
    await page.goto('/features/services/no_such_service');
    await expect(page.getByRole('alert')).toContainText('no_such_service');
    await page.goto('/features/nothing-here');
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  });
});
