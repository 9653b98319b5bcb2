import { useState } from 'preact/hooks';
import { hub } from '../../hub';
import { invite, type Invitation, type MemberRole } from '../../teams-client';

/** Who may be invited as what: only an owner makes another owner (the hub checks it too). */
export const assignableRoles = (mayMakeOwner: boolean): MemberRole[] => (mayMakeOwner ? ['owner', 'admin', 'write', 'read'] : ['admin', 'write', 'read']);

/** Email and role; the hub answers with the link to send, which stays shown until the next invitation. */
export function InviteForm({ mayMakeOwner, onInvited }: { mayMakeOwner: boolean; onInvited: (invitation: Invitation, url: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setBusy(true);
    setError(null);
    try {
      const reply = await invite(hub, { email: String(data.get('email')).trim(), role: String(data.get('role')) as MemberRole });
      form.reset();
      onInvited(reply.invitation, reply.url);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} aria-labelledby="invite-title">
      <h2 id="invite-title">Invite someone</h2>
      <div class="row">
        <div class="field">
          <label for="invite-email">Email</label>
          <input id="invite-email" name="email" type="email" required autocomplete="off" placeholder="ada@example.com" />
        </div>
        <div class="field">
          <label for="invite-role">Role</label>
          <select id="invite-role" name="role">
            {assignableRoles(mayMakeOwner).map((r) => (
              <option key={r} value={r} selected={r === 'read'}>{r}</option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={busy}>{busy ? 'Inviting…' : 'Invite'}</button>
      </div>
      {error && <p role="alert" class="error">{error}</p>}
    </form>
  );
}
