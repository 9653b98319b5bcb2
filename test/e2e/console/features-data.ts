import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { HubData } from './hub-data.js';

const HOUR = 3_600_000;

/**
 * Feature definitions and rows for the console's feature pages, in the project of `hub`'s key: `drivers_<uid>` (int64
 * key, TTL one day) with a fresh row, a row holding a null and a row older than the TTL, all materialized online;
 * `cities_<uid>` (string key, an embedding, devices); a service reading both, and version 1 of the model
 * `ranker-<uid>` trained on it. Applied with `force`, so it replaces whatever an earlier run left in the project.
 */
export async function featureData(hub: HubData, uid: string) {
  const id = uid.replace(/[^A-Za-z0-9_]/g, '_');
  const names = { drivers: `drivers_${id}`, cities: `cities_${id}`, service: `ranker_${id}`, model: `ranker-${uid}` };
  await hub.call('POST', '/v1/features/apply', {
    force: true,
    entities: [
      { name: 'driver', join_keys: ['driver_id'], value_type: 'int64', description: 'a driver of the fleet' },
      { name: 'city', join_keys: ['city_id'], value_type: 'string' },
    ],
    feature_views: [
      {
        name: names.drivers,
        description: 'Hourly driver statistics',
        owner: 'ml-platform@example.com',
        tags: { team: 'ranking' },
        entities: ['driver'],
        ttl: 86_400,
        created_timestamp_column: 'created',
        schema: [
          { name: 'conv_rate', dtype: 'float64' },
          { name: 'trips', dtype: 'int64' },
          { name: 'active', dtype: 'bool' },
        ],
        source: { push: `${names.drivers}_push` },
      },
      {
        name: names.cities,
        entities: ['city'],
        devices: true,
        schema: [
          { name: 'name', dtype: 'string' },
          { name: 'embedding', dtype: 'float32[]' },
        ],
        source: { push: `${names.cities}_push` },
      },
    ],
    feature_services: [
      { name: names.service, description: 'What the ranker reads', features: [`${names.drivers}:conv_rate`, `${names.drivers}:trips`, `${names.cities}:embedding`] },
    ],
  });
  const now = Date.now();
  const at = [now - HOUR, now - 2 * HOUR, now - 72 * HOUR];
  await hub.call('POST', '/feast/push', {
    push_source_name: `${names.drivers}_push`,
    to: 'offline',
    df: { driver_id: [1001, 1002, 1003], event_timestamp: at, created: at, conv_rate: [0.85, 0.4, 0.1], trips: [12, null, 3], active: [true, false, true] },
  });
  await hub.call('POST', '/feast/materialize', { start_ts: now - 7 * 24 * HOUR, end_ts: now, feature_views: [names.drivers] });
  await hub.call('POST', '/feast/push', {
    push_source_name: `${names.cities}_push`,
    to: 'online_and_offline',
    df: { city_id: ['berlin'], event_timestamp: [now - HOUR], name: ['Berlin'], embedding: [[0.25, -1, 0.5]] },
  });
  await hub.call('POST', '/v1/models', { name: names.model });
  const bytes = linearModelOnnx({ inputSize: 4, outputSize: 1 });
  await hub.call('POST', `/v1/models/${names.model}/versions`, { format: 'onnx', files: [{ path: 'model.onnx', digest: await hub.blob(bytes), size: bytes.byteLength }], featureService: names.service });
  return names;
}
