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
  if (!version) came.push(...local.files);
  else if (version.manifestDigest !== local.digest) {
    let i = 0;
    let after: string | undefined;
    do {
      const page = await datasetFiles(hub, ref.name, version.version, { after, limit: DATASET_LIMITS.page });
      for (const f of page.files) {
        while (i < local.files.length && compareUtf8(local.files[i]!.path, f.path) < 0) came.push(local.files[i++]!);
        const mine = local.files[i];
        if (mine?.path === f.path) {
          if (mine.digest !== f.digest || mine.size !== f.size) modified.push(f.path);
          i++;
        } else gone.push(f);
      }
      after = page.next ?? undefined;
    } while (after !== undefined);
    while (i < local.files.length) came.push(local.files[i++]!);
  }
  const changes: Changes = { ...pairRenames(gone, came), modified };
  return { against: version?.ref ?? null, files: local.files.length, hashedFiles: local.cache.hashed, changes };
}
