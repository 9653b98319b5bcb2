import type { Command } from 'commander';
import { HubClient } from '../shared/client/hub-client.js';
import { parseModelRef, type ModelRef } from '../shared/refs.js';

/** A failure the CLI reports as one line and an exit code (2: bad usage; the hub's own refusals exit 1). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** What every command group gets: the hub client made from the global options, and one way to print. */
export interface Cli {
  hub(): HubClient;
  readonly json: boolean;
  /** `--json` prints `data` as one JSON document; otherwise the human line(s). */
  print(data: unknown, human: string): void;
}

export function cliContext(program: Command): Cli {
  const opts = () => program.opts<{ hub: string; key?: string; json?: boolean }>();
  return {
    hub() {
      const { hub, key } = opts();
      return new HubClient({
        hub,
        key: () => {
          if (!key) throw new CliError('no API key: pass --key or set OUTPOST_KEY', 2);
          return key;
        },
        unreachable: (cause, url) =>
          new CliError(`cannot reach the hub at ${url} (${(cause as Error & { cause?: Error }).cause?.message ?? (cause as Error).message}); is it running? (outpost hub)`),
      });
    },
    get json() {
      return Boolean(opts().json);
    },
    print(data, human) {
      console.log(this.json ? JSON.stringify(data, null, 2) : human);
    },
  };
}

/** A model ref from the command line; a bad one is a usage error that names it. */
export function modelRefArg(text: string): ModelRef {
  try {
    return parseModelRef(text);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}
