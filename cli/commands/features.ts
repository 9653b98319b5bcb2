import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { applyFeatures, listFeatures, materializeFeatures, materializeIncremental, onlineFeatures, type FeatureList } from '../../shared/client/features.js';
import { OutpostError } from '../../shared/errors.js';
import type { ApplyPlan } from '../../shared/schemas/features.js';
import { CliError, type Cli } from '../context.js';

const KINDS = [
  ['entities', 'entity'],
  ['feature_views', 'feature view'],
  ['feature_services', 'feature service'],
] as const;
const ACTIONS = ['created', 'updated', 'unchanged', 'deleted'] as const;

/** A definitions file: JSON when it ends in .json, YAML otherwise (YAML reads JSON too). */
async function readDefinitions(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, 2);
  });
  let doc: unknown;
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new CliError(`${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`, 2);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new CliError(`${path} must hold a mapping with entities, feature_views and feature_services`, 2);
  return doc as Record<string, unknown>;
}

function planLines(plan: ApplyPlan): string {
  const lines: string[] = [];
  for (const action of ACTIONS) for (const [kind, label] of KINDS) for (const name of plan[action][kind]) lines.push(`${action}\t${label} ${name}`);
  lines.push(...plan.breaking.map((b) => `breaking (forced)\t${b}`));
  const count = (action: (typeof ACTIONS)[number]) => KINDS.reduce((n, [kind]) => n + plan[action][kind].length, 0);
  lines.push(ACTIONS.map((a) => `${count(a)} ${a}`).join(', '));
  return lines.join('\n');
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
const sourceOf = (source: FeatureList['feature_views'][number]['source']) =>
  'push' in source ? `push:${source.push}` : 'file' in source ? `file:${source.file.slice(0, 15)}…` : `dataset:${source.dataset}:${source.path}`;

function listLines(list: FeatureList): string {
  if (!list.feature_views.length && !list.feature_services.length) return '(no feature views or services; define them in a file and run outpost features apply FILE)';
  const keys = new Map(list.entities.map((e) => [e.name, e.join_keys.join(',')]));
  const views = list.feature_views.map((v) =>
    [
      v.name,
      v.entities.map((e) => `${e}(${keys.get(e) ?? '?'})`).join(' '),
      `${v.schema.length} fields`,
      `ttl ${v.ttl ? `${v.ttl}s` : 'none'}`,
      sourceOf(v.source),
      `${v.online ? 'online' : 'offline only'}${v.devices ? ', devices' : ''}`,
      `materialized until ${iso(v.materialized_until)}`,
    ].join('\t'),
  );
  const services = list.feature_services.map((s) => `${s.name}\t${s.features.length} features\t${s.features.join(',')}`);
  return ['feature views:', ...views.map((l) => `  ${l}`), 'feature services:', ...(services.length ? services.map((l) => `  ${l}`) : ['  (none)'])].join('\n');
}

/** A timestamp option as the hub reads it: digits are epoch ms, anything else goes as the ISO 8601 text it is. */
const timestampOption = (text: string) => (/^\d+$/.test(text) ? Number(text) : text);

/** `--entity key=value` options as entity columns; an int64 join key's values go as numbers. */
function entityColumns(pairs: string[], list: FeatureList): Record<string, Array<string | number>> {
  const types = new Map(list.entities.flatMap((e) => e.join_keys.map((k) => [k, e.value_type] as const)));
  const columns: Record<string, Array<string | number>> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new CliError(`--entity takes key=value, got "${pair}"`, 2);
    const key = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    if (types.get(key) === 'int64' && !/^-?\d+$/.test(text)) throw new CliError(`--entity ${key}: "${text}" is not an int64 (the join key's type)`, 2);
    (columns[key] ??= []).push(types.get(key) === 'int64' ? Number(text) : text);
  }
  const lengths = new Set(Object.values(columns).map((c) => c.length));
  if (lengths.size > 1) throw new CliError(`every join key needs the same number of --entity values (${Object.entries(columns).map(([k, c]) => `${k}: ${c.length}`).join(', ')})`, 2);
  return columns;
}

const cell = (v: unknown) => (v === null || v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));

/** `outpost features …`: apply definitions, list them, materialize, read online values. */
export function featuresCommands(program: Command, cli: Cli): void {
  const features = program.command('features').description('the feature store: apply definitions, list them, materialize, read online values');

  features
    .command('apply <file>')
    .description('make the project\'s feature definitions those of a YAML or JSON file (what it lacks is deleted); prints the plan')
    .option('--force', 'make breaking changes (a field retyped or removed, a view removed or rekeyed), dropping the changed views\' rows')
    .action(async (file: string, options: { force?: boolean }) => {
      const doc = await readDefinitions(file);
      const plan = await applyFeatures(cli.hub(), { ...doc, force: Boolean(options.force) }).catch((err: unknown) => {
        if (err instanceof OutpostError && err.status === 409) throw new CliError(`${err.message}; rerun with --force to make them`);
        throw err;
      });
      cli.print(plan, planLines(plan));
    });

  features
    .command('ls')
    .description('list feature views and feature services')
    .action(async () => {
      const list = await listFeatures(cli.hub());
      cli.print(list, listLines(list));
    });

  features
    .command('materialize')
    .description('copy the latest offline row per entity in a time window into the online store')
    .option('--start <time>', 'window start: ISO 8601 or epoch ms (not with --incremental)')
    .requiredOption('--end <time>', 'window end: ISO 8601 or epoch ms')
    .option('--views <names>', 'comma-separated feature views (default: every online view)')
    .option('--incremental', 'start each view where its last materialization stopped')
    .action(async (options: { start?: string; end: string; views?: string; incremental?: boolean }) => {
      if (options.incremental && options.start) throw new CliError('--start and --incremental exclude each other: incremental starts where the last run stopped', 2);
      if (!options.incremental && !options.start) throw new CliError('--start is required (or --incremental)', 2);
      const feature_views = options.views?.split(',').map((v) => v.trim()).filter(Boolean);
      const end_ts = timestampOption(options.end);
      const reply = options.incremental
        ? await materializeIncremental(cli.hub(), { end_ts, feature_views })
        : await materializeFeatures(cli.hub(), { start_ts: timestampOption(options.start!), end_ts, feature_views });
      cli.print(reply, reply.views.map((v) => `${v.name}\t${iso(v.start_ts)} → ${iso(v.end_ts)}\t${v.rows} rows`).join('\n') || '(no online views)');
    });

  features
    .command('get <service-or-refs>')
    .description('read online values: a feature service, or view:field references separated by commas')
    .option('--entity <key=value>', 'a join key value; repeat for more keys or more entity rows', (pair: string, pairs: string[]) => [...pairs, pair], [] as string[])
    .option('--full-names', 'name features view__field')
    .action(async (what: string, options: { entity: string[]; fullNames?: boolean }) => {
      if (!options.entity.length) throw new CliError('give the entity to read with --entity key=value (one per join key)', 2);
      const hub = cli.hub();
      const refs = what.includes(':') ? what.split(',').map((r) => r.trim()).filter(Boolean) : null;
      if (refs?.some((r) => !/^[^:]+:[^:]+$/.test(r))) throw new CliError(`features are view:field references separated by commas, got "${what}"`, 2);
      const entities = entityColumns(options.entity, await listFeatures(hub));
      const reply = await onlineFeatures(hub, { entities, ...(refs ? { features: refs } : { feature_service: what }), full_feature_names: Boolean(options.fullNames) });
      const names = reply.metadata.feature_names;
      const keyCount = Object.keys(entities).length;
      const human = reply.results.map((row) =>
        [
          names.slice(0, keyCount).map((n, i) => `${n}=${cell(row.values[i])}`).join(' '),
          ...names.slice(keyCount).map((n, j) => {
            const i = keyCount + j;
            return `  ${n}\t${cell(row.values[i])}\t${row.statuses[i]}${row.statuses[i] === 'NOT_FOUND' ? '' : `\t${row.event_timestamps[i]}`}`;
          }),
        ].join('\n'),
      );
      cli.print(reply, human.join('\n'));
    });
}
