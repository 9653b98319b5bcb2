import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { hasBlob, putBlob } from '../../shared/client/blobs.js';
import {
  backfillPipeline,
  cancelPipelineRun,
  getPipelineRun,
  listPipelineRuns,
  listPipelines,
  readAttemptLog,
  registerPipeline,
  startPipelineRun,
} from '../../shared/client/pipelines.js';
import { parseDuration } from '../../shared/pipeline/duration.js';
import { specOf } from '../../shared/pipeline/define.js';
import { dagProblems } from '../../shared/pipeline/validate.js';
import type { PipelineRun } from '../../shared/schemas/pipelines.js';
import { bundlePipeline, importBundle } from '../pipelines/bundle.js';
import { Runner } from '../pipelines/runner.js';
import { CliError, type Cli } from '../context.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

/** `--param k=v`: the value as JSON when it parses (numbers, booleans), else the text. */
function paramOf(text: string, all: Record<string, number | string | boolean> = {}) {
  const at = text.indexOf('=');
  if (at < 1) throw new CliError(`--param ${text}: write it as name=value`, 2);
  const raw = text.slice(at + 1);
  let value: number | string | boolean = raw;
  try {
    const parsed = JSON.parse(raw);
    if (['number', 'boolean', 'string'].includes(typeof parsed)) value = parsed;
  } catch {
    // plain text
  }
  return { ...all, [text.slice(0, at)]: value };
}

/** The `--json` shape of a run (DESIGN §11): id, status, and each step's status and attempts. */
const runSummary = (run: PipelineRun) => ({ id: run.id, status: run.status, steps: Object.fromEntries(Object.entries(run.steps).map(([name, s]) => [name, { status: s.status, attempts: s.attempts }])) });

function runLines(run: PipelineRun): string {
  const steps = Object.entries(run.steps).map(([name, s]) => `  ${name}\t${s.status}\tattempts ${s.attempts}${s.error ? `\t${s.error.split('\n')[0]}` : ''}`);
  const lineage = run.lineage.map((l) => `  ${l.step}\t${l.role} ${l.kind} ${l.ref}`);
  return [`${run.id}\t${run.pipeline}/${run.version}\t${run.status}`, ...steps, ...(lineage.length ? ['lineage:', ...lineage] : [])].join('\n');
}

export function pipelineCommands(program: Command, cli: Cli) {
  const pipeline = program.command('pipeline').description('pipelines: TypeScript DAGs run by runners (docs/pipelines.md)');

  pipeline
    .command('register')
    .description('bundle a pipeline module, check its DAG, upload the bundle and register a version; prints name/N')
    .argument('<file>', 'a module whose default export is definePipeline({ … })')
    .action(async (file: string) => {
      const { bytes, digest } = await bundlePipeline(file).catch((err: Error) => {
        throw new CliError(`cannot bundle ${file}: ${err.message.split('\n')[0]}`, 2);
      });
      const definition = await importBundle(bytes, digest, join(tmpdir(), 'outpost-register')).catch((err: Error) => {
        throw new CliError(`${file}: ${err.message}`);
      });
      let spec;
      try {
        spec = specOf(definition);
      } catch (err) {
        throw new CliError(`${file}: ${(err as Error).message}`);
      }
      const problems = dagProblems(spec);
      if (problems.length) throw new CliError(`${file}: pipeline "${spec.name}" is not valid: ${problems.join('; ')}`);
      const hub = cli.hub();
      if (!(await hasBlob(hub, digest))) await putBlob(hub, digest, bytes as Uint8Array<ArrayBuffer>);
      const { created, version } = await registerPipeline(hub, digest, spec);
      cli.print({ created, ...version }, created ? version.ref : `${version.ref}`);
    });

  pipeline
    .command('run')
    .description('start a run of the latest version; with --wait, follow it and exit 0 when it succeeds, 1 when it does not')
    .argument('<name>')
    .option('--param <k=v>', 'a param (repeatable); numbers and booleans are read as such', paramOf, {})
    .option('--no-cache', 'run every step, whatever the step cache holds')
    .option('--wait', 'wait for the run to end')
    .option('--version <n>', 'run this version instead of the latest', (v) => Number(v))
    .action(async (name: string, opts: { param: Record<string, number | string | boolean>; cache: boolean; wait?: boolean; version?: number }) => {
      const hub = cli.hub();
      // A key of this invocation: if the request is retried, the hub answers the run it already started.
      const key = `cli-${crypto.randomUUID()}`;
      let run = await startPipelineRun(hub, name, { params: opts.param, noCache: !opts.cache, key, ...(opts.version ? { version: opts.version } : {}) });
      if (!opts.wait) return cli.print(runSummary(run), run.id);
      let delay = 50;
      while (!FINAL.has(run.status)) {
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(1000, delay * 2);
        run = await getPipelineRun(hub, run.id);
      }
      cli.print(runSummary(run), runLines(run));
      if (run.status !== 'succeeded') process.exitCode = 1;
    });

  pipeline
    .command('ls')
    .description('pipelines with their latest version and next scheduled time')
    .action(async () => {
      const { pipelines } = await listPipelines(cli.hub());
      cli.print(
        { pipelines },
        pipelines.length ? pipelines.map((p) => `${p.latest.ref}\t${Object.keys(p.latest.spec.steps).length} steps\t${p.latest.spec.schedule ? `${p.latest.spec.schedule.cron} next ${iso(p.nextFireAt)}` : 'no schedule'}`).join('\n') : '(no pipelines; register one with outpost pipeline register FILE)',
      );
    });

  pipeline
    .command('runs')
    .description('recent runs, newest first')
    .argument('[name]', 'of this pipeline only')
    .action(async (name?: string) => {
      const { runs } = await listPipelineRuns(cli.hub(), name);
      cli.print({ runs }, runs.map((r) => `${r.id}\t${r.pipeline}/${r.version}\t${r.status}\t${iso(r.createdAt)}`).join('\n') || '(no runs)');
    });

  pipeline
    .command('status')
    .description("a run's steps, attempts and lineage")
    .argument('<id>')
    .action(async (id: string) => {
      const run = await getPipelineRun(cli.hub(), id);
      cli.print(cli.json ? run : runSummary(run), runLines(run));
    });

  pipeline
    .command('logs')
    .description("a run's logs, every attempt of every step (or of one step)")
    .argument('<id>')
    .argument('[step]')
    .action(async (id: string, stepName?: string) => {
      const hub = cli.hub();
      const run = await getPipelineRun(hub, id);
      if (stepName && !run.steps[stepName]) throw new CliError(`run ${id} has no step "${stepName}" (steps: ${Object.keys(run.steps).join(', ')})`, 2);
      const out: string[] = [];
      for (const [name, step] of Object.entries(run.steps)) {
        if (stepName && name !== stepName) continue;
        for (const attemptId of step.attemptIds) {
          let text = '';
          for (let offset = 0; ; ) {
            const page = await readAttemptLog(hub, attemptId, offset);
            text += page.text;
            if (page.next === offset || !page.text) break;
            offset = page.next;
          }
          out.push(`== ${attemptId}`, text.replace(/\n$/, ''));
        }
      }
      console.log(out.join('\n'));
    });

  pipeline
    .command('cancel')
    .description('cancel a run; running steps stop at their next heartbeat')
    .argument('<id>')
    .action(async (id: string) => {
      const run = await cancelPipelineRun(cli.hub(), id);
      cli.print(runSummary(run), `${run.id}\t${run.status}`);
    });

  pipeline
    .command('backfill')
    .description("one run for each schedule interval between --from and --to (an interval that has a run keeps it)")
    .argument('<name>')
    .requiredOption('--from <time>', 'ISO 8601 time or epoch ms')
    .requiredOption('--to <time>', 'ISO 8601 time or epoch ms')
    .action(async (name: string, opts: { from: string; to: string }) => {
      const reply = await backfillPipeline(cli.hub(), name, opts.from, opts.to);
      cli.print(reply, `${reply.intervals} intervals: ${reply.created.length} runs started, ${reply.existing.length} had one${reply.created.length ? `\n${reply.created.join('\n')}` : ''}`);
    });

  program
    .command('runner')
    .description('lease and run pipeline steps until SIGTERM, then finish or hand back running steps and exit 0')
    .option('--labels <a,b>', 'labels this runner has (steps with runsOn need all of theirs)', 'node')
    .option('--concurrency <n>', 'steps at a time', '1')
    .addOption(new Option('--lease <duration>', 'lease length without a heartbeat').env('OUTPOST_RUNNER_LEASE').default('30s'))
    .option('--grace <duration>', 'on SIGTERM, how long running steps may finish before they are handed back', '10s')
    .action(async (opts: { labels: string; concurrency: string; lease: string; grace: string }) => {
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new CliError('--concurrency must be a whole number from 1 to 64', 2);
      let leaseMs: number;
      let graceMs: number;
      try {
        leaseMs = parseDuration(opts.lease, '--lease');
        graceMs = parseDuration(opts.grace, '--grace');
      } catch (err) {
        throw new CliError((err as Error).message, 2);
      }
      const labels = opts.labels.split(',').map((l) => l.trim()).filter(Boolean);
      const runner = new Runner({ hub: cli.hub(), labels, concurrency, leaseMs, say: (line) => console.error(`[runner] ${line}`) });
      let stopping: Promise<void> | null = null;
      const stop = () => (stopping ??= runner.stop(graceMs));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      console.error(`[runner] ${runner.name} leasing steps for labels [${labels.join(', ')}] from ${cli.hub().base}`);
      await runner.run();
      await stopping;
    });
}
