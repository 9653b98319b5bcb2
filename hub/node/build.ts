import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CONSOLE_DIR = join(ROOT, 'dist', 'console');

/** Builds the console with Vite when it is not built yet, so `npm start` works right after `npm install`. */
export async function ensureConsoleBuilt(log: (line: string) => void): Promise<void> {
  if (existsSync(join(CONSOLE_DIR, 'index.html'))) return;
  log('building the console (first start)…');
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
