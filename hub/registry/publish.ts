import type { CreateVersion, ModelVersion } from '../../shared/schemas/registry.js';
import type { RequestScope } from '../core/scope.js';
import { checkAliasPolicy } from '../cicd/policy.js';
import { currentVersion, moveAlias } from './aliases.js';
import { checkDevicePublish, ensureDeviceCandidatesModel } from './device-publish.js';
import { findModel } from './models.js';
import { createVersion, publishKeyOf, versionAliases, withHubRunId } from './versions.js';

/**
 * `POST /v1/models/{name}/versions`: a publishable key's publish is held to the device rules first; a fine-tune's
 * `<base>-device-candidates` model is made on its first publish; a run's publish sent again returns the version
 * it made (`created: false`); an alias named in the input is moved to the new version, when the
 * alias's policy lets it (checked before the version is stored).
 */
export async function publishVersion(scope: RequestScope, name: string, body: CreateVersion): Promise<{ version: ModelVersion; created: boolean }> {
  const { keyId, kind } = scope.principal;
  const input = withHubRunId(body);
  if (kind === 'publishable') await checkDevicePublish(scope, name, input);
  await ensureDeviceCandidatesModel(scope, keyId, name, input);
  const model = await findModel(scope, name);
  // A version its alias's policy refuses is not stored at all: the caller gets the 409 before anything is written.
  if (input.alias !== undefined) await checkAliasPolicy(scope, model, input.alias, { metrics: input.metrics ?? {}, sourceRunId: input.runId ?? null }, await currentVersion(scope, model.id, input.alias), 'published');
  const { version, created } = await createVersion(scope, model, keyId, input, await publishKeyOf(input));
  if (input.alias === undefined) return { version, created };
  await moveAlias(scope, model, input.alias, version.version, keyId, 'published');
  return { version: { ...version, aliases: await versionAliases(scope, model.id, version.version) }, created };
}
