import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { newApiKey } from '../../shared/ids.js';
import { freePort, hubArgs, startProcess, stopProcess, waitForHealthy } from '../helpers/processes.js';
import { axeViolations, horizontalOverflow } from './console/audit.js';
import { expect, shoot, signIn, test } from './console/fixtures.js';
import { PASSWORD, TeamData } from './console/team-data.js';

const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

/** Fills the invitation page as a new person does. */
async function acceptInPage(page: Page, url: string, name: string) {
  await page.goto(url);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Choose a password').fill(PASSWORD);
  await page.getByLabel('Type it again').fill(PASSWORD);
  await page.getByRole('button', { name: /^Join / }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function signInWithPassword(page: Page, email: string, password = PASSWORD) {
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

const cookieHeader = async (page: Page) => (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');

test.describe('console team', () => {
  test('an invited person opens the link, sets a password and lands signed in; signing out ends the session at once', async ({ page, baseURL, uid }) => {
    const team = new TeamData(baseURL!);
    const project = await team.project(`join-${uid}`);
    const email = `ada-${uid}@example.com`;
    const invitation = await team.invite(project.admin, email, 'write');
    expect(invitation.url).toBe(`${baseURL}/invite/${invitation.token}`);

    await page.goto(invitation.url);
    const facts = page.locator('dl.facts');
    await expect(facts).toContainText(`join-${uid}`);
    await expect(facts).toContainText(email);
    await expect(facts).toContainText('write');
    await expect(page.getByLabel('Choose a password')).toHaveAttribute('type', 'password');
    await expect(page.getByLabel('Type it again')).toHaveAttribute('type', 'password');
    // Two different passwords are caught before anything is sent.
    await page.getByLabel('Your name').fill('Ada Lovelace');
    await page.getByLabel('Choose a password').fill(PASSWORD);
    await page.getByLabel('Type it again').fill(`${PASSWORD}!`);
    await page.getByRole('button', { name: `Join join-${uid}` }).click();
    await expect(page.getByRole('alert')).toContainText('The two passwords differ');
    await page.getByLabel('Type it again').fill(PASSWORD);
    await page.getByRole('button', { name: `Join join-${uid}` }).click();

    await expect(page).toHaveURL(/\/runs$/);
    await expect(page.locator('.who')).toContainText('Ada Lovelace');
    await expect(page.getByText(`project join-${uid}`)).toBeVisible();
    // A write member is not an admin: no Team or Audit in the navigation.
    await expect(page.getByRole('link', { name: 'Team' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Audit' })).toHaveCount(0);
    // The session survives a reload (the cookie, not the tab's storage).
    await page.reload();
    await expect(page.locator('.who')).toContainText('Ada Lovelace');

    const cookie = await cookieHeader(page);
    expect((await team.withCookie(cookie, 'GET', '/v1/session')).status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByLabel('Email')).toBeVisible();
    expect((await team.withCookie(cookie, 'GET', '/v1/session')).status).toBe(401);
    expect((await team.withCookie(cookie, 'GET', '/v1/project')).status).toBe(401);

    // The link was used: it says so rather than offering the form again.
    await page.goto(invitation.url);
    await expect(page.getByRole('alert')).toContainText(/used|accepted/i);
    await expect(page.getByLabel('Choose a password')).toHaveCount(0);
  });

  test('signs in with email and password; a wrong password gets a clear error', async ({ page, baseURL, uid }) => {
    const team = new TeamData(baseURL!);
    const project = await team.project(`login-${uid}`);
    const email = `grace-${uid}@example.com`;
    await team.accept((await team.invite(project.admin, email, 'read')).token, 'Grace Hopper');

    await signInWithPassword(page, email, 'not the password');
    await expect(page.getByRole('alert')).toContainText('invalid email or password');
    await signInWithPassword(page, `nobody-${uid}@example.com`, 'not the password');
    await expect(page.getByRole('alert')).toContainText('invalid email or password');
    await signInWithPassword(page, email);
    await expect(page.locator('.who')).toContainText('Grace Hopper');
  });

  test('a read member sees no admin pages and gets the hub’s refusal when trying to write', async ({ page, baseURL, uid }) => {
    const team = new TeamData(baseURL!);
    const project = await team.project(`read-${uid}`);
    const model = `m-${uid}`;
    await project.admin.model(model, 2);
    await project.admin.moveAlias(model, 'production', 1, 'first');
    await acceptInPage(page, (await team.invite(project.admin, `reader-${uid}@example.com`, 'read')).url, 'Rita Reader');
    await expect(page.locator('.who')).toContainText('(read)');
    await expect(page.getByRole('link', { name: 'Team' })).toHaveCount(0);

    await page.goto(`/models/${model}`);
    await page.getByRole('button', { name: 'Promote version 2' }).click();
    const dialog = page.getByRole('dialog', { name: `Promote ${model}/2` });
    await dialog.getByLabel('Reason').fill('trying');
    await dialog.getByRole('button', { name: 'Promote' }).click();
    await expect(dialog.getByRole('alert')).toContainText(/role/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // Typing the address of an admin page shows the hub's refusal, not a broken page.
    await page.goto('/team');
    await expect(page.getByRole('alert')).toContainText(/admin/);
  });

  test('Team page: invite with a link to copy, change a role after a confirmation, revoke an invitation, remove a member', async ({ page, baseURL, uid }) => {
    const team = new TeamData(baseURL!);
    const project = await team.project(`team-${uid}`);
    const bob = `bob-${uid}@example.com`;
    const bobCookie = await team.accept((await team.invite(project.admin, bob, 'write')).token, 'Bob Builder');
    await signIn(page, project.adminKey);
    await page.getByRole('link', { name: 'Team' }).click();
    await expect(page.getByRole('heading', { name: 'Team', level: 1 })).toBeVisible();

    const carol = `carol-${uid}@example.com`;
    await expect(page.getByLabel('Role', { exact: true })).toHaveValue('read'); // the least role unless one is picked
    await page.getByLabel('Email').fill(carol);
    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    const link = page.locator('.notice code.secret');
    await expect(link).toHaveText(new RegExp(`^${baseURL}/invite/\\S+$`));
    await expect(page.getByRole('button', { name: 'Copy link' })).toBeVisible();
    const carolRow = page.getByRole('row', { name: new RegExp(carol) });
    await expect(carolRow).toContainText('admin');
    await shoot(page, 'team');

    // Change Bob's role: cancelling keeps it, confirming stores it.
    const bobRow = page.getByRole('row', { name: new RegExp(bob) });
    await bobRow.getByLabel('Role of Bob Builder').selectOption('read');
    let dialog = page.getByRole('dialog', { name: 'Make Bob Builder read?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(bobRow.getByLabel('Role of Bob Builder')).toHaveValue('write');
    await bobRow.getByLabel('Role of Bob Builder').selectOption('read');
    dialog = page.getByRole('dialog', { name: 'Make Bob Builder read?' });
    await dialog.getByRole('button', { name: 'Change role' }).click();
    await expect(dialog).toBeHidden();
    await expect(bobRow.getByLabel('Role of Bob Builder')).toHaveValue('read');
    const session = await (await team.withCookie(bobCookie, 'GET', '/v1/session')).json();
    expect(session.project.role).toBe('read');

    // Revoke Carol's invitation: her link is dead.
    const carolToken = new URL((await link.textContent())!).pathname.split('/').pop()!;
    await carolRow.getByRole('button', { name: `Revoke invitation of ${carol}` }).click();
    dialog = page.getByRole('dialog', { name: `Revoke the invitation of ${carol}?` });
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await expect(carolRow).toHaveCount(0);
    expect((await fetch(`${baseURL}/v1/invitations/${carolToken}`)).status).toBe(410);

    // Remove Bob: his session stops working on its next request.
    await bobRow.getByRole('button', { name: 'Remove Bob Builder' }).click();
    dialog = page.getByRole('dialog', { name: 'Remove Bob Builder?' });
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await expect(bobRow).toHaveCount(0);
    expect([401, 403]).toContain((await team.withCookie(bobCookie, 'GET', '/v1/project')).status);
  });

  test('Audit page lists the changes newest first with the person’s name, filters by action and actor, and pages back', async ({ page, baseURL, uid }) => {
    const team = new TeamData(baseURL!);
    const project = await team.project(`audit-${uid}`);
    const email = `alan-${uid}@example.com`;
    await team.accept((await team.invite(project.admin, email, 'admin')).token, 'Alan Turing');
    await signInWithPassword(page, email);
    await expect(page.locator('.who')).toContainText('Alan Turing');

    // Alan makes changes through the console: an invitation and a model promotion with a reason.
    await page.getByRole('link', { name: 'Team' }).click();
    await page.getByLabel('Email').fill(`dora-${uid}@example.com`);
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect(page.locator('.notice code.secret')).toBeVisible();
    const model = `m-${uid}`;
    await project.admin.model(model, 2);
    await page.goto(`/models/${model}`);
    await page.getByRole('button', { name: 'Promote version 2' }).click();
    const dialog = page.getByRole('dialog', { name: `Promote ${model}/2` });
    await dialog.getByLabel('Reason').fill('better on the holdout set');
    await dialog.getByRole('button', { name: 'Promote' }).click();
    await expect(dialog).toBeHidden();

    await page.getByRole('link', { name: 'Audit' }).click();
    const rows = page.locator('table.audit tbody tr');
    await expect(rows.first()).toContainText('model.alias.set');
    await expect(rows.first()).toContainText('Alan Turing');
    await expect(rows.first()).toContainText('better on the holdout set');
    await expect(page.getByRole('row', { name: /member\.invite/ }).first()).toContainText('Alan Turing');
    await shoot(page, 'audit');

    await page.getByLabel('Action starts with').fill('member');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/action=member/);
    await expect(rows.first()).toContainText('member.');
    for (const action of await page.locator('table.audit tbody tr td:nth-child(3)').allTextContents()) expect(action).toMatch(/^member\./);

    await page.getByLabel('Actor').selectOption({ label: `Alan Turing (${email})` });
    await page.getByLabel('Action starts with').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/actor=/);
    await expect(page.getByLabel('Actor')).not.toHaveValue('');
    for (const who of await page.locator('table.audit tbody tr td:nth-child(2)').allTextContents()) expect(who).toBe('Alan Turing');
  });

  test('the alias history names the person who moved the alias', async ({ page, baseURL, uid }) => {
    const team = new TeamData(baseURL!);
    const project = await team.project(`history-${uid}`);
    const model = `m-${uid}`;
    await project.admin.model(model, 2);
    await acceptInPage(page, (await team.invite(project.admin, `kate-${uid}@example.com`, 'write')).url, 'Katherine Johnson');
    await page.goto(`/models/${model}`);
    await page.getByRole('button', { name: 'Promote version 2' }).click();
    const dialog = page.getByRole('dialog', { name: `Promote ${model}/2` });
    await dialog.getByLabel('Reason').fill('checked by hand');
    await dialog.getByRole('button', { name: 'Promote' }).click();
    await expect(dialog).toBeHidden();
    const history = page.getByRole('region', { name: 'Alias history' });
    await expect(history.getByRole('row', { name: /checked by hand/ })).toContainText('Katherine Johnson');
  });

  test('Audit page pages back with "Older events"', async ({ page, baseURL, uid }) => {
    const team = new TeamData(baseURL!);
    const project = await team.project(`older-${uid}`);
    // 60 changes: more than one page of 50.
    for (let i = 0; i < 60; i++) await project.admin.call('POST', '/v1/team/invitations', { email: `p${i}-${uid}@example.com`, role: 'read' });
    await signIn(page, project.adminKey);
    await page.goto('/audit?action=member.invite');
    const rows = page.locator('table.audit tbody tr');
    await expect(rows).toHaveCount(50);
    await expect(rows.first()).toContainText(`p59-${uid}@example.com`);
    await page.getByRole('button', { name: 'Older events' }).click();
    await expect(rows).toHaveCount(60);
    await expect(rows.last()).toContainText(`p0-${uid}@example.com`);
    await expect(page.getByRole('button', { name: 'Older events' })).toHaveCount(0);
  });

  test('a person in two projects switches between them', async ({ page, baseURL, uid }) => {
    const team = new TeamData(baseURL!);
    const first = await team.project(`first-${uid}`);
    const second = await team.project(`second-${uid}`);
    await second.admin.model(`only-in-second-${uid}`, 1);
    const email = `max-${uid}@example.com`;
    const firstInvite = await team.invite(first.admin, email, 'admin');
    const secondInvite = await team.invite(second.admin, email, 'read');
    await acceptInPage(page, firstInvite.url, 'Max Planck');
    // The second invitation is for an account that exists: its password, and no name or confirmation.
    await page.goto(secondInvite.url);
    await expect(page.getByLabel('Type it again')).toHaveCount(0);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: `Join second-${uid}` }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    const switcher = page.getByLabel('Project');
    await switcher.selectOption({ label: `project first-${uid} (admin)` });
    await expect(page.locator('.who')).toContainText('(admin)');
    await expect(page.getByRole('link', { name: 'Team' })).toBeVisible();
    await shoot(page, 'project-switcher');
    await page.goto('/models');
    await expect(page.getByText(`only-in-second-${uid}`)).toHaveCount(0);

    await page.getByLabel('Project').selectOption({ label: `project second-${uid} (read)` });
    await expect(page.locator('.who')).toContainText('(read)');
    await expect(page.getByRole('link', { name: 'Team' })).toHaveCount(0);
    await expect(page.getByText(`only-in-second-${uid}`)).toBeVisible();
  });

  test('Team, Audit, sign-in and invitation pages at 1280×800 and 390×844: no axe-core WCAG 2.1 AA violation, nothing wider than the screen', async ({ page, baseURL, uid }) => {
    const team = new TeamData(baseURL!);
    const project = await team.project(`a11y-team-${uid}`);
    const email = `owner-${uid}@example.com`;
    await team.accept((await team.invite(project.admin, email, 'owner')).token, 'Olivia Owner-with-a-rather-long-name');
    await team.accept((await team.invite(project.admin, `w-${uid}@example.com`, 'write')).token, 'Walter Write');
    const pending = await team.invite(project.admin, `pending-${uid}@example.com`, 'read');

    const audit = async (name: string, width: number) => {
      expect(await axeViolations(page), `${name} at ${width}px: axe-core`).toEqual([]);
      expect(await horizontalOverflow(page), `${name} at ${width}px sticks out sideways`).toBeLessThanOrEqual(0);
      await shoot(page, name);
    };
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport);
      await page.context().clearCookies();
      await page.goto(pending.url);
      await expect(page.getByLabel('Choose a password')).toBeVisible();
      await audit('invite', viewport.width);
      await page.goto('/invite/not-a-real-token');
      await expect(page.getByRole('alert')).toBeVisible();
      await audit('invite-unknown', viewport.width);

      await signInWithPassword(page, email, 'wrong password');
      await expect(page.getByRole('alert')).toContainText('invalid email or password');
      await audit('sign-in-error', viewport.width);
      await signInWithPassword(page, email);
      await expect(page.locator('.who')).toContainText('Olivia');
      await audit('signed-in', viewport.width);

      await page.goto('/team');
      await expect(page.getByText(`pending-${uid}@example.com`)).toBeVisible();
      await page.waitForLoadState('networkidle');
      await audit('team-page', viewport.width);
      await page.getByRole('button', { name: 'Remove Walter Write' }).click();
      await expect(page.getByRole('dialog')).toBeVisible();
      await audit('team-remove-dialog', viewport.width);
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

      await page.goto('/audit');
      await expect(page.locator('table.audit tbody tr').first()).toBeVisible();
      await page.waitForLoadState('networkidle');
      await audit('audit-page', viewport.width);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect(page.getByLabel('Email')).toBeVisible();
    }
  });
});

test.describe('console first owner', () => {
  test('a key-holder on a hub with no account creates the first owner and is signed in as that person', async ({ page }) => {
    // A hub of its own: "no account exists" is hub-wide, and the shared e2e hub has accounts once other tests ran.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const key = newApiKey('secret');
    const hub = startProcess(process.execPath, hubArgs(), {
      OUTPOST_PORT: String(port),
      OUTPOST_DATA_DIR: mkdtempSync(join(tmpdir(), 'outpost-e2e-owner-')),
      OUTPOST_ADMIN_KEY: key,
      OUTPOST_DEMO: '0',
    });
    try {
      await waitForHealthy(url, hub);
      await page.goto(`${url}/`);
      await page.getByLabel('API key').fill(key);
      await page.getByLabel('API key').press('Enter');
      const offer = page.getByRole('region', { name: 'Nobody has an account on this hub yet' });
      await expect(offer).toBeVisible();
      await shoot(page, 'first-owner-offer');
      await offer.getByRole('button', { name: 'Create the owner account' }).click();
      await offer.getByLabel('Name').fill('Olga Owner');
      await offer.getByLabel('Email').fill('olga@example.com');
      await offer.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await offer.getByLabel('Password again').fill(PASSWORD);
      expect(await axeViolations(page)).toEqual([]);
      await offer.getByRole('button', { name: 'Create and sign in' }).click();
      await expect(page.locator('.who')).toContainText('Olga Owner');
      await expect(page.locator('.who')).toContainText('(owner)');
      await expect(offer).toHaveCount(0);
      expect(await page.evaluate(() => sessionStorage.getItem('outpost.key'))).toBeNull();
      const setup = await fetch(`${url}/v1/team/setup`, { headers: { authorization: `Bearer ${key}` } });
      expect(await setup.json()).toEqual({ needsOwner: false });
    } finally {
      await stopProcess(hub);
    }
  });
});
