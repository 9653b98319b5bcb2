import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CONSOLE_DIR = join(ROOT, 'dist', 'console');
const STAMP = join(ROOT, 'dist', 'console-build.json');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** A hash of what the console is built from, so a pull with new console code rebuilds it on the next start. */
function sourceHash(): string {
  const hash = createHash('sha256');
  for (const f of [...files(join(ROOT, 'console')), ...files(join(ROOT, 'shared')), join(ROOT, 'vite.config.ts')].sort()) hash.update(relative(ROOT, f)).update(readFileSync(f));
  return hash.digest('hex').slice(0, 16);
}

/** Builds the console with Vite unless dist/console holds the build of the current sources, so `npm start` works right after `npm install` or a pull. */
export async function ensureConsoleBuilt(log: (line: string) => void): Promise<void> {
  const hash = sourceHash();
  const built = existsSync(join(CONSOLE_DIR, 'index.html')) && existsSync(STAMP) && JSON.parse(readFileSync(STAMP, 'utf8')).hash === hash;
  if (built) return;
  log('building the console…');
  const { build } = await import('vite');
  // A production build whoever starts the hub: under a test runner NODE_ENV is "test", and Vite would then build
  // without import.meta.env.PROD (no service worker, so no offline reload).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  writeFileSync(STAMP, JSON.stringify({ hash }));
}
