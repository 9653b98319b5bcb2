import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cliHub } from '../helpers/cli-hub.js';
import { hubProxy } from '../helpers/hub-proxy.js';

const cli = cliHub('cli-data');
// The hash cache goes in the test's work folder, not the user's ~/.cache.
process.env.OUTPOST_CACHE_DIR = join(cli.work, 'hash-cache');
let folders = 0;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** A fresh folder holding `files` (path → contents). */
function folder(files: Record<string, string | Buffer> = {}): string {
  const dir = join(cli.work, `folder-${folders++}`);
  mkdirSync(dir, { recursive: true });
  for (const [path, body] of Object.entries(files)) write(dir, path, body);
  return dir;
}
function write(dir: string, path: string, body: string | Buffer) {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), body);
}
/** Every regular file under a folder, path → contents. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const full = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
      out[relative(dir, full).split(sep).join('/')] = readFileSync(full, 'utf8');
    }
  return out;
}
const lastLine = (text: string) => text.trim().split('\n').at(-1);
const md5 = (b: string | Buffer) => createHash('md5').update(b).digest('hex');

// Nested folders, unicode names (one above U+FFFF, one in U+E000–FFFF: they order differently in UTF-16 and UTF-8), an empty file.
const FIRST = {
  'README.md': 'hello',
  'train/données/été.csv': 'a,b\n1,2\n',
  'train/日本/ファイル.txt': 'nihon',
  'train/😀.bin': 'emoji',
  'train/ｚ-fullwidth.txt': 'fullwidth',
  'empty.txt': '',
  'test/deep/er/still/x.json': '{"x":1}',
};

describe('outpost data', () => {
  it('pushes a folder, pulls it back, reports status and diff in DVC\'s shape, and makes no version for an unchanged folder', async () => {
    const { run } = await cli.newProject();
    const src = folder(FIRST);
    symlinkSync(join(src, 'README.md'), join(src, 'link.md'));

    const first = await run('data', 'push', src, '--name', 'ds', '-m', 'first cut');
    expect(first.code, first.stderr).toBe(0);
    expect(lastLine(first.stdout)).toBe('ds/1');
    expect(first.stdout).toContain('7 files');
    expect(first.stderr).toContain('skipped link.md: a symbolic link (not followed)');
    // The push had the hub compute the one table's schema and statistics.
    expect(first.stdout).toContain('statistics of 1 tables computed');

    const copy = folder({ 'stale.txt': 'not in the version' });
    const pulled = await run('--json', 'data', 'pull', 'ds/1', copy);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ ref: 'ds/1', files: 7, downloaded: 7, notInVersion: 1, deleted: [] });
    expect(contents(copy)).toEqual({ ...FIRST, 'stale.txt': 'not in the version' });

    // A rename, a delete, a change, an addition.
    renameSync(join(src, 'train/日本/ファイル.txt'), join(src, 'train/日本/renamed.txt'));
    unlinkSync(join(src, 'README.md'));
    write(src, 'train/données/été.csv', 'a,b\n1,2\n3,4\n');
    write(src, 'new/added.txt', 'added');
    const dvc = {
      added: [{ path: 'new/added.txt' }],
      deleted: [{ path: 'README.md' }],
      modified: [{ path: 'train/données/été.csv' }],
      renamed: [{ path: { old: 'train/日本/ファイル.txt', new: 'train/日本/renamed.txt' } }],
    };
    const status = await run('--json', 'data', 'status', src, '--name', 'ds');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({ against: 'ds/1', ...dvc });

    const second = await run('--json', 'data', 'push', src, '--name', 'ds', '-m', 'second cut');
    expect(second.code, second.stderr).toBe(0);
    // Status read the changed and the added file; the push read none (all from the hash cache) and uploaded those two.
    expect(JSON.parse(second.stdout)).toMatchObject({ ref: 'ds/2', created: true, files: 7, hashedFiles: 0, uploadedFiles: 2, tables: { computed: 1, failed: 0, later: 0 } });

    const diff = await run('--json', 'data', 'diff', 'ds/1', 'ds/2');
    expect(diff.code, diff.stderr).toBe(0);
    expect(JSON.parse(diff.stdout)).toEqual(dvc);
    const human = await run('data', 'diff', 'ds/1', 'ds'); // bare: the latest version
    expect(human.stdout).toBe(
      ['ds/1 → ds/2', 'Added:', '    new/added.txt', '', 'Deleted:', '    README.md', '', 'Modified:', '    train/données/été.csv', '', 'Renamed:', '    train/日本/ファイル.txt -> train/日本/renamed.txt', '', 'files summary: 1 added, 1 deleted, 1 modified, 1 renamed', ''].join('\n'),
    );

    const again = await run('--json', 'data', 'status', src, '--name', 'ds');
    expect(JSON.parse(again.stdout)).toEqual({ against: 'ds/2', added: [], deleted: [], modified: [], renamed: [] });
    const unchanged = await run('data', 'push', src, '--name', 'ds', '-m', 'nothing new');
    expect(unchanged.code, unchanged.stderr).toBe(0);
    expect(lastLine(unchanged.stdout)).toBe('unchanged: ds/2');
    expect(unchanged.stdout).toContain('0 hashed');

    // Pull ds/2 over the ds/1 copy: only what differs is downloaded; --delete removes what ds/2 lacks.
    const over = await run('--json', 'data', 'pull', 'ds', copy, '--delete');
    expect(over.code, over.stderr).toBe(0);
    expect(JSON.parse(over.stdout)).toMatchObject({ ref: 'ds/2', downloaded: 3, deleted: ['README.md', 'stale.txt', 'train/日本/ファイル.txt'] });
    const expected = contents(src);
    expect(contents(copy)).toEqual(expected);
    expect(readdirSync(copy)).not.toContain('.outpost');

    const log = await run('data', 'log', 'ds');
    expect(log.stdout.trim().split('\n').map((l) => [l.split('\t')[0], l.split('\t').at(-1)])).toEqual([
      ['ds/2', 'second cut'],
      ['ds/1', 'first cut'],
    ]);
    const ls = await run('data', 'ls');
    expect(ls.stdout.split('\t').slice(0, 2)).toEqual(['ds/2', '7 files']);
  });

  it('resumes an interrupted push: blobs uploaded before the kill are not sent again, nor the draft pages the hub has', async () => {
    const { admin } = await cli.newProject();
    // Long paths make a draft page (256 KiB of JSON) hold about 290 entries, so 600 files take three pages.
    const long = 'p'.repeat(200);
    const files: Record<string, string> = {};
    for (let i = 0; i < 600; i++) files[`${long}/${long}/${long}/${String(i).padStart(4, '0')}-${long}.txt`] = `file ${i}`;
    const src = folder(files);

    let killOn: (method: string, path: string) => boolean = () => false;
    const proxy = await hubProxy(() => cli.url, (method, path) => (killOn(method, path) ? { hold: true } : { pass: true }));
    closers.push(proxy.close);
    const interrupted = async (when: (method: string, path: string) => boolean) => {
      let seen = false;
      const push = cli.outpost(admin, ['--hub', proxy.url, 'data', 'push', src, '--name', 'big']);
      killOn = (method, path) => {
        if (seen || !when(method, path)) return false;
        seen = true;
        push.child.kill('SIGKILL');
        return true;
      };
      const result = await push.done;
      await proxy.settled();
      expect(seen, result.stderr).toBe(true);
      expect(result.code).toBe(null);
    };

    let uploads = 0;
    await interrupted((method, path) => method === 'PUT' && path.startsWith('/v1/blobs/') && ++uploads === 100);
    const uploadedBeforeKill = proxy.count('PUT', '/v1/blobs/');
    expect(uploadedBeforeKill).toBeGreaterThanOrEqual(99);
    expect(uploadedBeforeKill).toBeLessThan(600);

    let appends = 0;
    await interrupted((method, path) => method === 'POST' && /\/drafts\/[^/]+\/files$/.test(path) && ++appends === 2);
    expect(proxy.count('PUT', '/v1/blobs/')).toBe(600);
    expect(proxy.count('POST', /\/drafts\/[^/]+\/files$/)).toBe(1);

    const resumed = cli.outpost(admin, ['--hub', proxy.url, '--json', 'data', 'push', src, '--name', 'big']);
    const done = await resumed.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/resuming an interrupted push \(draft push-[0-9a-f]{40}: \d+ of 600 entries already sent\)/);
    expect(JSON.parse(done.stdout)).toMatchObject({ ref: 'big/1', created: true, files: 600, uploadedFiles: 0, resumedDraft: true });
    expect(proxy.count('PUT', '/v1/blobs/')).toBe(600);
    expect(proxy.count('POST', /\/drafts\/[^/]+\/files$/)).toBe(3);
  });

  it('refuses bytes that do not match their digest at pull, writing nothing at that path', async () => {
    const { admin, run } = await cli.newProject();
    const src = folder({ 'good.txt': 'good', 'bad/target.txt': 'the real bytes' });
    expect((await run('data', 'push', src, '--name', 'ds')).code).toBe(0);
    const badDigest = `sha256:${createHash('sha256').update('the real bytes').digest('hex')}`;
    const proxy = await hubProxy(() => cli.url, (method, path) =>
      method === 'GET' && path === `/v1/blobs/${badDigest}` ? { pass: true, body: () => Buffer.from('forged bytes!!') } : { pass: true },
    );
    closers.push(proxy.close);
    const dest = folder();
    const pull = await cli.outpost(admin, ['--hub', proxy.url, 'data', 'pull', 'ds/1', dest]).done;
    expect(pull.code).toBe(1);
    expect(pull.stderr).toContain(`error: bad/target.txt: the hub sent bytes that hash to sha256:${createHash('sha256').update('forged bytes!!').digest('hex')}, not ${badDigest}; nothing written at that path`);
    expect(existsSync(join(dest, 'bad', 'target.txt'))).toBe(false);
    expect(readdirSync(join(dest, 'bad'))).toEqual([]);
  });

  it('exits 2 on bad usage, naming what was wrong', async () => {
    const { run } = await cli.newProject();
    const noName = await run('data', 'push', folder());
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain("required option '--name <name>' not specified");
    const badName = await run('data', 'push', folder(), '--name', '../x');
    expect([badName.code, badName.stderr.trim()]).toEqual([2, 'error: --name "../x" must start with a letter or digit and use only letters, digits, ".", "_" or "-" (at most 128)']);
    const noFolder = await run('data', 'status', join(cli.work, 'nowhere'), '--name', 'ds');
    expect([noFolder.code, noFolder.stderr.trim()]).toEqual([2, `error: no such folder: ${join(cli.work, 'nowhere')}`]);
    const badRef = await run('data', 'diff', 'ds/0', 'ds/1');
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toContain('"ds/0" is not a dataset ref');
    const unknown = await run('data', 'pull', 'nosuch/1', folder());
    expect(unknown.code).toBe(1);
  });
});

/** A DVC project's cache holding one tracked folder, laid out by DVC 3 (`files/md5/xx/…`, `hash: md5`) or DVC 2 (`xx/…`). */
function dvcLayout(files: Record<string, string>, layout: 'dvc3' | 'dvc2', md5Of: (body: string) => string = md5) {
  const root = folder();
  const cache = join(root, '.dvc', 'cache');
  const place = (hash: string, body: string | Buffer) => write(cache, layout === 'dvc3' ? `files/md5/${hash.slice(0, 2)}/${hash.slice(2)}` : `${hash.slice(0, 2)}/${hash.slice(2)}`, body);
  const entries = Object.entries(files)
    .map(([relpath, body]) => ({ md5: md5Of(body), relpath }))
    .sort((a, b) => (a.relpath < b.relpath ? -1 : 1));
  for (const [relpath, body] of Object.entries(files)) place(md5Of(body), body);
  // DVC writes the listing as Python's json.dumps does (", " and ": "), and names it by the md5 of those bytes.
  const listing = `[${entries.map((e) => `{"md5": "${e.md5}", "relpath": "${e.relpath}"}`).join(', ')}]`;
  const dirHash = `${md5(listing)}.dir`;
  place(dirHash, listing);
  const size = Object.values(files).reduce((n, b) => n + Buffer.byteLength(b), 0);
  const out = { md5: dirHash, size, nfiles: entries.length, ...(layout === 'dvc3' ? { hash: 'md5' } : {}), path: 'images' };
  const dvcFile = join(root, 'images.dvc');
  writeFileSync(dvcFile, stringify({ outs: [out] }));
  return { dvcFile, cache, dirHash };
}

describe('outpost data import-dvc', () => {
  const files = { 'cats/1.txt': 'meow', 'dogs/1.txt': 'woof', 'readme.txt': 'two classes\n' };

  it('registers a DVC 3 folder with its md5s checked, the .dir hash kept as the version\'s dvc.md5 tag, and the same manifest as a push', async () => {
    const { admin, run } = await cli.newProject();
    const { dvcFile, cache, dirHash } = dvcLayout(files, 'dvc3');
    const r = await run('data', 'import-dvc', dvcFile, '--cache', cache);
    expect(r.code, r.stderr).toBe(0);
    expect(lastLine(r.stdout)).toBe('images/1');
    const version = await (await fetch(`${cli.url}/v1/datasets/images/versions/1`, { headers: { authorization: `Bearer ${admin}` } })).json();
    expect(version.tags).toEqual({ 'dvc.md5': dirHash, 'dvc.file': 'images.dvc' });
    expect(version.message).toBe(`imported from images.dvc (images md5 ${dirHash})`);
    const page = await (await fetch(`${cli.url}/v1/datasets/images/versions/1/files`, { headers: { authorization: `Bearer ${admin}` } })).json();
    expect(page.files.map((f: { path: string; md5: string }) => [f.path, f.md5])).toEqual(Object.entries(files).map(([path, body]) => [path, md5(body)]));
    const same = await run('data', 'push', folder(files), '--name', 'images');
    expect(lastLine(same.stdout)).toBe('unchanged: images/1');
  });

  it('reads the older DVC 2 layout, including a text file DVC 2 hashed with CRLF turned into LF', async () => {
    const { run } = await cli.newProject();
    const withCrlf = { ...files, 'notes.txt': 'line one\r\nline two\r\n' };
    const { dvcFile, cache } = dvcLayout(withCrlf, 'dvc2', (body) => md5(body.replaceAll('\r\n', '\n')));
    const r = await run('data', 'import-dvc', dvcFile, '--cache', cache, '--name', 'legacy', '-m', 'from dvc 2');
    expect(r.code, r.stderr).toBe(0);
    expect(lastLine(r.stdout)).toBe('legacy/1');
    const dest = folder();
    expect((await run('data', 'pull', 'legacy/1', dest)).code).toBe(0);
    expect(contents(dest)).toEqual(withCrlf);
  });

  it('refuses an object whose bytes do not match the md5 DVC recorded, registering nothing', async () => {
    const { run } = await cli.newProject();
    const { dvcFile, cache } = dvcLayout(files, 'dvc3');
    writeFileSync(join(cache, 'files', 'md5', md5('woof').slice(0, 2), md5('woof').slice(2)), 'WOOF');
    const r = await run('data', 'import-dvc', dvcFile, '--cache', cache);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`dogs/1.txt: object ${join(cache, 'files', 'md5', md5('woof').slice(0, 2), md5('woof').slice(2))} has md5 ${md5('WOOF')}, not ${md5('woof')} as DVC recorded`);
    expect((await run('data', 'ls')).stdout.trim()).toBe('(no datasets; outpost data push DIR --name NAME makes one)');
    rmSync(dvcFile);
  });
});
