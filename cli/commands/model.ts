import type { Command } from 'commander';
import { listModels, listVersions, moveAlias, rollbackAlias } from '../../shared/client/registry.js';
import { formatRef } from '../../shared/refs.js';
import { CliError, type Cli } from '../context.js';
import { pullModel } from '../model/pull.js';
import { pushModel } from '../model/push.js';
import { formatBytes } from '../progress.js';
import { rolloutCommands } from './rollout.js';

/** `outpost model …`: push, promote, roll back, list and pull registered models. */
export function modelCommands(program: Command, cli: Cli): void {
  const model = program.command('model').description('push, promote, roll back, list and pull models');

  model
    .command('push <path>')
    .description('upload a model file or folder (only blobs the hub lacks) and register a new version')
    .requiredOption('--name <name>', 'registered model name')
    .option('--alias <alias>', 'point this alias at the new version')
    .option('--run <runId>', 'the run that produced it')
    .option('--devices', 'expose the model to publishable (device) keys')
    .option('--reason <text>', 'why the alias moves (audit log)')
    .action(async (path: string, options) => {
      const r = await pushModel(cli.hub(), path, options);
      const uploads = `uploaded ${r.uploaded} of ${r.files} files (${formatBytes(r.uploadedBytes)})`;
      if (!cli.json) console.error(uploads + (r.alias ? `; ${r.alias} → ${r.version}` : ''));
      cli.print(r, r.ref);
    });

  model
    .command('promote <name> <version>')
    .description('point an alias at a version')
    .requiredOption('--alias <alias>', 'alias to move, e.g. production')
    .option('--reason <text>', 'why (audit log)')
    .action(async (name: string, version: string, options: { alias: string; reason?: string }) => {
      if (!/^\d+$/.test(version)) throw new CliError(`version must be a number, got "${version}"`, 2);
      const r = await moveAlias(cli.hub(), name, options.alias, { version: Number(version), reason: options.reason });
      cli.print(r, `${formatRef({ name, alias: options.alias })}: ${r.from ?? '(none)'} → ${r.to}`);
    });

  model
    .command('rollback <name>')
    .description('move an alias back to its previous version')
    .requiredOption('--alias <alias>', 'alias to roll back')
    .option('--reason <text>', 'why (audit log)')
    .action(async (name: string, options: { alias: string; reason?: string }) => {
      const r = await rollbackAlias(cli.hub(), name, options.alias, options.reason);
      cli.print(r, `${formatRef({ name, alias: options.alias })}: ${r.from} → ${r.to}`);
    });

  model
    .command('ls [name]')
    .description('list models, or the versions of one')
    .action(async (name?: string) => {
      if (name) {
        const { versions } = await listVersions(cli.hub(), name);
        const human = versions.map((v) => `${formatRef({ name, version: v.version })}\t${v.format}\t${v.aliases.join(',') || '-'}\t${new Date(v.createdAt).toISOString()}`);
        return cli.print(versions, human.join('\n') || '(none)');
      }
      const { models } = await listModels(cli.hub());
      const human = models.map((m) => `${m.name}\tlatest ${m.latestVersion ?? '-'}\t${Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`).join(',') || '-'}`);
      cli.print(models, human.join('\n') || '(none)');
    });

  model
    .command('pull <ref> <dir>')
    .description('download a model (name@alias, name/3, or name = name@production) into a folder, verifying every digest')
    .action(async (ref: string, dir: string) => {
      const r = await pullModel(cli.hub(), ref, dir);
      cli.print(r, `${formatRef({ name: r.model, version: r.version })} → ${r.dir} (${r.files} files)`);
    });

  rolloutCommands(model, cli);
}
