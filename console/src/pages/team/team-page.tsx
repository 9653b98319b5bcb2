import { useEffect, useState } from 'preact/hooks';
import { hub } from '../../hub';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { CopyButton } from '../../components/copy';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatTime } from '../../format';
import { useIdentity } from '../../identity';
import { getTeam, removeMember, resendInvitation, revokeInvitation, setMemberRole, type Invitation, type Member, type MemberRole } from '../../teams-client';
import { assignableRoles, InviteForm } from './invite-form';

type Pending =
  | { kind: 'role'; member: Member; role: MemberRole }
  | { kind: 'remove'; member: Member }
  | { kind: 'revoke'; invitation: Invitation }
  | null;

/** The link to send, after an invitation or a resend: the hub keeps only its hash, so it is shown here once. */
function InvitationLink({ email, url }: { email: string; url: string }) {
  return (
    <div class="notice" role="status">
      <p>Send this link to {email}. It works once, and only until it expires.</p>
      <code class="secret">{url}</code> <CopyButton text={url} label="Copy link" />
    </div>
  );
}

/** The project's people and their roles, the invitations still open, and a form to invite someone (admins). */
export function TeamPage() {
  const identity = useIdentity();
  const me = identity.kind === 'person' ? identity.session : null;
  const mayMakeOwner = me?.project.role === 'owner';
  const loaded = useLoad(() => getTeam(hub), []);
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'Team · Outpost';
  }, []);

  async function resend(invitation: Invitation) {
    setRowError(null);
    try {
      const reply = await resendInvitation(hub, invitation.id);
      setLink({ email: reply.invitation.email, url: reply.url });
      loaded.reload();
    } catch (e) {
      setRowError((e as Error).message);
    }
  }

  return (
    <>
      <section class="card" aria-labelledby="team-title">
        <h1 id="team-title">Team</h1>
        <p class="muted">
          People with an account in {me ? `project ${me.project.name}` : 'this project'}. Roles mean what key roles mean: read looks, write changes runs,
          models and data, admin also manages keys, people and settings, owner also manages owners.
        </p>
        <InviteForm
          mayMakeOwner={mayMakeOwner}
          onInvited={(invitation, url) => {
            setLink({ email: invitation.email, url });
            loaded.reload();
          }}
        />
        {link && <InvitationLink {...link} />}
      </section>

      {!loaded.data ? (
        <LoadState error={loaded.error} loading={loaded.loading} what="the team" />
      ) : (
        <>
          {rowError && <p role="alert" class="error card">{rowError}</p>}
          <section class="card" aria-labelledby="members-title">
            <h2 id="members-title">Members</h2>
            <div class="scroll" tabIndex={0} aria-label="Members table">
              <table>
                <thead>
                  <tr><th scope="col">Person</th><th scope="col">Role</th></tr>
                </thead>
                <tbody>
                  {loaded.data.members.map((m) => {
                    const isMe = me?.user.id === m.userId;
                    const roles = assignableRoles(mayMakeOwner || m.role === 'owner');
                    return (
                      <tr key={m.userId}>
                        <td class="wrap">
                          {m.name}
                          {isMe && <span class="muted"> (you)</span>}
                          <br />
                          <span class="muted small">
                            {m.email} · joined {formatTime(Date.parse(m.joinedAt))}
                          </span>
                        </td>
                        <td>
                          <div class="cell-actions">
                            <select aria-label={`Role of ${m.name}`} value={m.role} disabled={m.role === 'owner' && !mayMakeOwner} onChange={(e) => setPending({ kind: 'role', member: m, role: e.currentTarget.value as MemberRole })}>
                              {roles.map((r) => (
                                <option key={r} value={r}>{r}</option>
                              ))}
                            </select>
                            <button type="button" class="danger small" onClick={() => setPending({ kind: 'remove', member: m })} aria-label={`Remove ${m.name}`}>Remove</button>
                          </div>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>

          <section class="card" aria-labelledby="invitations-title">
            <h2 id="invitations-title">Pending invitations</h2>
            {loaded.data.invitations.length === 0 ? (
              <p class="muted">No invitation is waiting.</p>
            ) : (
              <div class="scroll" tabIndex={0} aria-label="Pending invitations table">
                <table>
                  <thead>
                    <tr><th scope="col">Invitation</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
                  </thead>
                  <tbody>
                    {loaded.data.invitations.map((i) => (
                      <tr key={i.id}>
                        <td class="wrap">
                          {i.email} <span class="chip">{i.role}</span>
                          <br />
                          <span class="muted small">
                            invited by {i.invitedBy.name}
                            {i.invitedBy.type === 'key' && ' (key)'} · expires {formatTime(Date.parse(i.expiresAt))}
                          </span>
                        </td>
                        <td>
                          <div class="cell-actions small">
                            <button type="button" class="secondary" onClick={() => resend(i)} aria-label={`Resend to ${i.email}`}>Resend</button>
                            <button type="button" class="danger" onClick={() => setPending({ kind: 'revoke', invitation: i })} aria-label={`Revoke invitation of ${i.email}`}>Revoke</button>
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}

      {pending?.kind === 'role' && (
        <ConfirmDialog
          title={`Make ${pending.member.name} ${pending.role}?`}
          confirmLabel="Change role"
          onConfirm={async () => {
            await setMemberRole(hub, pending.member.userId, pending.role);
            loaded.reload();
          }}
          onClose={() => {
            setPending(null);
            loaded.reload(); // the select shows the stored role again if the change was cancelled or refused
          }}
        >
          <p>
            {pending.member.email} is {pending.member.role} now; the new role holds from their next request.
          </p>
        </ConfirmDialog>
      )}
      {pending?.kind === 'remove' && (
        <ConfirmDialog
          title={`Remove ${pending.member.name}?`}
          confirmLabel="Remove"
          danger
          onConfirm={async () => {
            await removeMember(hub, pending.member.userId);
            loaded.reload();
          }}
          onClose={() => setPending(null)}
        >
          <p>
            {pending.member.email} loses access to this project at once, and any console they have open is signed out of it. Invite them again to undo.
          </p>
        </ConfirmDialog>
      )}
      {pending?.kind === 'revoke' && (
        <ConfirmDialog
          title={`Revoke the invitation of ${pending.invitation.email}?`}
          confirmLabel="Revoke"
          danger
          onConfirm={async () => {
            await revokeInvitation(hub, pending.invitation.id);
            loaded.reload();
          }}
          onClose={() => setPending(null)}
        >
          <p>The link stops working at once.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
