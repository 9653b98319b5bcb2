/** Builds the console with Vite into dist/console, the folder the Node hub serves at `/`. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isBuilt, ROOT, runAsScript, sourceHash, writeStamp } from './stamp.js';

export const CONSOLE_DIR = join(ROOT, 'dist', 'console');
const STAMP = join(ROOT, 'dist', 'console-build.json');
const SOURCES = ['console', 'shared', 'vite.config.ts', 'build/console.ts', 'build/stamp.ts'];

export async function buildConsole(): Promise<string> {
  const id = sourceHash(SOURCES);
  const { build } = await import('vite');
  // A production build whoever starts it: under a test runner NODE_ENV is "test", and Vite would then build
  // without import.meta.env.PROD (no service worker, so no offline reload).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  writeStamp(STAMP, id);
  return id;
}

/** Builds unless dist/console holds the build of the current sources, so `npm start` works right after `npm install` or a pull. */
export async function ensureConsoleBuilt(log: (line: string) => void): Promise<void> {
  if (existsSync(join(CONSOLE_DIR, 'index.html')) && isBuilt(STAMP, sourceHash(SOURCES))) return;
  log('building the console…');
  await buildConsole();
}

await runAsScript(import.meta, async () => `console ${await buildConsole()} built into dist/console`);
