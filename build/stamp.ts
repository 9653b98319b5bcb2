import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => files(join(path, name)));
}

/** A hash of the names and contents of every file under `inputs` (files or folders, relative to the repository). */
export function sourceHash(inputs: string[]): string {
  const hash = createHash('sha256');
  for (const f of inputs.flatMap((input) => files(join(ROOT, input))).sort()) hash.update(relative(ROOT, f)).update(readFileSync(f));
  return hash.digest('hex').slice(0, 16);
}

/** Whether `stampPath` records the build of `id`, so a pull with new sources rebuilds on the next start and nothing else does. */
export const isBuilt = (stampPath: string, id: string) => existsSync(stampPath) && JSON.parse(readFileSync(stampPath, 'utf8')).build === id;

export const writeStamp = (stampPath: string, id: string) => writeFileSync(stampPath, JSON.stringify({ build: id }));

/** Runs `build` when the module is the script node was started with (`tsx build/x.ts`), and says how long it took. */
export async function runAsScript(meta: ImportMeta, build: () => Promise<string>) {
  if (!process.argv[1] || meta.filename !== process.argv[1]) return;
  const started = performance.now();
  const what = await build();
  console.log(`${what} in ${Math.round(performance.now() - started)} ms`);
}
