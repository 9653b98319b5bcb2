import type { HubClient } from '../../shared/client/hub-client.js';
import type { DatasetFile, DatasetVersion } from '../../shared/schemas/datasets.js';
import { cachedAsset } from '../assets.js';
import { OutpostRuntimeError } from '../errors.js';
import { datasetFileBytes, type DatasetFileOptions } from './file-bytes.js';
import { DEFAULT_PAGE, ManifestPages, type FilesPage } from './manifest.js';
import { parseTable, TABLE_READER, type Table } from './table.js';
import { tableTensors, type DatasetTensors, type TensorColumns } from './tensors.js';
import { resolveDatasetVersion } from './version.js';

/**
 * One version of a dataset on this device (`op.dataset('ds/3')`): its description, its manifest a page at a time,
 * and its files, each verified by sha256 and kept in IndexedDB for offline use.
 */
export class Dataset {
  /** `ds/3`: the version this handle reads, whatever ref opened it. */
  readonly ref: string;
  private readonly manifest: ManifestPages;

  constructor(
    private readonly hub: HubClient,
    /** The version's description: number, manifest digest, file count, bytes, message, tags, aliases. */
    readonly version: DatasetVersion,
    /** 'cache': described from IndexedDB (a numbered version seen before, or the hub out of reach). */
    readonly source: 'network' | 'cache',
  ) {
    this.ref = version.ref;
    this.manifest = new ManifestPages(hub, version);
  }

  /** One page of the manifest in path order; pass the page's `next` as `after` for the next. */
  filesPage(options: { after?: string; limit?: number } = {}): Promise<FilesPage> {
    return this.manifest.page(options.after, options.limit ?? DEFAULT_PAGE);
  }

  /** Every manifest entry, fetched a page at a time (never the whole manifest in memory). */
  async *files(options: { pageSize?: number } = {}): AsyncGenerator<DatasetFile> {
    let after: string | undefined;
    for (;;) {
      const page = await this.manifest.page(after, options.pageSize ?? DEFAULT_PAGE);
      yield* page.files;
      if (page.next === null) return;
      after = page.next;
    }
  }

  /** The manifest entry of a path; null when the version has no such file. */
  entry(path: string): Promise<DatasetFile | null> {
    return this.manifest.entry(path);
  }

  /** A file's bytes: downloaded with progress and verified by sha256 on the first call, from IndexedDB after (offline too). */
  async file(path: string, options: DatasetFileOptions = {}): Promise<ArrayBuffer> {
    const entry = await this.manifest.entry(path);
    if (!entry) throw new OutpostRuntimeError('not_found', `${this.ref} has no file ${JSON.stringify(path)}`);
    return datasetFileBytes(this.hub, this.ref, entry, options);
  }

  /** A CSV, JSONL or Parquet file as columns with their types. */
  async table(path: string, options: DatasetFileOptions = {}): Promise<Table> {
    return parseTable(this.hub.base, await this.file(path, options), path, this.ref);
  }

  /** Columns of a tabular file as op.finetune's feeds: `op.finetune(ref, { ...await ds.tensors(path, { x, y }), epochs })`. */
  async tensors(path: string, columns: TensorColumns, options: DatasetFileOptions = {}): Promise<DatasetTensors> {
    return tableTensors(await this.table(path, options), columns, `${path} of ${this.ref}`, this.ref);
  }
}

/** `op.dataset(ref)`: pk_ keys never read datasets (the hub refuses them every dataset route), so they are refused here too, online or off. */
export async function openDataset(hub: HubClient, ref: string, publishable: boolean): Promise<Dataset> {
  if (publishable) {
    throw new OutpostRuntimeError('unauthorized', `dataset ${ref}: publishable (pk_) keys cannot read datasets; connect with a secret key (sk_, role read or higher) to read them`);
  }
  const { version, source } = await resolveDatasetVersion(hub, ref);
  // table() may be called offline later: keep the table reader at hand.
  void cachedAsset(hub.base, TABLE_READER).catch(() => {});
  return new Dataset(hub, version, source);
}
