import { useState } from 'preact/hooks';
import { createKey, listKeys, revokeKey } from '../../../shared/client/keys';
import type { CreatedKey, CreateKey, KeyInfo } from '../../../shared/schemas/keys';
import { hub, session } from '../hub';
import { ConfirmDialog } from '../components/confirm-dialog';
import { CopyButton } from '../components/copy';
import { LoadState } from '../components/status';
import { useLoad } from '../components/use-load';
import { formatTime } from '../format';

type Role = 'admin' | 'write' | 'read' | 'device';

/** The key this console is signed in with: its prefix is the key's first characters. */
const isSessionKey = (k: KeyInfo) => !!session.key?.startsWith(k.prefix.replace(/…$/, ''));

function toRequest(name: string, role: Role, origins: string): CreateKey {
  if (role !== 'device') return { kind: 'secret', name, role };
  const allowedOrigins = origins.split(/[\s,]+/).filter(Boolean);
  return { kind: 'publishable', name, ...(allowedOrigins.length ? { allowedOrigins } : {}) };
}

function CreateKeyForm({ onCreated }: { onCreated: (created: CreatedKey) => void }) {
  const [role, setRole] = useState<Role>('read');
  const [error, setError] = useState<string | null>(null);
  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    try {
      onCreated(await createKey(hub, toRequest(String(data.get('name')).trim(), role, String(data.get('origins') ?? ''))));
      setError(null);
      form.reset();
      setRole('read');
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <form onSubmit={create} class="create-key">
      <div class="row">
        <label>
          Name <input name="name" required maxLength={100} placeholder="ci-pipeline" />
        </label>
        <label>
          Role
          <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <option value="read">read (sk_)</option>
            <option value="write">write (sk_)</option>
            <option value="admin">admin (sk_)</option>
            <option value="device">device (pk_, publishable)</option>
          </select>
        </label>
        {role === 'device' && (
          <label class="grow">
            Allowed origins
            <input name="origins" placeholder="https://app.example.com https://shop.example.com" aria-describedby="origins-help" />
          </label>
        )}
        <button type="submit">Create key</button>
      </div>
      {role === 'device' && (
        <p id="origins-help" class="muted small">
          Publishable keys go into web pages: they can only load models exposed to devices and send device runs and telemetry. List the origins
          whose pages may use the key (none: any origin).
        </p>
      )}
      {error && <p role="alert" class="error">{error}</p>}
    </form>
  );
}

/** Keys of this project: create (the secret is shown once), list, revoke. */
export function Keys() {
  const loaded = useLoad(() => listKeys(hub), []);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [revoking, setRevoking] = useState<KeyInfo | null>(null);

  return (
    <section class="card" aria-labelledby="keys-title">
      <h1 id="keys-title">Keys</h1>
      <CreateKeyForm
        onCreated={(c) => {
          setCreated(c);
          loaded.reload();
        }}
      />
      {created && (
        <div class="notice" role="status">
          <p>Copy the key for “{created.key.name}” now: it is not shown again.</p>
          <code class="secret">{created.secret}</code> <CopyButton text={created.secret} label="Copy key" />
        </div>
      )}
      {!loaded.data ? (
        <LoadState error={loaded.error} loading={loaded.loading} what="keys" />
      ) : (
        <div class="scroll" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th><th scope="col">Key</th><th scope="col">Role</th><th scope="col">Allowed origins</th>
                <th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.keys.map((k) => (
                <tr key={k.id}>
                  <td>
                    {k.name}
                    {isSessionKey(k) && <span class="muted"> (this session)</span>}
                  </td>
                  <td><code>{k.prefix}</code></td>
                  <td>{k.role}</td>
                  <td class="wrap">{k.kind === 'publishable' ? k.allowedOrigins.join(' ') || 'any' : '—'}</td>
                  <td>{formatTime(Date.parse(k.createdAt))}</td>
                  <td>{k.lastUsedAt ? formatTime(Date.parse(k.lastUsedAt)) : '—'}</td>
                  <td>{k.revokedAt ? 'revoked' : 'active'}</td>
                  <td>
                    {!k.revokedAt && (
                      <button type="button" class="danger small" onClick={() => setRevoking(k)} aria-label={`Revoke ${k.name}`}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke"
          danger
          onConfirm={async () => {
            await revokeKey(hub, revoking.id);
            loaded.reload();
          }}
          onClose={() => setRevoking(null)}
        >
          <p>
            Anything using <code>{revoking.prefix}</code> stops working at once. This cannot be undone.
            {isSessionKey(revoking) && ' This console is signed in with it: you will need another key to sign in again.'}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
