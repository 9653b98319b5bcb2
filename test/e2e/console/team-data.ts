import { HubData } from './hub-data.js';

export const PASSWORD = 'correct horse battery staple';

type Role = 'owner' | 'admin' | 'write' | 'read';

/**
 * People for the console's team tests, made through the hub's public API: a project of their own (so tests sharing
 * the e2e hub never see each other's members), invitations with its admin key, and sessions as a browser holds them.
 */
export class TeamData {
  constructor(readonly url: string) {}

  async project(name: string): Promise<{ id: string; name: string; admin: HubData; adminKey: string }> {
    const { project, adminKey } = await new HubData(this.url, process.env.OUTPOST_E2E_KEY!).call('POST', '/v1/projects', { name });
    return { id: project.id, name: project.name, admin: new HubData(this.url, adminKey.secret), adminKey: adminKey.secret };
  }

  async invite(admin: HubData, email: string, role: Role): Promise<{ id: string; url: string; token: string }> {
    const { invitation, url } = await admin.call('POST', '/v1/team/invitations', { email, role });
    return { id: invitation.id, url, token: new URL(url).pathname.split('/').pop()! };
  }

  /** Accepts as the invitation page does (from the hub's own origin) and returns the session cookie it sets. */
  async accept(token: string, name: string, password = PASSWORD): Promise<string> {
    return this.cookieOf(await this.post(`/v1/invitations/${token}/accept`, { name, password }));
  }

  /** Signs in with email and password, as the sign-in page does; returns the session cookie. */
  async signIn(email: string, password = PASSWORD): Promise<string> {
    return this.cookieOf(await this.post('/v1/session', { email, password }));
  }

  /** A request with a session cookie, from the hub's own origin. */
  async withCookie(cookie: string, method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(this.url + path, {
      method,
      headers: { cookie, origin: this.url, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  }

  private async post(path: string, body: unknown): Promise<Response> {
    const res = await fetch(this.url + path, { method: 'POST', headers: { 'content-type': 'application/json', origin: this.url }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return res;
  }

  private cookieOf(res: Response): string {
    const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
    if (!cookies.length) throw new Error('the hub set no session cookie');
    return cookies.join('; ');
  }
}
