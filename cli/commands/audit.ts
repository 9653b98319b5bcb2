import type { Command } from 'commander';
import { auditEvents } from '../../shared/client/audit.js';
import { CliError, type Cli } from '../context.js';

/** `outpost audit`: the project's audit log (an admin key), newest first. */
export function auditCommands(program: Command, cli: Cli): void {
  program
    .command('audit')
    .description("changes made to the project, newest first (needs an admin key)")
    .option('--action <action>', 'an action (model.alias.set) or a prefix (model.)')
    .option('--actor <id>', 'a key id or user id')
    .option('--target <target>', 'a target (model:digits@production) or a prefix ending in * (model:digits*)')
    .option('--since <time>', 'ISO 8601 time or epoch ms')
    .option('--until <time>', 'ISO 8601 time or epoch ms')
    .option('--limit <n>', 'at most this many events', '50')
    .action(async (options: { action?: string; actor?: string; target?: string; since?: string; until?: string; limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a positive whole number, not "${options.limit}"`, 2);
      const { limit: _, ...filters } = options;
      const events = await auditEvents(cli.hub(), { ...filters, limit });
      const human = events.map((e) => [e.at, `${e.actor.name} (${e.actor.type} ${e.actor.id})`, e.action, e.target, e.reason ?? ''].join('\t').trimEnd());
      cli.print(events, human.join('\n') || '(no events match)');
    });
}
