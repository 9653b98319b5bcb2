import { describe, expect, it } from 'vitest';
import { cliHub } from '../helpers/cli-hub.js';

const cli = cliHub('team');
const { newProject } = cli;

/** What the console's invitation page does with the link: accept it from the hub's own origin. */
async function acceptLink(url: string, name: string) {
  const token = url.slice(url.lastIndexOf('/') + 1);
  const res = await fetch(`${cli.url}/v1/invitations/${token}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: cli.url },
    body: JSON.stringify({ name, password: 'correct horse battery' }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.headers.getSetCookie().find((c) => c.startsWith('outpost.session_token='))!.split(';')[0]!;
}

describe('outpost team', () => {
  it('invites (the URL is the last line), lists members and invitations, and removes a member by email', async () => {
    const { run } = await newProject();
    const invited = await run('team', 'invite', 'Grace@Example.com', '--role', 'write');
    expect(invited.code, invited.stderr).toBe(0);
    const url = invited.stdout.trim().split('\n').pop()!;
    expect(url).toMatch(new RegExp(`^${cli.url}/invite/[A-Za-z0-9_-]{43}$`));
    expect((await run('team', 'invite', 'ada@example.com')).code).toBe(0); // --role read by default

    const cookie = await acceptLink(url, 'Grace Hopper');
    const ls = await run('team', 'ls');
    expect(ls.stdout).toMatch(/grace@example\.com\twrite\tGrace Hopper/);
    expect(ls.stdout).toMatch(/ada@example\.com\tread\t\(invited by admin/);
    const json = JSON.parse((await run('--json', 'team', 'ls')).stdout);
    expect(json.members).toEqual([expect.objectContaining({ email: 'grace@example.com', role: 'write', name: 'Grace Hopper' })]);
    expect(json.invitations).toEqual([expect.objectContaining({ email: 'ada@example.com', role: 'read' })]);

    const session = (path: string) => fetch(`${cli.url}${path}`, { headers: { cookie } });
    expect((await session('/v1/project')).status).toBe(200);
    const removed = await run('team', 'remove', 'grace@example.com');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout.trim()).toBe('removed grace@example.com (write)');
    expect((await session('/v1/project')).status).toBe(401);

    const again = await run('team', 'remove', 'grace@example.com');
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain('not a member');
  });

  it('answers a bad role with exit 2 and a refusal of the hub with exit 1', async () => {
    const { run } = await newProject();
    const bad = await run('team', 'invite', 'x@example.com', '--role', 'boss');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--role must be one of owner, admin, write, read');
    const joined = await run('--json', 'team', 'invite', 'y@example.com', '--role', 'admin');
    expect(JSON.parse(joined.stdout)).toMatchObject({ invitation: { email: 'y@example.com', role: 'admin' }, url: expect.stringContaining('/invite/') });
    await acceptLink(JSON.parse(joined.stdout).url, 'Y');
    const twice = await run('team', 'invite', 'y@example.com');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('already a member');
  });
});
