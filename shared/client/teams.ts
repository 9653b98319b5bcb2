import type {
  AcceptInvitation,
  CreateInvitation,
  CreateOwner,
  InvitationLink,
  InvitationPreview,
  Member,
  MemberRole,
  SessionReply,
  SignIn,
  Team,
} from '../schemas/teams.js';
import type { HubClient } from './hub-client.js';

const enc = encodeURIComponent;

/** Team management (admin key or an admin/owner session). */
export const getTeam = (hub: HubClient) => hub.json<Team>('GET', '/v1/team');
export const inviteMember = (hub: HubClient, input: CreateInvitation) => hub.json<InvitationLink>('POST', '/v1/team/invitations', input);
export const resendInvitation = (hub: HubClient, id: string) => hub.json<InvitationLink>('POST', `/v1/team/invitations/${enc(id)}/resend`);
export const revokeInvitation = async (hub: HubClient, id: string) => void (await hub.send(`/v1/team/invitations/${enc(id)}`, { method: 'DELETE' }));
export const setMemberRole = (hub: HubClient, userId: string, role: MemberRole) => hub.json<{ member: Member }>('PATCH', `/v1/team/members/${enc(userId)}`, { role });
export const removeMember = async (hub: HubClient, userId: string) => void (await hub.send(`/v1/team/members/${enc(userId)}`, { method: 'DELETE' }));
export const getSetup = (hub: HubClient) => hub.json<{ needsOwner: boolean }>('GET', '/v1/team/setup');
export const createFirstOwner = (hub: HubClient, input: CreateOwner) => hub.json<SessionReply>('POST', '/v1/team/owner', input);

/** Sessions and invitation links: these work by cookie, from the hub's own pages (the console). */
export const signIn = (hub: HubClient, input: SignIn) => hub.json<SessionReply>('POST', '/v1/session', input);
export const getSession = (hub: HubClient) => hub.json<SessionReply>('GET', '/v1/session');
export const signOut = async (hub: HubClient) => void (await hub.send('/v1/session', { method: 'DELETE' }));
export const switchProject = (hub: HubClient, projectId: string) => hub.json<SessionReply>('PUT', '/v1/session/project', { projectId });
export const previewInvitation = (hub: HubClient, token: string) => hub.json<InvitationPreview>('GET', `/v1/invitations/${enc(token)}`);
export const acceptInvitation = (hub: HubClient, token: string, input: AcceptInvitation) => hub.json<SessionReply>('POST', `/v1/invitations/${enc(token)}/accept`, input);
