import type { Command } from 'commander';
import { diffDatasetVersions, listDatasets, listDatasetVersions, type Dataset } from '../../shared/client/datasets.js';
import { formatRef } from '../../shared/refs.js';
import type { Cli } from '../context.js';
import { addDiffPage, changeLines, dvcShape, noChanges } from '../data/changes.js';
import { datasetNameArg } from '../data/folder.js';
import { importDvc } from '../data/import-dvc.js';
import { pullDataset } from '../data/pull.js';
import { pushDataset } from '../data/push.js';
import { datasetRefArg, versionSegment } from '../data/refs.js';
import { retryingOnce } from '../data/retry.js';
import { datasetStatus } from '../data/status.js';
import { formatBytes } from '../progress.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** `outpost data …`: dataset versions — push a folder, pull a version, status, diff, list, log, import from DVC. */
export function dataCommands(program: Command, cli: Cli): void {
  const hub = () => retryingOnce(cli.hub());
  const data = program.command('data').description('dataset versions: push a folder, pull a version, status, diff, ls, log, import-dvc');

  data
    .command('push <dir>')
    .description('hash a folder (unchanged files from the local hash cache), upload what the hub lacks and register the next version; prints ds/N last')
    .requiredOption('--name <name>', 'dataset name')
    .option('-m, --message <text>', 'what this version is', '')
    .action(async (dir: string, options: { name: string; message: string }) => {
      const r = await pushDataset(hub(), dir, datasetNameArg(options.name), options.message);
      const tables = r.tables.computed + r.tables.failed ? `, statistics of ${r.tables.computed + r.tables.failed} tables computed${r.tables.failed ? ` (${r.tables.failed} did not parse)` : ''}` : '';
      const counts = `${r.files} files (${formatBytes(r.bytes)}), ${r.uploadedFiles} new uploaded (${formatBytes(r.uploadedBytes)}), ${r.hashedFiles} hashed${tables}`;
      cli.print(r, `${counts}\n${r.unchanged ? `unchanged: ${r.ref}` : r.ref}`);
    });

  data
    .command('pull <ref> <dir>')
    .description('write a version (ds, ds/3, ds@alias) into a folder: only missing or different files are downloaded, each verified, written atomically')
    .option('--delete', 'remove local files the version does not have')
    .action(async (ref: string, dir: string, options: { delete?: boolean }) => {
      const r = await pullDataset(hub(), ref, dir, options);
      const extra = r.deleted.length ? `, ${r.deleted.length} deleted` : r.notInVersion ? `, ${r.notInVersion} local files not in ${r.ref} kept (--delete removes them)` : '';
      cli.print(r, `${r.ref} → ${r.dir}: ${r.files} files, ${r.downloaded} downloaded (${formatBytes(r.downloadedBytes)})${extra}`);
    });

  data
    .command('status <dir>')
    .description('what a push would change against the latest version (or --against REF), uploading nothing')
    .requiredOption('--name <name>', 'dataset name')
    .option('--against <ref>', 'compare with this version instead of the latest')
    .action(async (dir: string, options: { name: string; against?: string }) => {
      const r = await datasetStatus(hub(), dir, datasetNameArg(options.name), options.against);
      const head = r.against ? `${dir} against ${r.against}` : `${options.name} has no version yet: every file is new`;
      cli.print({ against: r.against, ...dvcShape(r.changes) }, `${head}\n${changeLines(r.changes)}`);
    });

  data
    .command('diff <from> <to>')
    .description('what changed from one version to another (ds/2 ds/3); --json prints DVC\'s shape')
    .action(async (fromText: string, toText: string) => {
      datasetRefArg(fromText);
      const to = datasetRefArg(toText);
      const client = hub();
      const changes = noChanges();
      let after: string | undefined;
      let names = { from: fromText, to: toText };
      do {
        const page = await diffDatasetVersions(client, to.name, versionSegment(to), fromText, { after, limit: 10_000 });
        names = { from: page.from, to: page.to };
        addDiffPage(changes, page);
        after = page.next ?? undefined;
      } while (after !== undefined);
      cli.print(dvcShape(changes), `${names.from} → ${names.to}\n${changeLines(changes)}`);
    });

  data
    .command('ls')
    .description('datasets with their latest version')
    .action(async () => {
      const { datasets } = await listDatasets(hub());
      cli.print(datasets, datasets.map(datasetLine).join('\n') || '(no datasets; outpost data push DIR --name NAME makes one)');
    });

  data
    .command('log <name>')
    .description('a dataset\'s versions with their messages, newest first')
    .action(async (nameText: string) => {
      const name = datasetNameArg(nameText);
      const client = hub();
      const versions = [];
      let before: number | undefined;
      do {
        const page = await listDatasetVersions(client, name, { before, limit: 1000 });
        versions.push(...page.versions);
        before = page.next ?? undefined;
      } while (before !== undefined);
      const human = versions.map(
        (v) => `${v.ref}\t${iso(v.createdAt)}\t${v.files} files\t${formatBytes(v.bytes)}${v.aliases.length ? `\t@${v.aliases.join(',@')}` : ''}\t${v.message || '-'}`,
      );
      cli.print(versions, human.join('\n'));
    });

  data
    .command('import-dvc <file>')
    .description('register what a .dvc file tracks, read from a DVC cache or local remote, as a version (md5s checked as DVC does)')
    .requiredOption('--cache <dir>', 'the DVC cache (.dvc/cache) or a local remote holding the objects')
    .option('--name <name>', 'dataset name (default: the tracked folder\'s name)')
    .option('-m, --message <text>', 'what this version is (default: names the .dvc file and its md5)')
    .action(async (file: string, options: { cache: string; name?: string; message?: string }) => {
      const r = await importDvc(hub(), file, options.cache, options);
      const counts = `${r.files} files (${formatBytes(r.bytes)}) verified against their DVC md5, ${r.uploadedFiles} new uploaded (${formatBytes(r.uploadedBytes)})`;
      cli.print(r, `${counts}\n${r.unchanged ? `unchanged: ${r.ref}` : r.ref}`);
    });
}

function datasetLine(d: Dataset): string {
  const latest = d.latest ? `${formatRef({ name: d.name, version: d.latest.version })}\t${d.latest.files} files\t${formatBytes(d.latest.bytes)}\t${iso(d.latest.createdAt)}` : `${d.name}\t(no versions)`;
  const aliases = Object.entries(d.aliases).map(([a, v]) => `${a}=${v}`).join(',');
  return `${latest}${aliases ? `\t${aliases}` : ''}`;
}
