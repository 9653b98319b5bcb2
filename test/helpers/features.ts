/** A definitions document as DESIGN §11 writes it, as JSON: drivers' stats, customers' profiles, a device view. */
export function featureDocument() {
  return {
    entities: [
      { name: 'driver', join_keys: ['driver_id'], value_type: 'int64', description: 'a driver', owner: 'ml@example.com' },
      { name: 'customer', join_keys: ['customer_id'], value_type: 'string' },
    ],
    feature_views: [
      {
        name: 'driver_stats',
        entities: ['driver'],
        ttl: 100,
        timestamp_field: 'event_timestamp',
        created_timestamp_column: 'created',
        schema: [
          { name: 'conv_rate', dtype: 'float64' },
          { name: 'trips', dtype: 'int64' },
        ],
        source: { push: 'driver_stats_push' },
        tags: { team: 'rides' },
      },
      {
        name: 'driver_profile',
        entities: ['driver'],
        ttl: 0,
        schema: [
          { name: 'city', dtype: 'string' },
          { name: 'embedding', dtype: 'float32[]' },
        ],
        source: { push: 'driver_profile_push' },
      },
      {
        name: 'customer_activity',
        entities: ['customer', 'driver'],
        ttl: 50,
        created_timestamp_column: 'created',
        devices: true,
        schema: [{ name: 'liked', dtype: 'bool' }],
        source: { push: 'activity_push' },
      },
    ],
    feature_services: [{ name: 'driver_model_v1', features: ['driver_stats:conv_rate', 'driver_stats:trips', 'driver_profile:city'] }],
  };
}

/** A small seeded random source, so a failing random case can be replayed. */
export function seeded(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]! };
}
