import { useEffect, useState } from 'preact/hooks';
import type { CreatedKey, KeyInfo } from '../../../shared/schemas/keys';
import { request } from '../api';

type Role = 'admin' | 'write' | 'read' | 'device';

export function Keys() {
  const [keys, setKeys] = useState<KeyInfo[] | null>(null);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = () => request<{ keys: KeyInfo[] }>('GET', '/v1/keys').then((r) => setKeys(r.keys), (e: Error) => setError(e.message));
  useEffect(() => void load(), []);

  async function create(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const name = String(form.get('name'));
    const role = String(form.get('role')) as Role;
    const json = role === 'device' ? { kind: 'publishable' as const, name } : { kind: 'secret' as const, name, role };
    try {
      setCreated(await request<CreatedKey>('POST', '/v1/keys', { body: json }));
      setError(null);
      (event.target as HTMLFormElement).reset();
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function revoke(key: KeyInfo) {
    if (!confirm(`Revoke "${key.name}" (${key.prefix})? Anything using it stops working at once.`)) return;
    try {
      await request('DELETE', `/v1/keys/${encodeURIComponent(key.id)}`);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <section class="card">
      <h2>Keys</h2>
      {error && <p role="alert" class="error">{error}</p>}
      {created && (
        <div class="notice" role="status">
          <p>Copy the key for “{created.key.name}” now: it is not shown again.</p>
          <code class="secret">{created.secret}</code>
        </div>
      )}
      <form onSubmit={create} class="row">
        <label>
          Name <input name="name" required maxLength={100} />
        </label>
        <label>
          Role
          <select name="role">
            <option value="read">read (sk_)</option>
            <option value="write">write (sk_)</option>
            <option value="admin">admin (sk_)</option>
            <option value="device">device (pk_, publishable)</option>
          </select>
        </label>
        <button type="submit">Create key</button>
      </form>
      {keys === null ? (
        <p>Loading…</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr><th>Name</th><th>Key</th><th>Role</th><th>Created</th><th>Last used</th><th>Status</th><th /></tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td><code>{k.prefix}</code></td>
                  <td>{k.role}</td>
                  <td>{new Date(k.createdAt).toLocaleString()}</td>
                  <td>{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : '—'}</td>
                  <td>{k.revokedAt ? 'revoked' : 'active'}</td>
                  <td>{!k.revokedAt && <button type="button" onClick={() => revoke(k)} aria-label={`Revoke ${k.name}`}>Revoke</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
