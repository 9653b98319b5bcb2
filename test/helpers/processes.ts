import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** The Node hub's entry and the CLI's, as the tests spawn them: one place to change when they move. */
export const HUB_ENTRY = 'hub/platform/node/server.ts';
export const CLI_ENTRY = 'bin/outpost.mjs';
/** Node arguments that run the Node hub from source. */
export const hubArgs = () => ['--import', 'tsx', HUB_ENTRY];

/** A free loopback port, found by letting the OS pick one. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Started {
  child: ChildProcess;
  output: () => string;
  stdout: () => string;
}

/** Starts a process and keeps what it prints, for assertions and for failure messages. */
export function startProcess(command: string, args: string[], env: Record<string, string>, cwd = process.cwd()): Started {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let all = '';
  let out = '';
  child.stdout!.on('data', (d) => {
    all += d;
    out += d;
  });
  child.stderr!.on('data', (d) => (all += d));
  return { child, output: () => all, stdout: () => out };
}

/** Polls /healthz until it answers 200, the process exits, or the time runs out. */
export async function waitForHealthy(url: string, started: Started, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) throw new Error(`hub exited with ${started.child.exitCode}:\n${started.output()}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`hub at ${url} was not healthy within ${timeoutMs} ms:\n${started.output()}`);
}

export async function stopProcess(started: Started, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  const { child } = started;
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}
