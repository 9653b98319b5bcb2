import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../hub/version.js';
import { dataCommands } from './commands/data.js';
import { featuresCommands } from './commands/features.js';
import { hubCommand } from './commands/hub.js';
import { modelCommands } from './commands/model.js';
import { operationsCommands } from './commands/operations.js';
import { pipelineCommands } from './commands/pipelines.js';
import { runsCommands } from './commands/runs.js';
import { teamCommands } from './commands/team.js';
import { CliError, cliContext } from './context.js';

/**
 * `outpost`: the registry, runs, feature store and datasets from a terminal or a CI job, a client of the hub's REST API (shared/client).
 * Exit codes: 0 done, 1 the hub refused or failed, 2 bad usage. `--json` prints one JSON document on stdout for
 * scripts; errors are one line on stderr. A command group is one file in cli/commands/, added to the list below.
 */
const program = new Command('outpost')
  .description('Outpost: models at the edge — registry, runs, features, datasets and the hub')
  .version(VERSION)
  .addOption(new Option('--hub <url>', 'hub URL').env('OUTPOST_HUB').default('http://127.0.0.1:8787'))
  .addOption(new Option('--key <key>', 'API key (sk_…)').env('OUTPOST_KEY'))
  .option('--json', 'print machine-readable JSON')
  .showHelpAfterError()
  .exitOverride();

const cli = cliContext(program);
// Each group adds its commands with program.command(), so they inherit exitOverride and the help settings.
for (const addGroup of [modelCommands, runsCommands, featuresCommands, dataCommands, hubCommand, operationsCommands, pipelineCommands, teamCommands]) addGroup(program, cli);

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  const code = err instanceof CliError ? err.exitCode : 1;
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(code);
}
