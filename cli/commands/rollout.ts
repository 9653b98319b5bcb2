import type { Command } from 'commander';
import { controlRollout, getRollout, listRollouts, startRollout } from '../../shared/client/rollouts.js';
import { formatDuration, parseDuration } from '../../shared/duration.js';
import type { Rollout } from '../../shared/schemas/rollouts.js';
import { CliError, type Cli } from '../context.js';

const usage = (message: string) => new CliError(message, 2);

function number(flag: string, text: string | undefined, integer = false): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw usage(`${flag} must be ${integer ? 'a whole number' : 'a number'}, got "${text}"`);
  return n;
}

function steps(text: string): number[] {
  const out = text.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isFinite(n))) throw usage(`--steps must be percentages separated by commas, like 5,25,100; got "${text}"`);
  return out;
}

const line = (r: Rollout) => {
  const f = r.figures.candidate;
  const figures = f.requests ? `, candidate ${f.requests} requests, error rate ${(f.errorRate ?? 0).toFixed(4)}, p95 ${f.p95Ms?.toFixed(1) ?? '-'} ms` : '';
  return `${r.id}\t${r.alias}: ${r.stableVersion} → ${r.candidateVersion}\t${r.state}\t${r.percent}% (step ${r.step + 1} of ${r.steps.length})${figures}`;
};

/** `outpost model rollout …` and `outpost model rollouts …`: staged rollouts of an alias to devices. */
export function rolloutCommands(model: Command, cli: Cli): void {
  model
    .command('rollout <name>')
    .description('move an alias to a version in steps of devices, checked against their telemetry; prints the rollout id last')
    .requiredOption('--alias <alias>', 'the alias to move, e.g. production')
    .requiredOption('--to <version>', 'the candidate version')
    .requiredOption('--steps <percents>', 'percentages of devices, rising to 100, e.g. 5,25,50,100')
    .requiredOption('--interval <duration>', 'how long each step runs before its check: 30s, 10m, 1h')
    .option('--max-error-rate <rate>', 'roll back when the candidate’s error rate in a step is over this (0–1)')
    .option('--max-p95-ratio <ratio>', 'roll back when the candidate’s p95 latency is over this multiple of the stable version’s')
    .option('--min-requests <n>', 'candidate requests a step needs before its check decides (default 100)')
    .option('--reason <text>', 'why (decision log)')
    .action(async (name: string, o: { alias: string; to: string; steps: string; interval: string; maxErrorRate?: string; maxP95Ratio?: string; minRequests?: string; reason?: string }) => {
      const interval = parseDuration(o.interval);
      if (interval === null) throw usage(`--interval must be a duration like 30s, 10m or 1h; got "${o.interval}"`);
      const rollout = await startRollout(cli.hub(), name, {
        alias: o.alias,
        to: number('--to', o.to, true)!,
        steps: steps(o.steps),
        interval,
        maxErrorRate: number('--max-error-rate', o.maxErrorRate),
        maxP95Ratio: number('--max-p95-ratio', o.maxP95Ratio),
        minRequests: number('--min-requests', o.minRequests, true),
        reason: o.reason,
      });
      if (!cli.json) console.error(`${name}@${rollout.alias}: version ${rollout.candidateVersion} on ${rollout.percent}% of devices, next check in ${formatDuration(rollout.intervalMs)}`);
      cli.print(rollout, rollout.id);
    });

  model
    .command('rollouts <name> [id]')
    .description('list a model’s rollouts, or show one; --pause, --resume, --abort or --promote acts on it')
    .option('--pause', 'devices keep their versions; no checks until resumed')
    .option('--resume', 'run the current step again')
    .option('--abort', 'every device back on the stable version; the alias stays')
    .option('--promote', 'move the alias to the candidate now')
    .option('--reason <text>', 'why (decision log)')
    .action(async (name: string, id: string | undefined, o: { pause?: boolean; resume?: boolean; abort?: boolean; promote?: boolean; reason?: string }) => {
      const actions = (['pause', 'resume', 'abort', 'promote'] as const).filter((a) => o[a]);
      if (actions.length > 1) throw usage(`choose one of --${actions.join(', --')}`);
      if (!id) {
        if (actions.length) throw usage(`--${actions[0]} needs a rollout id`);
        const { rollouts } = await listRollouts(cli.hub(), name);
        return cli.print(rollouts, rollouts.map(line).join('\n') || '(none)');
      }
      const rollout = actions[0] ? await controlRollout(cli.hub(), name, id, actions[0], o.reason) : await getRollout(cli.hub(), name, id);
      const log = rollout.decisions.map((d) => `  ${new Date(d.at).toISOString()} ${d.action} at ${d.percent}%: ${d.message}`);
      cli.print(rollout, [line(rollout), ...log].join('\n'));
    });
}
