import type { Actor } from '../core/scope.js';

/** What the audit middleware knows of a request that changed something, to name its target and details. */
export interface RouteFacts {
  /** Path parameters, by name. */
  params: Record<string, string>;
  query: Record<string, string>;
  /** The request's JSON body as the handler read it; `{}` when there was none. */
  input: Record<string, any>;
  /** The reply's JSON body; `{}` when it had none (204) or was not JSON. */
  reply: Record<string, any>;
  /** The caller's project. */
  projectId: string;
}

export interface AuditedRoute {
  action: string;
  /** What was changed, as `kind:id` (`key:key_…`, `model:digits@production`, `model:digits/3`). */
  target: (f: RouteFacts) => string;
  reason?: (f: RouteFacts) => unknown;
  /** A few fields that say what changed (never a secret). */
  details?: (f: RouteFacts) => Record<string, unknown> | null;
  /** A route anyone may call (accepting an invitation): who acted, and in which project, read from its reply. */
  actorFromReply?: (f: RouteFacts) => { actor: Actor; projectId: string } | null;
}

const s = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const model = (f: RouteFacts) => `model:${f.params.name}`;
const alias = (f: RouteFacts) => `model:${f.params.name}@${f.params.alias}`;
const version = (f: RouteFacts) => `model:${f.params.name}/${f.params.version}`;
const rollout = (f: RouteFacts) => `model:${f.params.name}/rollout:${f.params.id}`;
const dataset = (f: RouteFacts) => `dataset:${f.params.name}`;
const webhook = (f: RouteFacts) => `webhook:${f.params.id}`;
const move = (f: RouteFacts) => ({ from: f.reply.from ?? null, to: f.reply.to ?? null, moved: f.reply.moved ?? null, ...(f.reply.forced ? { forced: f.reply.forced } : {}) });
/** The names of the fields a partial update sent, so the log says what kind of change it was without copying values. */
const fields = (f: RouteFacts) => ({ fields: Object.keys(f.input).sort() });
const signedIn = (f: RouteFacts) =>
  f.reply.user?.id && f.reply.project?.id
    ? { actor: { type: 'user' as const, id: s(f.reply.user.id), name: s(f.reply.user.name || f.reply.user.email) }, projectId: s(f.reply.project.id) }
    : null;

// MLflow's REST API (hub/mlflow): the same changes, named as on /v1; ids come in the body (or the query of a DELETE).
const mlflowArg = (f: RouteFacts, name: string) => s(f.input[name] ?? f.query[name]);
const mlflowModel = (f: RouteFacts) => `model:${mlflowArg(f, 'name')}`;
const mlflowVersion = (f: RouteFacts) => `model:${mlflowArg(f, 'name')}/${mlflowArg(f, 'version')}`;
const mlflowExperiment = (f: RouteFacts) => `experiment:${mlflowArg(f, 'experiment_id')}`;
const mlflowRun = (f: RouteFacts) => `run:${mlflowArg(f, 'run_id')}`;

/**
 * Every route that changes what a project is, by `METHOD /path` as the OpenAPI document writes it (`{param}`), with
 * its action name. The hub's middleware (hub/audit/record.ts) records one event for each 2xx reply to one of these;
 * the test over /openapi.json fails for a mutating route that is in neither this table nor NOT_AUDITED.
 */
export const AUDITED: Record<string, AuditedRoute> = {
  // Projects and keys
  'POST /v1/projects': { action: 'project.create', target: (f) => `project:${s(f.reply.project?.id)}`, details: (f) => ({ name: f.reply.project?.name }) },
  'PATCH /v1/project': { action: 'project.update', target: (f) => `project:${f.projectId}`, details: (f) => ({ devicePublishing: f.input.devicePublishing }) },
  'POST /v1/keys': {
    action: 'key.create',
    target: (f) => `key:${s(f.reply.key?.id)}`,
    details: (f) => ({ name: f.reply.key?.name, kind: f.reply.key?.kind, role: f.reply.key?.role }),
  },
  'DELETE /v1/keys/{id}': { action: 'key.revoke', target: (f) => `key:${f.params.id}`, details: (f) => ({ name: f.reply.key?.name }) },

  // People (hub/teams): members, invitations, the first owner
  'POST /v1/team/owner': { action: 'member.owner.create', target: (f) => `user:${s(f.reply.user?.id)}`, details: (f) => ({ email: f.reply.user?.email }) },
  'POST /v1/team/invitations': {
    action: 'member.invite',
    target: (f) => `invitation:${s(f.reply.invitation?.id)}`,
    details: (f) => ({ email: f.reply.invitation?.email, role: f.reply.invitation?.role }),
  },
  'POST /v1/team/invitations/{id}/resend': { action: 'invitation.resend', target: (f) => `invitation:${f.params.id}`, details: (f) => ({ email: f.reply.invitation?.email }) },
  'DELETE /v1/team/invitations/{id}': { action: 'invitation.revoke', target: (f) => `invitation:${f.params.id}` },
  'PATCH /v1/team/members/{userId}': { action: 'member.role', target: (f) => `user:${f.params.userId}`, details: (f) => ({ role: f.input.role }) },
  'DELETE /v1/team/members/{userId}': { action: 'member.remove', target: (f) => `user:${f.params.userId}` },
  // The token is a secret: the target names the person who joined, never the link.
  'POST /v1/invitations/{token}/accept': {
    action: 'invitation.accept',
    target: (f) => `user:${s(f.reply.user?.id)}`,
    details: (f) => ({ email: f.reply.user?.email, role: f.reply.project?.role }),
    actorFromReply: signedIn,
  },

  // Experiment tracking: what people do to experiments, and deleting runs
  'POST /v1/experiments': { action: 'experiment.create', target: (f) => `experiment:${s(f.reply.experiment?.id)}`, details: (f) => ({ name: f.reply.experiment?.name }) },
  'PATCH /v1/experiments/{id}': { action: 'experiment.update', target: (f) => `experiment:${f.params.id}`, details: fields },
  'DELETE /v1/experiments/{id}': { action: 'experiment.delete', target: (f) => `experiment:${f.params.id}` },
  'POST /v1/experiments/{id}/restore': { action: 'experiment.restore', target: (f) => `experiment:${f.params.id}` },
  'DELETE /v1/runs/{id}': { action: 'run.delete', target: (f) => `run:${f.params.id}` },
  'POST /v1/runs/{id}/restore': { action: 'run.restore', target: (f) => `run:${f.params.id}` },

  // Model registry, gates and rollouts
  'POST /v1/models': { action: 'model.create', target: (f) => `model:${s(f.reply.model?.name ?? f.input.name)}` },
  'PATCH /v1/models/{name}': { action: 'model.update', target: model, details: (f) => ({ ...fields(f), ...(f.input.name ? { name: f.input.name } : {}), ...(f.input.devices !== undefined ? { devices: f.input.devices } : {}) }) },
  'DELETE /v1/models/{name}': { action: 'model.delete', target: model },
  'POST /v1/models/{name}/versions': { action: 'model.version.create', target: (f) => `model:${f.params.name}/${s(f.reply.version?.version)}` },
  'DELETE /v1/models/{name}/versions/{version}': { action: 'model.version.delete', target: version },
  'PUT /v1/models/{name}/aliases/{alias}': { action: 'model.alias.set', target: alias, reason: (f) => f.input.reason, details: move },
  'DELETE /v1/models/{name}/aliases/{alias}': { action: 'model.alias.delete', target: alias, reason: (f) => f.query.reason, details: move },
  'POST /v1/models/{name}/aliases/{alias}/rollback': { action: 'model.alias.rollback', target: alias, reason: (f) => f.input.reason, details: move },
  'PUT /v1/models/{name}/aliases/{alias}/policy': { action: 'model.alias.policy.set', target: alias },
  'DELETE /v1/models/{name}/aliases/{alias}/policy': { action: 'model.alias.policy.delete', target: alias },
  'POST /v1/models/{name}/rollouts': {
    action: 'model.rollout.start',
    target: (f) => `model:${f.params.name}/rollout:${s(f.reply.id)}`,
    reason: (f) => f.input.reason,
    details: (f) => ({ alias: f.reply.alias, from: f.reply.stableVersion, to: f.reply.candidateVersion }),
  },
  'POST /v1/models/{name}/rollouts/{id}/abort': { action: 'model.rollout.abort', target: rollout, reason: (f) => f.input.reason },
  'POST /v1/models/{name}/rollouts/{id}/pause': { action: 'model.rollout.pause', target: rollout, reason: (f) => f.input.reason },
  'POST /v1/models/{name}/rollouts/{id}/promote': { action: 'model.rollout.promote', target: rollout, reason: (f) => f.input.reason },
  'POST /v1/models/{name}/rollouts/{id}/resume': { action: 'model.rollout.resume', target: rollout, reason: (f) => f.input.reason },

  // Datasets: a version is made by a commit (or the one-request form); drafts are the upload on the way there
  'POST /v1/datasets/{name}/versions': { action: 'dataset.version.create', target: (f) => `${dataset(f)}/${s(f.reply.version?.version)}`, details: (f) => ({ created: f.reply.created }) },
  'POST /v1/datasets/{name}/drafts/{id}/commit': { action: 'dataset.version.create', target: (f) => `${dataset(f)}/${s(f.reply.version?.version)}`, details: (f) => ({ created: f.reply.created }) },
  'PUT /v1/datasets/{name}/aliases/{alias}': { action: 'dataset.alias.set', target: (f) => `${dataset(f)}@${f.params.alias}`, details: (f) => ({ to: f.input.version }) },
  'DELETE /v1/datasets/{name}/aliases/{alias}': { action: 'dataset.alias.delete', target: (f) => `${dataset(f)}@${f.params.alias}` },

  // Features: definitions, training sets, materialization
  'POST /v1/features/apply': { action: 'feature.apply', target: () => 'features', details: (f) => (f.input.force ? { force: true } : null) },
  'POST /v1/features/training-sets': { action: 'feature.training_set.create', target: (f) => `training-set:${s(f.reply.name ?? f.input.name)}` },
  'POST /feast/materialize': { action: 'feature.materialize', target: () => 'features', details: (f) => ({ views: f.input.feature_views ?? null }) },
  'POST /feast/materialize-incremental': { action: 'feature.materialize', target: () => 'features', details: (f) => ({ views: f.input.feature_views ?? null }) },

  // Pipelines
  'POST /v1/pipelines': { action: 'pipeline.register', target: (f) => `pipeline:${s(f.reply.version?.pipeline)}/${s(f.reply.version?.version)}`, details: (f) => ({ created: f.reply.created }) },
  'POST /v1/pipelines/{name}/runs': { action: 'pipeline.run.start', target: (f) => `pipeline-run:${s(f.reply.id)}`, details: (f) => ({ pipeline: f.params.name }) },
  'POST /v1/pipelines/{name}/backfill': { action: 'pipeline.backfill', target: (f) => `pipeline:${f.params.name}`, details: (f) => ({ from: f.input.from, to: f.input.to }) },
  'POST /v1/pipeline-runs/{id}/cancel': { action: 'pipeline.run.cancel', target: (f) => `pipeline-run:${f.params.id}` },
  'POST /v1/pipeline-events': { action: 'pipeline.event', target: (f) => `pipeline-event:${s(f.input.id)}`, details: (f) => ({ type: f.input.type, subject: f.input.subject }) },

  // Webhooks
  'POST /v1/webhooks': { action: 'webhook.create', target: (f) => `webhook:${s(f.reply.id)}`, details: (f) => ({ url: f.reply.url, events: f.reply.events }) },
  'PATCH /v1/webhooks/{id}': { action: 'webhook.update', target: webhook, details: fields },
  'DELETE /v1/webhooks/{id}': { action: 'webhook.delete', target: webhook },
  'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': { action: 'webhook.redeliver', target: webhook, details: (f) => ({ delivery: f.params.deliveryId }) },

  // MLflow's REST API
  'POST /api/2.0/mlflow/experiments/create': { action: 'experiment.create', target: (f) => `experiment:${s(f.reply.experiment_id)}`, details: (f) => ({ name: f.input.name }) },
  'POST /api/2.0/mlflow/experiments/update': { action: 'experiment.update', target: mlflowExperiment, details: (f) => ({ name: f.input.new_name }) },
  'POST /api/2.0/mlflow/experiments/set-experiment-tag': { action: 'experiment.update', target: mlflowExperiment, details: (f) => ({ tag: f.input.key }) },
  'POST /api/2.0/mlflow/experiments/delete': { action: 'experiment.delete', target: mlflowExperiment },
  'POST /api/2.0/mlflow/experiments/restore': { action: 'experiment.restore', target: mlflowExperiment },
  'POST /api/2.0/mlflow/runs/delete': { action: 'run.delete', target: mlflowRun },
  'POST /api/2.0/mlflow/runs/restore': { action: 'run.restore', target: mlflowRun },
  'POST /api/2.0/mlflow/registered-models/create': { action: 'model.create', target: mlflowModel },
  'PATCH /api/2.0/mlflow/registered-models/update': { action: 'model.update', target: mlflowModel, details: () => ({ fields: ['description'] }) },
  'POST /api/2.0/mlflow/registered-models/rename': { action: 'model.update', target: mlflowModel, details: (f) => ({ name: f.input.new_name }) },
  'POST /api/2.0/mlflow/registered-models/set-tag': { action: 'model.update', target: mlflowModel, details: (f) => ({ tag: f.input.key }) },
  'DELETE /api/2.0/mlflow/registered-models/delete-tag': { action: 'model.update', target: mlflowModel, details: (f) => ({ tag: mlflowArg(f, 'key') }) },
  'DELETE /api/2.0/mlflow/registered-models/delete': { action: 'model.delete', target: mlflowModel },
  'POST /api/2.0/mlflow/model-versions/create': { action: 'model.version.create', target: (f) => `model:${mlflowArg(f, 'name')}/${s(f.reply.model_version?.version)}` },
  'PATCH /api/2.0/mlflow/model-versions/update': { action: 'model.version.update', target: mlflowVersion, details: () => ({ fields: ['description'] }) },
  'POST /api/2.0/mlflow/model-versions/set-tag': { action: 'model.version.update', target: mlflowVersion, details: (f) => ({ tag: f.input.key }) },
  'DELETE /api/2.0/mlflow/model-versions/delete-tag': { action: 'model.version.update', target: mlflowVersion, details: (f) => ({ tag: mlflowArg(f, 'key') }) },
  'DELETE /api/2.0/mlflow/model-versions/delete': { action: 'model.version.delete', target: mlflowVersion },
  'POST /api/2.0/mlflow/registered-models/alias': { action: 'model.alias.set', target: (f) => `model:${mlflowArg(f, 'name')}@${mlflowArg(f, 'alias')}`, details: (f) => ({ to: Number(f.input.version) }) },
  'DELETE /api/2.0/mlflow/registered-models/alias': { action: 'model.alias.delete', target: (f) => `model:${mlflowArg(f, 'name')}@${mlflowArg(f, 'alias')}` },
};

const DATA = 'data-plane';
const READ = 'read';
const SESSION = 'session';

/**
 * Writes that are not changes to audit, with why: `data-plane` (observations and uploads that training code, devices
 * and runners send at volume — their effect is audited where it becomes a change, such as a dataset commit), `read`
 * (a POST that changes nothing), `session` (a person's own sign-in, sign-out and project switch).
 */
export const NOT_AUDITED: Record<string, typeof DATA | typeof READ | typeof SESSION> = {
  // Tracking records written by training code (deleting and restoring runs is audited)
  'POST /v1/runs': DATA,
  'PATCH /v1/runs/{id}': DATA,
  'POST /v1/runs/{id}/log': DATA,
  'POST /v1/runs/{id}/datasets': DATA,
  'PUT /v1/runs/{id}/artifacts': DATA,
  'DELETE /v1/runs/{id}/tags/{key}': DATA,
  'POST /api/2.0/mlflow/runs/create': DATA,
  'POST /api/2.0/mlflow/runs/update': DATA,
  'POST /api/2.0/mlflow/runs/log-batch': DATA,
  'POST /api/2.0/mlflow/runs/log-metric': DATA,
  'POST /api/2.0/mlflow/runs/log-parameter': DATA,
  'POST /api/2.0/mlflow/runs/log-inputs': DATA,
  'POST /api/2.0/mlflow/runs/set-tag': DATA,
  'POST /api/2.0/mlflow/runs/delete-tag': DATA,
  'PUT /api/2.0/mlflow-artifacts/artifacts/*': DATA,
  // Bytes, device outboxes, feature values, inference
  'PUT /v1/blobs/{digest}': DATA,
  'POST /v1/sync': DATA,
  'POST /feast/push': DATA,
  'POST /v2/models/{name}/infer': DATA,
  'POST /v2/models/{name}/versions/{version}/infer': DATA,
  // A dataset upload on its way to a version (the commit is audited)
  'PUT /v1/datasets/{name}/drafts/{id}': DATA,
  'POST /v1/datasets/{name}/drafts/{id}/files': DATA,
  'DELETE /v1/datasets/{name}/drafts/{id}': DATA,
  // Pipeline runners (starting and cancelling runs is audited)
  'POST /v1/pipeline-leases': DATA,
  'POST /v1/pipeline-attempts/{id}/heartbeat': DATA,
  'POST /v1/pipeline-attempts/{id}/complete': DATA,
  'POST /v1/pipeline-attempts/{id}/release': DATA,
  'POST /v1/pipeline-attempts/{id}/logs': DATA,
  // POSTs that only read
  'POST /v1/runs/search': READ,
  'POST /v1/metrics/series': READ,
  'POST /v1/blobs/missing': READ,
  'POST /v1/features/historical': READ,
  'POST /feast/get-online-features': READ,
  'POST /v1/models/{name}/gate': READ,
  'POST /api/2.0/mlflow/experiments/search': READ,
  'POST /api/2.0/mlflow/runs/search': READ,
  'POST /api/2.0/mlflow/registered-models/search': READ,
  'POST /api/2.0/mlflow/registered-models/get-latest-versions': READ,
  'POST /api/2.0/mlflow/model-versions/search': READ,
  // A person's own session (hub/teams)
  'POST /v1/session': SESSION,
  'DELETE /v1/session': SESSION,
  'PUT /v1/session/project': SESSION,
};

/**
 * The table key of a matched route: hono's pattern (`/v1/models/:name`) written as the OpenAPI document writes it
 * (`/v1/models/{name}`), MLflow's `/ajax-api/` twin folded onto `/api/`.
 */
export function routeKey(method: string, pattern: string): string {
  const path = pattern.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}').replace(/^\/ajax-api\//, '/api/');
  return `${method.toUpperCase()} ${path}`;
}
