import type { Command } from 'commander';
import { getTeam, inviteMember, removeMember } from '../../shared/client/teams.js';
import { memberRoles, type MemberRole } from '../../shared/schemas/teams.js';
import { CliError, type Cli } from '../context.js';

function roleArg(text: string): MemberRole {
  if (!(memberRoles as readonly string[]).includes(text)) throw new CliError(`--role must be one of ${memberRoles.join(', ')}; got "${text}"`, 2);
  return text as MemberRole;
}

/** `outpost team invite|ls|remove`: the people of the key's project (an admin key). */
export function teamCommands(program: Command, cli: Cli): void {
  const team = program.command('team').description("people of the key's project: invite, list, remove (needs an admin key)");

  team
    .command('invite <email>')
    .description('invite someone by email; prints the single-use invitation URL as the last line')
    .option('--role <role>', `their role: ${memberRoles.join(', ')}`, 'read')
    .action(async (email: string, o: { role: string }) => {
      const link = await inviteMember(cli.hub(), { email, role: roleArg(o.role) });
      if (!cli.json) console.error(`invited ${link.invitation.email} as ${link.invitation.role}; the link works once, until ${link.invitation.expiresAt}`);
      cli.print(link, link.url);
    });

  team
    .command('ls')
    .description('list members and pending invitations')
    .action(async () => {
      const t = await getTeam(cli.hub());
      const lines = [
        ...t.members.map((m) => `${m.email}\t${m.role}\t${m.name}\tjoined ${m.joinedAt}`),
        ...t.invitations.map((i) => `${i.email}\t${i.role}\t(invited by ${i.invitedBy.name}, expires ${i.expiresAt})`),
      ];
      cli.print(t, lines.join('\n') || '(no members and no pending invitations)');
    });

  team
    .command('remove <email>')
    .description('remove a member by email (their sessions stop at their next request)')
    .action(async (email: string) => {
      const hub = cli.hub();
      const t = await getTeam(hub);
      const wanted = email.trim().toLowerCase();
      const m = t.members.find((x) => x.email === wanted);
      if (!m) throw new CliError(`${email} is not a member of this project (members: ${t.members.map((x) => x.email).join(', ') || 'none'})`);
      await removeMember(hub, m.userId);
      cli.print({ removed: m }, `removed ${m.email} (${m.role})`);
    });
}
