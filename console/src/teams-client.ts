import type { HubClient } from '../../shared/client/hub-client';

import type { Invitation, InvitationLink, InvitationPreview, Member, MemberRole, SessionReply, Team } from '../../shared/schemas/teams';

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

const seg = encodeURIComponent;

export const getSession = (hub: HubClient) => hub.json<SessionReply>('GET', '/v1/session');
export const createSession = (hub: HubClient, body: { email: string; password: string }) => hub.json<SessionReply>('POST', '/v1/session', body);
export const deleteSession = async (hub: HubClient) => void (await hub.send('/v1/session', { method: 'DELETE' }, [401]));
export const switchProject = (hub: HubClient, projectId: string) => hub.json<SessionReply>('PUT', '/v1/session/project', { projectId });

export const teamSetup = (hub: HubClient) => hub.json<{ needsOwner: boolean }>('GET', '/v1/team/setup');
export const createOwner = (hub: HubClient, body: { email: string; name: string; password: string }) => hub.json<SessionReply>('POST', '/v1/team/owner', body);

export const getTeam = (hub: HubClient) => hub.json<Team>('GET', '/v1/team');
export const invite = (hub: HubClient, body: { email: string; role: MemberRole }) => hub.json<InvitationLink>('POST', '/v1/team/invitations', body);
export const resendInvitation = (hub: HubClient, id: string) => hub.json<InvitationLink>('POST', `/v1/team/invitations/${seg(id)}/resend`);
export const revokeInvitation = async (hub: HubClient, id: string) => void (await hub.send(`/v1/team/invitations/${seg(id)}`, { method: 'DELETE' }));
export const setMemberRole = (hub: HubClient, userId: string, role: MemberRole) => hub.json<{ member: Member }>('PATCH', `/v1/team/members/${seg(userId)}`, { role });
export const removeMember = async (hub: HubClient, userId: string) => void (await hub.send(`/v1/team/members/${seg(userId)}`, { method: 'DELETE' }));

export const getInvitation = (hub: HubClient, token: string) => hub.json<InvitationPreview>('GET', `/v1/invitations/${seg(token)}`);
export const acceptInvitation = (hub: HubClient, token: string, body: { name?: string; password: string }) =>
  hub.json<SessionReply>('POST', `/v1/invitations/${seg(token)}/accept`, body);

export function listAudit(hub: HubClient, query: AuditQuery) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  return hub.json<{ events: AuditEvent[]; nextPageToken: string | null }>('GET', `/v1/audit?${params}`);
}
