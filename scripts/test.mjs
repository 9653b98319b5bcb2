#!/usr/bin/env node
// `npm test`: every tier in turn (DESIGN §8), a pass count per tier, non-zero exit on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// The vitest tiers run shuffled, files and tests alike, so no test leans on another's leftovers; the seed is printed so a failing order can be replayed.
const seed = Number(process.env.OUTPOST_TEST_SEED || Math.floor(Math.random() * 2 ** 31));
if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`OUTPOST_TEST_SEED must be a whole number, not "${process.env.OUTPOST_TEST_SEED}"`);
const shuffled = (project) => ['node_modules/vitest/vitest.mjs', 'run', '--project', project, '--sequence.shuffle', `--sequence.seed=${seed}`];

const tiers = [
  { name: 'typecheck', cmd: ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], count: (r) => ({ passed: r.status === 0 ? 1 : 0, failed: r.status === 0 ? 0 : 1, skipped: 0 }) },
  { name: 'unit', cmd: shuffled('unit') },
  { name: 'domain (in-process)', cmd: shuffled('domain') },
  { name: 'fuzz (OpenAPI, in-process)', cmd: shuffled('fuzz') },
  { name: 'hub HTTP on Node', cmd: shuffled('hub-node') },
  { name: 'hub HTTP on workerd', cmd: shuffled('hub-workerd') },
  { name: 'npm start and CLI', cmd: shuffled('start') },
  { name: 'browser (Chromium)', cmd: ['node_modules/@playwright/test/cli.js', 'test'], before: ensureChromium },
  { name: 'bench smoke', cmd: ['--import', 'tsx', 'test/bench/run.ts', '--smoke'], count: (r) => (r.status === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 }) },
];

/** Debian's Chromium for the browser tier: found, or installed with apt when running as root (CI). */
function ensureChromium() {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (existsSync(path)) return;
  if (process.getuid?.() !== 0) throw new Error(`Chromium not found at ${path}: run "sudo apt-get install -y chromium" or set CHROMIUM_PATH`);
  console.log('Installing Debian Chromium for the browser tier…');
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed`);
  }
}

// Vitest: "Tests  12 passed (12)" or "Tests  1 failed | 11 passed (12)"; Playwright: "  12 passed (3.1s)".
function counts(output) {
  const clean = output.replace(/\x1b\[[0-9;]*m/g, '');
  const vitest = /Tests\s+(.*)\((\d+)\)/.exec(clean);
  const text = vitest ? vitest[1] : clean.split('\n').filter((l) => /^\s+\d+ (passed|failed|flaky|skipped)/.test(l)).join(' ');
  const n = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(text)?.[1] ?? 0);
  return { passed: n('passed'), failed: n('failed') + n('flaky'), skipped: n('skipped') };
}

const only = process.argv.slice(2);
const results = [];
console.log(`test order seed: ${seed} (replay with OUTPOST_TEST_SEED=${seed} npm test)`);
for (const tier of tiers.filter((t) => only.length === 0 || only.some((o) => t.name.includes(o)))) {
  console.log(`\n=== ${tier.name} ===`);
  try {
    tier.before?.();
  } catch (err) {
    console.error(err.message);
    results.push({ tier: tier.name, ok: false, passed: 0, failed: 1, skipped: 0 });
    continue;
  }
  const r = spawnSync(process.execPath, tier.cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const c = tier.count ? tier.count(r) : counts(r.stdout + r.stderr);
  const ok = r.status === 0 && c.failed === 0 && c.passed > 0;
  results.push({ tier: tier.name, ok, ...c });
}

console.log('\n=== summary ===');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.tier}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`);
const passed = results.reduce((s, r) => s + r.passed, 0);
const failed = results.reduce((s, r) => s + r.failed + (r.ok || r.failed ? 0 : 1), 0);
console.log(`${passed} passed, ${failed} failed (test order seed ${seed})`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
