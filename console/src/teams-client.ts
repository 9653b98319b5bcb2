/** The console's calls for people (shared/client/teams.ts) and the audit log (shared/client/audit.ts), under the names its pages use. */
import type { HubClient } from '../../shared/client/hub-client';
import type { Invitation, InvitationPreview, Member, MemberRole, SessionReply } from '../../shared/schemas/teams';

export type { Invitation, InvitationPreview, Member, MemberRole, SessionReply };
export type { AuditEvent } from '../../shared/schemas/audit';
export { listAudit } from '../../shared/client/audit';
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
