import { DEVICE_CANDIDATES_SUFFIX, deviceCandidatesName, type CreateVersion } from '../../shared/schemas/registry.js';
import { badRequest, forbidden, OutpostError } from '../../shared/errors.js';
import type { ProjectScope } from '../core/scope.js';
import { getProjectRow } from '../projects/projects.js';
import { assertDeviceReadable, createModel, findModel } from './models.js';

const TURN_ON = 'an admin key turns it on with PATCH /v1/project {"devicePublishing": true}';

/** Publishable keys may upload blobs and publish only in projects that allow device publishing. */
export async function assertDevicePublishing(scope: ProjectScope, what: string) {
  const project = await getProjectRow(scope);
  if (!project.devicePublishing) throw forbidden(`project "${project.name}" does not allow device publishing, so publishable keys cannot ${what}: ${TURN_ON}`);
}

/**
 * The rules for a publishable key's publish (DESIGN §6): device publishing on, full lineage (base model and
 * version exposed to devices, the run), only into `<base>-device-candidates`, no alias.
 */
export async function checkDevicePublish(scope: ProjectScope, name: string, input: CreateVersion) {
  await assertDevicePublishing(scope, 'publish versions');
  if (input.alias !== undefined) throw forbidden(`publishable keys cannot move aliases (asked for "${input.alias}"): a secret key with role write promotes a candidate with PUT /v1/models/${name}/aliases/{alias}`);
  const missing = (['baseModel', 'baseVersion', 'runId'] as const).filter((k) => input[k] === undefined);
  if (missing.length) throw badRequest(`a version published by a device needs its lineage: ${missing.join(', ')} missing (the model and version it was fine-tuned from, and its run)`);
  const base = await findModel(scope, input.baseModel!);
  assertDeviceReadable(base, 'publishable');
  const allowed = deviceCandidatesName(base.name);
  if (name !== allowed) throw forbidden(`publishable keys publish fine-tunes of "${base.name}" only into "${allowed}", not "${name}"`);
}

/**
 * `<base>-device-candidates` is made on its first publish, by any key allowed to publish. It is not exposed to
 * devices: a device's fine-tune reaches other devices only after someone with a secret key looks at it.
 */
export async function ensureDeviceCandidatesModel(scope: ProjectScope, actor: string, name: string, input: CreateVersion) {
  if (input.baseModel === undefined || name !== deviceCandidatesName(input.baseModel)) return;
  try {
    await findModel(scope, name);
    return;
  } catch (err) {
    if (!(err instanceof OutpostError && err.status === 404)) throw err;
  }
  await findModel(scope, input.baseModel);
  try {
    await createModel(scope, actor, {
      name,
      description: `Fine-tunes of "${input.baseModel}" published from devices, each with its base version and run; not exposed to devices until a secret key exposes it.`,
      tags: { 'outpost.base_model': input.baseModel, 'outpost.kind': DEVICE_CANDIDATES_SUFFIX.slice(1) },
    });
  } catch (err) {
    // Two first publishes raced: the other one made it.
    if (!(err instanceof OutpostError && err.status === 409)) throw err;
  }
}
