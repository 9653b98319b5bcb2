import type { Command } from 'commander';
import { listModels, listVersions, moveAlias, rollbackAlias } from '../../shared/client/registry.js';
import { formatRef } from '../../shared/refs.js';
import { runGate } from '../../shared/client/cicd.js';
import { rulesFromFlags } from '../../shared/cicd/gate.js';
import { CliError, modelRefArg, type Cli } from '../context.js';
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
    .option('--force', "move past a failing alias policy (admin keys, with --reason)")
    .action(async (name: string, version: string, options: { alias: string; reason?: string; force?: boolean }) => {
      if (!/^\d+$/.test(version)) throw new CliError(`version must be a number, got "${version}"`, 2);
      if (options.force && !options.reason) throw new CliError('--force needs --reason (it goes into the alias history)', 2);
      const r = await moveAlias(cli.hub(), name, options.alias, { version: Number(version), reason: options.reason, force: options.force });
      cli.print(r, `${formatRef({ name, alias: options.alias })}: ${r.from ?? '(none)'} → ${r.to}`);
    });

  const collect = (value: string, previous: string[] = []) => [...previous, value];
  model
    .command('gate <candidate>')
    .description('judge a version (name/3 or name@alias) against gate rules and a baseline; exit 0 pass, 1 fail, 2 usage')
    .requiredOption('--against <ref>', 'the baseline: a version or alias of the same model, e.g. digits@production')
    .option('--metric <rule>', 'a threshold, e.g. "accuracy>=0.9" (>=, >, <=, <; the < forms mean lower is better); repeatable', collect)
    .option('--min-absolute-change <name=x>', 'must beat the baseline by at least x; repeatable', collect)
    .option('--min-relative-change <name=x>', 'must beat the baseline by at least this fraction (0–1] of it; repeatable', collect)
    .option('--lower-is-better <name>', 'for a metric with only change rules: lower values are better; repeatable', collect)
    .option('--allow-no-baseline', 'when the --against alias does not exist yet, judge thresholds alone')
    .action(async (candidateText: string, options: { against: string; metric?: string[]; minAbsoluteChange?: string[]; minRelativeChange?: string[]; lowerIsBetter?: string[]; allowNoBaseline?: boolean }) => {
      const candidate = modelRefArg(candidateText);
      const against = modelRefArg(options.against);
      if (against.name !== candidate.name) throw new CliError(`--against must name the same model as the candidate ("${candidate.name}"), got "${against.name}"`, 2);
      let rules;
      try {
        rules = rulesFromFlags(options);
      } catch (err) {
        throw new CliError((err as Error).message, 2);
      }
      if (!rules.length) throw new CliError('give at least one rule: --metric, --min-absolute-change or --min-relative-change', 2);
      const pick = (ref: typeof candidate) => ('version' in ref ? ref.version : ref.alias);
      const r = await runGate(cli.hub(), candidate.name, { candidate: pick(candidate), against: pick(against), rules, allowMissingBaseline: options.allowNoBaseline });
      const fmt = (v: number | null) => (v === null ? '-' : String(v));
      const lines = r.results.map((m) => `${m.passed ? 'pass' : 'FAIL'}\t${m.metric}\tvalue ${fmt(m.value)}\tbaseline ${fmt(m.baseline)}\t${m.rule}${m.failures.length ? `\t(${m.failures.join('; ')})` : ''}`);
      const head = `${formatRef(candidate)} (version ${r.candidate.version}) against ${r.baseline ? `version ${r.baseline.version}` : 'no baseline'}: ${r.passed ? 'passed' : 'failed'}`;
      cli.print(r, [head, ...lines].join('\n'));
      if (!r.passed) process.exitCode = 1;
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
