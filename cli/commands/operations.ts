import { Option, type Command } from 'commander';
import { collectBlobs } from '../../hub/blobs/gc.js';
import { ConfigError, readConfig, type HubConfig } from '../../hub/config.js';
import { openLibsql } from '../../hub/db/libsql.js';
import { backupHub } from '../../hub/ops/backup.js';
import { restoreHub } from '../../hub/ops/restore.js';
import { FsBlobStore } from '../../hub/platform/node/fs-store.js';
import { dropOldTelemetry } from '../../hub/telemetry/retention.js';
import { CliError, type Cli } from '../context.js';

/**
 * `outpost backup`, `restore` and `gc`: housekeeping of a Node hub's data, run on the machine that holds it (the
 * same OUTPOST_DATA_DIR / OUTPOST_DB_URL / OUTPOST_BLOB_DIR as the hub, or --data-dir), like `mlflow gc
 * --backend-store-uri`. They work on every project at once, which no API key may; the hub may keep running.
 */

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function durationArg(text: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new CliError(`"${text}" is not a duration: write it like 30s, 10m, 24h or 90d`, 2);
  return Number(m[1]) * DURATION_UNITS[m[2]!]!;
}

function hubConfig(dataDir: string | undefined): HubConfig {
  try {
    return readConfig(dataDir ? { ...process.env, OUTPOST_DATA_DIR: dataDir } : process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, 2);
    throw err;
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const dataDirOption = () => new Option('--data-dir <dir>', "the hub's data folder (default: OUTPOST_DATA_DIR or ./.outpost)");
const failure = (err: unknown) => (err instanceof CliError ? err : new CliError((err as Error).message));

export function operationsCommands(program: Command, cli: Cli): void {
  program
    .command('backup <file>')
    .description("write a backup archive of the hub's data: a consistent database snapshot, its blob manifest and the blobs (the hub may keep running)")
    .addOption(dataDirOption())
    .option('--no-blobs', 'leave the blob bytes out (the manifest still lists them; restore then needs --blobs-from)')
    .action(async (file: string, opts: { dataDir?: string; blobs: boolean }) => {
      const manifest = await backupHub(hubConfig(opts.dataDir), file, { blobs: opts.blobs }).catch((err) => Promise.reject(failure(err)));
      const bytes = manifest.blobs.reduce((n, b) => n + b.size, 0);
      cli.print(
        { file, database: manifest.database, blobs: manifest.blobs.length, blobBytes: bytes, blobsIncluded: manifest.blobsIncluded },
        `backed up the database (${mb(manifest.database.size)}) and ${manifest.blobs.length} blob(s) (${mb(bytes)}${manifest.blobsIncluded ? '' : ', listed only'}) to ${file}`,
      );
    });

  program
    .command('restore <file>')
    .description('restore a backup into an empty data folder, checking every blob against its digest')
    .addOption(dataDirOption())
    .option('--blobs-from <dir>', 'a blob folder to take the blobs from that the archive does not hold (a --no-blobs backup)')
    .action(async (file: string, opts: { dataDir?: string; blobsFrom?: string }) => {
      const config = hubConfig(opts.dataDir);
      const result = await restoreHub(config, file, { blobsFrom: opts.blobsFrom }).catch((err) => Promise.reject(failure(err)));
      cli.print(
        { dataDir: config.dataDir, blobsVerified: result.blobsVerified, blobBytes: result.bytes, backupCreatedAt: result.manifest.createdAt },
        `restored the backup of ${result.manifest.createdAt} into ${config.dataDir}: database and ${result.blobsVerified} blob(s) (${mb(result.bytes)}), every digest checked`,
      );
    });

  program
    .command('gc')
    .description('delete blobs no project refers to any more, and telemetry past its retention')
    .addOption(dataDirOption())
    .option('--dry-run', 'only say what would be deleted')
    .addOption(new Option('--grace <duration>', 'spare blobs uploaded within this time (a model registered after its files)').env('OUTPOST_BLOB_GRACE').default('24h'))
    .addOption(new Option('--telemetry-retention <duration>', 'drop device telemetry older than this').env('OUTPOST_TELEMETRY_RETENTION').default('90d'))
    .action(async (opts: { dataDir?: string; dryRun?: boolean; grace: string; telemetryRetention: string }) => {
      const graceMs = durationArg(opts.grace);
      const retentionMs = durationArg(opts.telemetryRetention);
      const config = hubConfig(opts.dataDir);
      const { db, close } = await openLibsql(config.dbUrl, config.dbToken).catch((err) => Promise.reject(failure(err)));
      try {
        const now = Date.now();
        const dryRun = Boolean(opts.dryRun);
        const blobs = await collectBlobs(db, new FsBlobStore(config.blobDir), { graceMs, now, dryRun });
        const telemetry = await dropOldTelemetry(db, { retentionMs, now, dryRun });
        const verb = dryRun ? 'would delete' : 'deleted';
        cli.print(
          { dryRun, blobs: blobs.blobs.map((b) => b.digest), blobBytes: blobs.bytes, telemetryMinutes: telemetry.minutes, telemetryDevices: telemetry.devices },
          `${verb} ${blobs.blobs.length} unreferenced blob(s) (${mb(blobs.bytes)}) and telemetry older than ${opts.telemetryRetention} (${telemetry.minutes} minute row(s), ${telemetry.devices} device(s))`,
        );
      } finally {
        close();
      }
    });
}
