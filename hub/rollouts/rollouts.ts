import { and, desc, eq, gte, sql } from 'drizzle-orm';
import { badRequest, conflict, notFound, OutpostError } from '../../shared/errors.js';
import type { WebhookEventType } from '../../shared/cicd/events.js';
import { checkAliasPolicy } from '../cicd/policy.js';
import { emitEventNow } from '../webhooks/events.js';
import { newId } from '../../shared/ids.js';
import type { CreateRollout, Rollout, RolloutDecision, RolloutState, VersionFigures } from '../../shared/schemas/rollouts.js';
import type { ProjectScope, Scope } from '../core/scope.js';
import { isUniqueViolation } from '../db/errors.js';
import { modelAliases, registeredModels, telemetryDevices, type RegisteredModelRow } from '../db/schema.js';
import { moveAlias } from '../registry/aliases.js';
import { getVersionRow } from '../registry/versions.js';
import { figuresOf, tallies } from './figures.js';
import { rollouts, type RolloutRow } from './schema.js';

/** Decisions kept per rollout (the oldest go first): the log stays bounded however long a rollout waits. */
const MAX_DECISIONS = 200;

type Writer = Pick<Scope, 'db' | 'projectId' | 'now'>;
type Figures = { candidate: VersionFigures; stable: VersionFigures };

const ended = (state: RolloutState) => state !== 'running' && state !== 'paused';

export function rolloutJson(model: RegisteredModelRow, row: RolloutRow, figures: Rollout['figures']): Rollout {
  return {
    id: row.id,
    model: model.name,
    alias: row.alias,
    stableVersion: row.stableVersion,
    candidateVersion: row.candidateVersion,
    state: row.state,
    step: row.step,
    percent: row.percent,
    steps: row.steps,
    intervalMs: row.intervalMs,
    maxErrorRate: row.maxErrorRate,
    maxP95Ratio: row.maxP95Ratio,
    minRequests: row.minRequests,
    stepStartedAt: row.stepStartedAt,
    nextCheckAt: row.state === 'running' ? row.stepStartedAt + row.intervalMs : null,
    figures,
    decisions: row.decisions,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

async function aliasVersion({ db }: ProjectScope, modelId: string, alias: string): Promise<number | null> {
  const [row] = await db.select({ version: modelAliases.version }).from(modelAliases).where(and(eq(modelAliases.modelId, modelId), eq(modelAliases.alias, alias)));
  return row?.version ?? null;
}

const decision = (row: RolloutRow, at: number, action: RolloutDecision['action'], message: string, actor: string, figures: Figures | null = null, percent = row.percent): RolloutDecision => ({
  at,
  step: row.step,
  percent,
  action,
  message,
  candidate: figures?.candidate ?? null,
  stable: figures?.stable ?? null,
  actor,
});

/**
 * Writes a rollout's next state only if nobody changed it since `row` was read (same state, step and step start):
 * two hubs or requests checking one rollout at once make one decision. Answers the row written, or null if it lost.
 */
async function transition(scope: Writer, row: RolloutRow, patch: Partial<RolloutRow>, made: RolloutDecision): Promise<RolloutRow | null> {
  const next = { ...row, ...patch, decisions: [...row.decisions, made].slice(-MAX_DECISIONS), updatedAt: scope.now() };
  const won = await scope.db
    .update(rollouts)
    .set({ state: next.state, step: next.step, percent: next.percent, stepStartedAt: next.stepStartedAt, decisions: next.decisions, updatedAt: next.updatedAt })
    .where(and(eq(rollouts.id, row.id), eq(rollouts.state, row.state), eq(rollouts.step, row.step), eq(rollouts.stepStartedAt, row.stepStartedAt), eq(rollouts.updatedAt, row.updatedAt)))
    .returning({ id: rollouts.id });
  if (!won.length) return null;
  await announce(scope, next, made);
  return next;
}

const EVENTS: Partial<Record<RolloutDecision['action'], WebhookEventType>> = {
  started: 'rollout.started',
  advanced: 'rollout.advanced',
  paused: 'rollout.paused',
  resumed: 'rollout.resumed',
  rolled_back: 'rollout.rolled_back',
  completed: 'rollout.completed',
  aborted: 'rollout.aborted',
};

/**
 * The decision's webhook event, queued after the write that made it (that write is conditional, so the event cannot
 * share its batch): a hub stopped between the two loses the event, never sends one for a decision not made.
 */
async function announce(scope: Writer, row: RolloutRow, made: RolloutDecision) {
  const type = EVENTS[made.action];
  if (!type) return;
  const [model] = await scope.db.select({ name: registeredModels.name }).from(registeredModels).where(eq(registeredModels.id, row.modelId));
  await emitEventNow(scope, type, { rollout: row.id, model: model?.name, alias: row.alias, stableVersion: row.stableVersion, candidateVersion: row.candidateVersion, state: row.state, percent: row.percent, step: row.step, decision: made });
}

export async function createRollout(scope: Writer, model: RegisteredModelRow, input: CreateRollout, actor: string): Promise<RolloutRow> {
  const stable = await aliasVersion(scope, model.id, input.alias);
  if (stable === null) throw notFound(`model "${model.name}" has no alias "${input.alias}": point it at the stable version first`);
  const candidate = await getVersionRow(scope, model, input.to);
  if (stable === input.to) throw badRequest(`alias "${input.alias}" already points at version ${input.to}: a rollout needs another version`);
  const at = scope.now();
  const row: RolloutRow = {
    id: newId('ro'),
    projectId: scope.projectId,
    modelId: model.id,
    alias: input.alias,
    stableVersion: stable,
    candidateVersion: input.to,
    steps: input.steps,
    intervalMs: input.interval,
    maxErrorRate: input.maxErrorRate ?? null,
    maxP95Ratio: input.maxP95Ratio ?? null,
    minRequests: input.minRequests,
    state: 'running',
    step: 0,
    percent: input.steps[0]!,
    stepStartedAt: at,
    decisions: [],
    createdBy: actor,
    createdAt: at,
    updatedAt: at,
  };
  row.decisions = [decision(row, at, 'started', `version ${input.to} on ${row.percent}% of devices${input.reason ? `: ${input.reason}` : ''}`, actor)];
  // A candidate the alias's policy would refuse at the end is refused now (409 listing the failures).
  await checkAliasPolicy(scope, model, input.alias, candidate, stable, '');
  try {
    await scope.db.insert(rollouts).values(row);
    await announce(scope, row, row.decisions[0]!);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const [other] = await scope.db.select({ id: rollouts.id }).from(rollouts).where(and(eq(rollouts.modelId, model.id), eq(rollouts.alias, input.alias), sql`${rollouts.state} in ('running', 'paused')`));
    throw conflict(`alias "${input.alias}" of model "${model.name}" already has a rollout in progress (${other?.id ?? 'another'}): pause, abort or finish it first`, { rollout: other?.id });
  }
  return row;
}

export async function findRollout({ db }: ProjectScope, model: RegisteredModelRow, id: string): Promise<RolloutRow> {
  const [row] = await db.select().from(rollouts).where(and(eq(rollouts.id, id), eq(rollouts.modelId, model.id)));
  if (!row) throw notFound(`model "${model.name}" has no rollout "${id}"`);
  return row;
}

/**
 * Makes the decision a running rollout owes, if its step's interval has passed: too few candidate requests waits;
 * an error rate or p95 ratio over its limit rolls back (0% at once, the alias never moved); otherwise the next step,
 * or after the last one the alias moves to the candidate. Cheap when nothing is due (no query). Safe to call from
 * every reader at once: one of them makes the decision.
 */
export async function checkRollout(scope: Writer, model: RegisteredModelRow, row: RolloutRow): Promise<RolloutRow> {
  const now = scope.now();
  if (row.state !== 'running' || now < row.stepStartedAt + row.intervalMs) return row;
  const actor = 'hub';
  const current = await aliasVersion(scope, row.modelId, row.alias);
  if (current === row.candidateVersion) return (await finish(scope, model, row, 'completed', `alias "${row.alias}" already points at version ${row.candidateVersion}`, actor)) ?? (await reread(scope, row));
  if (current !== row.stableVersion) {
    const message = `alias "${row.alias}" was moved by hand to ${current ?? 'nothing'}; the rollout stops`;
    return (await transition(scope, row, { state: 'aborted', percent: 0 }, decision(row, now, 'aborted', message, actor, null, 0))) ?? (await reread(scope, row));
  }
  const t = (await tallies(scope, [row])).get(row.id)!;
  const figures = { candidate: figuresOf(t.candidate), stable: figuresOf(t.stable.requests >= row.minRequests ? t.stable : t.stableAll) };
  const last = row.decisions.at(-1);
  if (t.candidate.requests < row.minRequests) {
    const message = `waiting: ${t.candidate.requests} of ${row.minRequests} candidate requests in this step`;
    // One waiting entry per step and interval, so a quiet fleet neither fills the log nor writes on every read.
    if (last?.action === 'waiting' && last.step === row.step) {
      if (now - last.at < row.intervalMs) return row;
      row = { ...row, decisions: row.decisions.slice(0, -1) };
    }
    return (await transition(scope, row, {}, decision(row, now, 'waiting', message, actor, figures))) ?? (await reread(scope, row));
  }
  const failures = limitFailures(row, figures);
  if (failures.length) {
    return (await transition(scope, row, { state: 'rolled_back', percent: 0 }, decision(row, now, 'rolled_back', failures.join('; '), actor, figures, 0))) ?? (await reread(scope, row));
  }
  if (row.step === row.steps.length - 1) return (await finish(scope, model, row, 'completed', `every step passed; alias "${row.alias}" → version ${row.candidateVersion}`, actor, figures)) ?? (await reread(scope, row));
  const step = row.step + 1;
  const percent = row.steps[step]!;
  const made = decision(row, now, 'advanced', `step ${row.step + 1} passed; ${percent}% of devices on version ${row.candidateVersion}`, actor, figures, percent);
  return (await transition(scope, row, { step, percent, stepStartedAt: now }, made)) ?? (await reread(scope, row));
}

/** Each limit the candidate's figures break, in words with the figures. */
function limitFailures(row: RolloutRow, f: Figures): string[] {
  const out: string[] = [];
  const rate = f.candidate.errorRate ?? 0;
  if (row.maxErrorRate !== null && rate > row.maxErrorRate) out.push(`error rate ${rate.toFixed(4)} over the limit ${row.maxErrorRate} (${f.candidate.errors} of ${f.candidate.requests})`);
  if (row.maxP95Ratio !== null && f.candidate.p95Ms !== null && f.stable.p95Ms !== null) {
    const ratio = f.candidate.p95Ms / f.stable.p95Ms;
    if (ratio > row.maxP95Ratio) out.push(`p95 ${f.candidate.p95Ms.toFixed(2)} ms is ${ratio.toFixed(2)}× the stable version's ${f.stable.p95Ms.toFixed(2)} ms, over the limit ${row.maxP95Ratio}×`);
  }
  return out;
}

async function reread(scope: Writer, row: RolloutRow): Promise<RolloutRow> {
  const [fresh] = await scope.db.select().from(rollouts).where(eq(rollouts.id, row.id));
  return fresh ?? row;
}

/** Moves the alias to the candidate (a move to where it already points changes nothing), then closes the rollout. */
async function finish(scope: Writer, model: RegisteredModelRow, row: RolloutRow, state: 'completed', message: string, actor: string, figures: Figures | null = null) {
  try {
    await moveAlias(scope, model, row.alias, row.candidateVersion, `rollout ${row.id}`, `rollout ${row.id} completed`);
  } catch (err) {
    // The alias's policy refused the candidate (its metrics changed since the start): a check stops the rollout, a person is told.
    if (!(err instanceof OutpostError) || err.status !== 409 || actor !== 'hub') throw err;
    return transition(scope, row, { state: 'aborted', percent: 0 }, decision(row, scope.now(), 'aborted', `the alias policy refused the move: ${err.message}`, actor, figures, 0));
  }
  return transition(scope, row, { state, percent: 100 }, decision(row, scope.now(), 'completed', message, actor, figures, 100));
}

export type RolloutAction = 'pause' | 'resume' | 'abort' | 'promote';

/**
 * Pause (devices keep their assignment, no checks), resume (the step starts its interval again), abort (0%, the
 * alias stays) and promote (the alias moves now). The same action again answers the rollout as it is; an action an
 * ended rollout cannot take is 409.
 */
export async function controlRollout(scope: Writer, model: RegisteredModelRow, id: string, action: RolloutAction, actor: string, reason = ''): Promise<RolloutRow> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await findRollout(scope, model, id);
    const now = scope.now();
    const why = reason ? `: ${reason}` : '';
    if (action === 'pause' && row.state === 'paused') return row;
    if (action === 'resume' && row.state === 'running') return row;
    if (action === 'abort' && row.state === 'aborted') return row;
    if (action === 'promote' && row.state === 'completed') return row;
    if (ended(row.state)) throw conflict(`rollout ${id} has ended (${row.state}); it cannot ${action}`);
    const made =
      action === 'pause'
        ? await transition(scope, row, { state: 'paused' }, decision(row, now, 'paused', `paused by ${actor}${why}`, actor))
        : action === 'resume'
          ? await transition(scope, row, { state: 'running', stepStartedAt: now }, decision(row, now, 'resumed', `resumed by ${actor}${why}`, actor))
          : action === 'abort'
            ? await transition(scope, row, { state: 'aborted', percent: 0 }, decision(row, now, 'aborted', `aborted by ${actor}${why}`, actor, null, 0))
            : await finish(scope, model, row, 'completed', `promoted by ${actor}${why}`, actor);
    if (made) return made;
  }
  throw conflict(`rollout ${id} kept changing while ${action} was tried; try again`);
}

export async function listRollouts(scope: Writer, model: RegisteredModelRow): Promise<RolloutRow[]> {
  const rows = await scope.db.select().from(rollouts).where(eq(rollouts.modelId, model.id)).orderBy(desc(rollouts.createdAt), desc(rollouts.id)).limit(100);
  return Promise.all(rows.map((r) => checkRollout(scope, model, r)));
}

/** Each row with the current step's figures, and per side the devices that reported running it since the rollout began. */
export async function withFigures(scope: Pick<Scope, 'db'>, model: RegisteredModelRow, rows: RolloutRow[]): Promise<Rollout[]> {
  const t = await tallies(scope, rows);
  return Promise.all(
    rows.map(async (r) => {
      const x = t.get(r.id)!;
      const [candidate, stable] = await Promise.all([r.candidateVersion, r.stableVersion].map((v) => devicesSince(scope, r, v)));
      return rolloutJson(model, r, { candidate: { ...figuresOf(x.candidate), devices: candidate! }, stable: { ...figuresOf(x.stable), devices: stable! } });
    }),
  );
}

async function devicesSince({ db }: Pick<Scope, 'db'>, r: RolloutRow, version: number): Promise<number> {
  const d = telemetryDevices;
  const [row] = await db
    .select({ n: sql<number>`count(distinct ${d.deviceId})` })
    .from(d)
    .where(and(eq(d.projectId, r.projectId), eq(d.modelId, r.modelId), eq(d.version, version), gte(d.lastSeen, r.createdAt)));
  return Number(row?.n ?? 0);
}

/** The active rollout of an alias, checked first if its decision is due; null when none steers it. */
export async function activeRollout(scope: Writer, model: RegisteredModelRow, alias: string): Promise<RolloutRow | null> {
  const [row] = await scope.db.select().from(rollouts).where(and(eq(rollouts.modelId, model.id), eq(rollouts.alias, alias), sql`${rollouts.state} in ('running', 'paused')`));
  if (!row) return null;
  const checked = await checkRollout(scope, model, row);
  return ended(checked.state) ? null : checked;
}

/**
 * Where a device falls in a rollout: a number in [0, 100) from FNV-1a over the rollout id and device id. The same
 * device always gets the same number in one rollout, so raising the percentage only adds devices.
 */
export function deviceBucket(rolloutId: string, deviceId: string): number {
  let h = 0x811c9dc5;
  const text = `${rolloutId}\u0000${deviceId}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % 10_000) / 100;
}

/** The version a device gets for an alias under a rollout: the candidate when its bucket is under the percentage. */
export const assignedVersion = (row: RolloutRow, deviceId: string | undefined) =>
  deviceId && deviceBucket(row.id, deviceId) < row.percent ? row.candidateVersion : row.stableVersion;

/** Checks every running rollout whose decision is due, in every project: the hub's timer (Node) or cron (Workers). */
export async function checkDueRollouts(db: Scope['db'], now = Date.now()): Promise<number> {
  const due = await db
    .select({ rollout: rollouts, model: registeredModels })
    .from(rollouts)
    .innerJoin(registeredModels, eq(registeredModels.id, rollouts.modelId))
    .where(and(eq(rollouts.state, 'running'), sql`${rollouts.stepStartedAt} + ${rollouts.intervalMs} <= ${now}`))
    .limit(500);
  let decided = 0;
  for (const { rollout, model } of due) {
    const scope = { db, projectId: rollout.projectId, now: () => now };
    if ((await checkRollout(scope, model, rollout)) !== rollout) decided++;
  }
  return decided;
}
