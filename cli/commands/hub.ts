import type { Command } from 'commander';

/** `outpost hub`: starts the hub in this process, as `npm start` does. */
export function hubCommand(program: Command): void {
  program
    .command('hub')
    .description('start the hub (the same as npm start)')
    .action(async () => {
      await import('../../hub/platform/node/server.js');
    });
}
