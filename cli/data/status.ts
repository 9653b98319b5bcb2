import { datasetFiles, getDatasetVersion } from '../../shared/client/datasets.js';
import type { HubClient } from '../../shared/client/hub-client.js';
import { OutpostError } from '../../shared/errors.js';
import { DATASET_LIMITS, type DatasetFile, type DatasetVersion } from '../../shared/schemas/datasets.js';
import { pairRenames, type Changes } from './changes.js';
import { folderManifest } from './folder.js';
import { compareUtf8 } from './local-files.js';
import { datasetRefArg, versionSegment } from './refs.js';

/**
 * What a push of the folder would change against a version (the latest by default), uploading nothing. Equal
 * manifest digests answer at once; otherwise the version's manifest is read a page at a time in path order and
 * merged with the folder's sorted files, so only the changed entries are held.
 */
export async function datasetStatus(hub: HubClient, dir: string, name: string, against?: string) {
  const ref = against ? datasetRefArg(against) : { name, latest: true as const };
  const local = await folderManifest(dir);
  let version: DatasetVersion | null;
  try {
    version = await getDatasetVersion(hub, ref.name, versionSegment(ref));
  } catch (err) {
    if (!(err instanceof OutpostError && err.status === 404 && !against)) throw err;
    version = null;
  }
  const gone: DatasetFile[] = [];
  const came: DatasetFile[] = [];
  const modified: string[] = [];
  // A loop, not `push(...files)`: spreading 130,000 arguments overflows the stack.
  if (!version) for (const f of local.files) came.push(f);
  else if (version.manifestDigest !== local.digest) {
    let i = 0;
    const pageAfter = (after?: string) => datasetFiles(hub, ref.name, version!.version, { after, limit: DATASET_LIMITS.page });
    let page = await pageAfter();
    for (;;) {
      // The next page is asked for before this one is merged, so the hub reads it while this process merges.
      const next = page.next === null ? null : pageAfter(page.next);
      for (const f of page.files) {
        while (i < local.files.length && compareUtf8(local.files[i]!.path, f.path) < 0) came.push(local.files[i++]!);
        const mine = local.files[i];
        if (mine?.path === f.path) {
          if (mine.digest !== f.digest || mine.size !== f.size) modified.push(f.path);
          i++;
        } else gone.push(f);
      }
      if (!next) break;
      page = await next;
    }
    while (i < local.files.length) came.push(local.files[i++]!);
  }
  const changes: Changes = { ...pairRenames(gone, came), modified };
  return { against: version?.ref ?? null, files: local.files.length, hashedFiles: local.cache.hashed, changes };
}
