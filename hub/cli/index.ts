import { Command, CommanderError, Option } from 'commander';
import type { Run } from '../../shared/schemas/tracking.js';
import { VERSION } from '../version.js';
import { CliError, HubClient } from './client.js';
import { listModels, pullModel, pushModel } from './model.js';
import { formatBytes } from './progress.js';

/**
 * `outpost`: the registry and runs from a terminal or a CI job. Exit codes: 0 done, 1 the hub refused or
 * failed, 2 bad usage. `--json` prints one JSON document on stdout for scripts; errors are one line on stderr.
 */
const program = new Command('outpost')
  .description('Outpost: models at the edge — registry, runs and the hub')
  .version(VERSION)
  .addOption(new Option('--hub <url>', 'hub URL').env('OUTPOST_HUB').default('http://127.0.0.1:8787'))
  .addOption(new Option('--key <key>', 'API key (sk_…)').env('OUTPOST_KEY'))
  .option('--json', 'print machine-readable JSON')
  .showHelpAfterError()
  .exitOverride();

const hub = () => new HubClient(program.opts<{ hub: string; key?: string }>());
const json = () => Boolean(program.opts().json);
const print = (data: unknown, human: string) => console.log(json() ? JSON.stringify(data, null, 2) : human);

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
    const r = await pushModel(hub(), path, options);
    const uploads = `uploaded ${r.uploaded} of ${r.files} files (${formatBytes(r.uploadedBytes)})`;
    if (!json()) console.error(uploads + (r.alias ? `; ${r.alias} → ${r.version}` : ''));
    print(r, r.ref);
  });

model
  .command('promote <name> <version>')
  .description('point an alias at a version')
  .requiredOption('--alias <alias>', 'alias to move, e.g. production')
  .option('--reason <text>', 'why (audit log)')
  .action(async (name: string, version: string, options: { alias: string; reason?: string }) => {
    if (!/^\d+$/.test(version)) throw new CliError(`version must be a number, got "${version}"`, 2);
    const r = await hub().json<{ from: number | null; to: number }>('PUT', `/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(options.alias)}`, { version: Number(version), reason: options.reason });
    print(r, `${name}@${options.alias}: ${r.from ?? '(none)'} → ${r.to}`);
  });

model
  .command('rollback <name>')
  .description('move an alias back to its previous version')
  .requiredOption('--alias <alias>', 'alias to roll back')
  .option('--reason <text>', 'why (audit log)')
  .action(async (name: string, options: { alias: string; reason?: string }) => {
    const r = await hub().json<{ from: number | null; to: number }>('POST', `/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(options.alias)}/rollback`, { reason: options.reason });
    print(r, `${name}@${options.alias}: ${r.from} → ${r.to}`);
  });

model
  .command('ls [name]')
  .description('list models, or the versions of one')
  .action(async (name?: string) => {
    const rows = await listModels(hub(), name);
    const human = name
      ? (rows as Array<{ version: number; format: string; aliases: string[]; createdAt: number }>).map((v) => `${name}/${v.version}\t${v.format}\t${v.aliases.join(',') || '-'}\t${new Date(v.createdAt).toISOString()}`)
      : (rows as Array<{ name: string; latestVersion: number | null; aliases: Record<string, number> }>).map((m) => `${m.name}\tlatest ${m.latestVersion ?? '-'}\t${Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`).join(',') || '-'}`);
    print(rows, human.join('\n') || '(none)');
  });

model
  .command('pull <ref> <dir>')
  .description('download a model (name@alias, name/3 or name) into a folder, verifying every digest')
  .action(async (ref: string, dir: string) => {
    const r = await pullModel(hub(), ref, dir);
    print(r, `${r.model}/${r.version} → ${r.dir} (${r.files} files)`);
  });

program
  .command('runs')
  .description('experiment runs')
  .command('ls')
  .description('search runs (all active experiments unless --experiment)')
  .option('--filter <filter>', "e.g. \"metrics.acc > 0.9 and params.lr = '0.01'\"")
  .option('--experiment <name...>', 'experiment names')
  .option('--order-by <term...>', 'e.g. "metrics.acc DESC"')
  .option('--limit <n>', 'at most this many runs', '50')
  .action(async (options: { filter?: string; experiment?: string[]; orderBy?: string[]; limit: string }) => {
    const client = hub();
    const { experiments } = await client.json<{ experiments: Array<{ id: string; name: string }> }>('GET', '/v1/experiments');
    const chosen = options.experiment ? experiments.filter((e) => options.experiment!.includes(e.name)) : experiments;
    if (!chosen.length) throw new CliError(options.experiment ? `no experiment named ${options.experiment.join(', ')}` : 'no experiments yet');
    const { runs } = await client.json<{ runs: Run[] }>('POST', '/v1/runs/search', {
      experimentIds: chosen.map((e) => e.id),
      filter: options.filter,
      orderBy: options.orderBy,
      limit: Number(options.limit),
    });
    const human = runs.map((r) => `${r.id}\t${r.name}\t${r.status}\t${Object.entries(r.metrics).map(([k, m]) => `${k}=${m.value}`).join(' ')}`);
    print(runs, human.join('\n') || '(no runs match)');
  });

program
  .command('hub')
  .description('start the hub (the same as npm start)')
  .action(async () => {
    await import('../platform/node/server.js');
  });

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  const code = err instanceof CliError ? err.exitCode : 1;
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(code);
}
