import { sql } from 'drizzle-orm';

/**
 * Every place a project refers to a blob by digest, as one SQL query of digests. `outpost gc` keeps whatever this
 * names: a domain that stores digests (model files, run artifacts, feature sources, dataset files…) adds its query
 * here, or gc would take its blobs.
 */
export const referencedDigests = sql`
  select digest from run_artifacts
  union select json_extract(f.value, '$.digest') from model_versions, json_each(model_versions.files) f
  union select json_extract(definition, '$.source.file') from feature_views where json_extract(definition, '$.source.file') is not null
  union select blob from feature_training_sets
  union select digest from dataset_files
  union select digest from dataset_draft_files
  union select code_digest from pipeline_versions`;
