import type { Scope } from '../core/scope.js';
import { applyDefinitions } from '../features/apply.js';
import { materialize } from '../features/materialize.js';
import { pushRows } from '../features/push.js';

const HOUR = 3_600_000;
export const DEMO_FEATURE_SERVICE = 'digits_personalization';

/**
 * The demo's feature store (made-up data): a `writer` entity, a view of each writer's recent handwriting stats fed
 * by a push source and exposed to devices, two days of hourly rows for 50 writers, materialized to the online
 * store, and the service the demo's production model names as trained on.
 */
export async function seedDemoFeatures(scope: Scope, random: () => number): Promise<void> {
  await applyDefinitions(
    scope,
    {
      entities: [{ name: 'writer', join_keys: ['writer_id'], value_type: 'int64', description: 'a person writing digits on a device', tags: {}, owner: 'demo' }],
      feature_views: [
        {
          name: 'writer_stats',
          entities: ['writer'],
          ttl: 7 * 24 * 3600,
          timestamp_field: 'event_timestamp',
          created_timestamp_column: 'created',
          online: true,
          devices: true,
          schema: [
            { name: 'digits_24h', dtype: 'int64' },
            { name: 'accuracy_7d', dtype: 'float64' },
            { name: 'left_handed', dtype: 'bool' },
          ],
          source: { push: 'writer_stats_push' },
          description: "Each writer's recent handwriting statistics (demo)",
          tags: { team: 'digits' },
          owner: 'demo',
        },
      ],
      feature_services: [
        { name: DEMO_FEATURE_SERVICE, features: ['writer_stats:digits_24h', 'writer_stats:accuracy_7d', 'writer_stats:left_handed'], description: 'What the digits model is personalised with (demo)', tags: {}, owner: 'demo' },
      ],
    },
    false,
  );
  const now = scope.now();
  const start = Math.floor(now / HOUR) * HOUR - 48 * HOUR;
  const df: Record<string, unknown[]> = { writer_id: [], event_timestamp: [], created: [], digits_24h: [], accuracy_7d: [], left_handed: [] };
  for (let writer = 1; writer <= 50; writer++) {
    const leftHanded = random() < 0.12;
    for (let h = 0; h < 48; h += 6) {
      df.writer_id!.push(writer);
      df.event_timestamp!.push(start + h * HOUR);
      df.created!.push(start + h * HOUR + 60_000);
      df.digits_24h!.push(Math.floor(random() * 400));
      df.accuracy_7d!.push(Math.round((0.8 + random() * 0.19) * 1000) / 1000);
      df.left_handed!.push(leftHanded);
    }
  }
  await pushRows(scope, { push_source_name: 'writer_stats_push', to: 'offline', df });
  await materialize(scope, start, now);
}
