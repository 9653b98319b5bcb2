import type { Command } from 'commander';
import { listExperiments, searchRuns } from '../../shared/client/tracking.js';
import { CliError, type Cli } from '../context.js';

/** `outpost runs …`: experiment runs. */
export function runsCommands(program: Command, cli: Cli): void {
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
      const hub = cli.hub();
      const { experiments } = await listExperiments(hub);
      const chosen = options.experiment ? experiments.filter((e) => options.experiment!.includes(e.name)) : experiments;
      if (!chosen.length) throw new CliError(options.experiment ? `no experiment named ${options.experiment.join(', ')}` : 'no experiments yet');
      const { runs: found } = await searchRuns(hub, { experimentIds: chosen.map((e) => e.id), filter: options.filter, orderBy: options.orderBy, limit: Number(options.limit) });
      const human = found.map((r) => `${r.id}\t${r.name}\t${r.status}\t${Object.entries(r.metrics).map(([k, m]) => `${k}=${m.value}`).join(' ')}`);
      cli.print(found, human.join('\n') || '(no runs match)');
    });
}
