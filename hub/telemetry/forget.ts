import { and, eq } from 'drizzle-orm';
import type { Scope } from '../core/scope.js';
import { telemetryDevices, telemetryMinutes } from './schema.js';

/**
 * The statements that forget a model's telemetry (one version's, when given), for the caller's own `db.batch`: a
 * deleted model or version takes its device figures with it, in the same atomic write.
 */
export function forgetTelemetry({ db, projectId }: Pick<Scope, 'db' | 'projectId'>, modelId: string, version?: number) {
  const of = (t: typeof telemetryMinutes | typeof telemetryDevices) =>
    and(eq(t.projectId, projectId), eq(t.modelId, modelId), version === undefined ? undefined : eq(t.version, version));
  return [db.delete(telemetryMinutes).where(of(telemetryMinutes)), db.delete(telemetryDevices).where(of(telemetryDevices))] as const;
}
