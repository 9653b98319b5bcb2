/** The console's calls for people (shared/client/teams.ts) and the audit log, under the names its pages use. */
import type { HubClient } from '../../shared/client/hub-client';
import type { Invitation, InvitationPreview, Member, MemberRole, SessionReply } from '../../shared/schemas/teams';

export type { Invitation, InvitationPreview, Member, MemberRole, SessionReply };
export interface Actor { type: 'user' | 'key'; id: string; name: string }
export interface AuditEvent {
  id: string;
  at: string;
  actor: Actor;
  action: string;
  target: string;
  address: string;
  reason: string | null;
  details: Record<string, unknown> | null;
}
export interface AuditQuery { actor?: string; action?: string; target?: string; since?: string; until?: string; limit?: number; pageToken?: string }

export {
  acceptInvitation,
  createFirstOwner as createOwner,
  getSession,
  getSetup as teamSetup,
  getTeam,
  inviteMember as invite,
  previewInvitation as getInvitation,
  removeMember,
  resendInvitation,
  revokeInvitation,
  setMemberRole,
  switchProject,
} from '../../shared/client/teams';

/** Ends the session on the hub; one the hub already forgot (401) is ended too. */
export const deleteSession = async (hub: HubClient) => void (await hub.send('/v1/session', { method: 'DELETE' }, [401]));

/** GET /v1/audit (audit's branch has the same call in shared/client/audit.ts; this one goes once the branches meet). */
export function listAudit(hub: HubClient, query: AuditQuery) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  return hub.json<{ events: AuditEvent[]; nextPageToken: string | null }>('GET', `/v1/audit?${params}`);
}
