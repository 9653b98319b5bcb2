import { z } from 'zod';

/** A member's role in a project: `owner` is an `admin` who may also manage owners. */
export const memberRoles = ['owner', 'admin', 'write', 'read'] as const;
export const memberRoleSchema = z.enum(memberRoles);
export type MemberRole = z.infer<typeof memberRoleSchema>;

const emailSchema = z.string().trim().toLowerCase().max(254).email('must be an email address such as ada@example.com');
/** better-auth's own bounds (8 to 128 characters), checked here so the reply names the field. */
const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(128, 'must be at most 128 characters');
const nameSchema = z.string().trim().min(1, 'must not be empty').max(100);

export const signInSchema = z.object({ email: emailSchema, password: z.string().min(1, 'must not be empty').max(128) });
export type SignIn = z.infer<typeof signInSchema>;

export const switchProjectSchema = z.object({ projectId: z.string().min(1) });

export const sessionProjectSchema = z.object({ id: z.string(), name: z.string(), role: memberRoleSchema });
export const sessionReplySchema = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  project: sessionProjectSchema,
  projects: z.array(sessionProjectSchema),
});
export type SessionReply = z.infer<typeof sessionReplySchema>;

export const setupReplySchema = z.object({ needsOwner: z.boolean() });

export const createOwnerSchema = z.object({ email: emailSchema, name: nameSchema, password: passwordSchema });
export type CreateOwner = z.infer<typeof createOwnerSchema>;

export const memberSchema = z.object({ userId: z.string(), email: z.string(), name: z.string(), role: memberRoleSchema, joinedAt: z.string() });
export type Member = z.infer<typeof memberSchema>;

export const actorSchema = z.object({ type: z.enum(['user', 'key']), id: z.string(), name: z.string() });

export const invitationSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: memberRoleSchema,
  createdAt: z.string(),
  expiresAt: z.string(),
  invitedBy: actorSchema,
});
export type Invitation = z.infer<typeof invitationSchema>;

export const teamSchema = z.object({ members: z.array(memberSchema), invitations: z.array(invitationSchema) });
export type Team = z.infer<typeof teamSchema>;

export const createInvitationSchema = z.object({ email: emailSchema, role: memberRoleSchema });
export type CreateInvitation = z.infer<typeof createInvitationSchema>;

/** An invitation with its link: the token is in the URL only, shown now and never stored. */
export const invitationLinkSchema = z.object({ invitation: invitationSchema, url: z.string() });
export type InvitationLink = z.infer<typeof invitationLinkSchema>;

export const updateMemberSchema = z.object({ role: memberRoleSchema });
export const memberReplySchema = z.object({ member: memberSchema });

/** What the invitation page shows before the person accepts. */
export const invitationPreviewSchema = z.object({
  email: z.string(),
  project: z.object({ id: z.string(), name: z.string() }),
  role: memberRoleSchema,
  expiresAt: z.string(),
  accountExists: z.boolean(),
});
export type InvitationPreview = z.infer<typeof invitationPreviewSchema>;

/** `name` is needed for a new account; for an existing one `password` is that account's and `name` is ignored. */
export const acceptInvitationSchema = z.object({ name: nameSchema.optional(), password: z.string().min(1, 'must not be empty').max(128) });
export type AcceptInvitation = z.infer<typeof acceptInvitationSchema>;
