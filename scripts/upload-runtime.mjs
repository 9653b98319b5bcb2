#!/usr/bin/env node
// `npm run worker:runtime [-- --local] [-- --persist-to DIR] [-- --only a,b]`: puts the built browser runtime
// (dist/runtime) into the hub's R2 bucket under runtime-assets/, where the Worker serves /runtime.js and /runtime/*.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const dir = 'dist/runtime';
const bucket = flag('--bucket') ?? 'outpost-blobs';
const only = flag('--only')?.split(',');
const files = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : [join(d, n)]));
const types = { js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8', wasm: 'application/wasm', json: 'application/json' };

// --only takes files by name or by the logical name the runtime asks for (`runtime/ort/ort.wasm.bundle.min.mjs`).
const hashed = (() => {
  const stamp = join(dir, 'runtime', 'build.json');
  return existsSync(stamp) ? JSON.parse(readFileSync(stamp, 'utf8')).assets ?? {} : {};
})();
const wanted = only?.map((name) => (name.startsWith('runtime/') && hashed[name.slice('runtime/'.length)] ? `runtime/${hashed[name.slice('runtime/'.length)]}` : name));
// The build's compressed copies (.br, .gz) go with their file, stored as they are; the hub picks one by Accept-Encoding.
const original = (rel) => rel.replace(/\.(br|gz)$/, '');

for (const file of files(dir)) {
  const rel = relative(dir, file).split('\\').join('/');
  if (rel.endsWith('.map') || (wanted && !wanted.includes(original(rel)))) continue;
  const extra = [...(args.includes('--local') ? ['--local'] : ['--remote']), ...(flag('--persist-to') ? ['--persist-to', flag('--persist-to')] : [])];
  execFileSync(process.execPath, ['node_modules/wrangler/bin/wrangler.js', 'r2', 'object', 'put', `${bucket}/runtime-assets/${rel}`, '--file', file, '--content-type', types[original(rel).split('.').pop()] ?? 'application/octet-stream', ...extra], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  console.log(`runtime-assets/${rel}`);
}
