import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { getBlob } from '../../shared/client/blobs.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import { fetchManifest } from '../../shared/client/registry.js';
import { sha256Digest } from '../../shared/digest.js';
import { OutpostError } from '../../shared/errors.js';
import { CliError, modelRefArg } from '../context.js';
import { progressBar } from '../progress.js';

/** Downloads a version's files into a folder, verifying every digest before a file is put in place. */
export async function pullModel(hub: HubClient, ref: string, dir: string) {
  // Asked without an ETag, the hub always answers with the manifest.
  const manifest = (await fetchManifest(hub, modelRefArg(ref)))!;
  const root = resolve(dir);
  const bar = progressBar(manifest.files.reduce((n, f) => n + f.size, 0), 'downloading');
  try {
    for (const file of manifest.files) {
      const target = resolve(root, file.path);
      if (!target.startsWith(root + sep)) throw new CliError(`refusing a file path outside ${dir}: ${file.path}`);
      const res = await getBlob(hub, file.digest).catch((err) => {
        throw err instanceof OutpostError ? new CliError(`download of ${file.path} failed: ${err.message}`) : err;
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      bar.add(bytes.byteLength);
      const actual = await sha256Digest(bytes);
      if (actual !== file.digest) throw new CliError(`${file.path} hashes to ${actual}, not ${file.digest}; nothing written for it`);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.partial`;
      await writeFile(temp, bytes);
      await rename(temp, target).catch(async (err) => {
        await rm(temp, { force: true });
        throw err;
      });
    }
  } finally {
    bar.stop();
  }
  return { ref, model: manifest.model, version: manifest.version, format: manifest.format, dir: root, files: manifest.files.length };
}
