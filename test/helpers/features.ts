import { expect } from 'vitest';

/** Seconds in ms, and a fixed past moment, so every test's times are exact. */
export const S = 1000;
export const BASE = 1_700_000_000_000;

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
function seeded(seed: number) {
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

/** One row as the test wrote it, in write order: what the brute-force join below reads. */
interface Written {
  view: string;
  key: string;
  ev: number;
  cr: number | null;
  vals: Record<string, unknown>;
}

interface ViewRule {
  name: string;
  ttl: number;
  created: boolean;
}

/**
 * The join contract evaluated row by row over everything written, sharing nothing with the hub: rows of the key
 * with t − T ≤ ev ≤ t (no lower bound when T is 0), none created after t when the view has a created column and the
 * filter is on; the winner has the greatest ev, then the greatest created time, then was written last.
 */
function bruteForce(written: Written[], view: ViewRule, key: string, t: number, createdFilter: boolean): Written | null {
  let best: Written | null = null;
  for (const w of written) {
    if (w.view !== view.name || w.key !== key || w.ev > t) continue;
    if (view.ttl > 0 && w.ev < t - view.ttl * S) continue;
    if (view.created && createdFilter && w.cr! > t) continue;
    const later = !best || w.ev > best.ev || (w.ev === best.ev && (w.cr ?? 0) >= (best.cr ?? 0));
    if (later) best = w;
  }
  return best;
}

/** Timestamps in every form a push may use: epoch ms, ISO 8601, and Feast's "YYYY-MM-DD hh:mm:ss" (UTC). */
function anyForm(ms: number, r: ReturnType<typeof seeded>) {
  const form = r.int(3);
  if (form === 0 || ms % S !== 0) return form === 1 ? new Date(ms).toISOString() : ms;
  return form === 1 ? new Date(ms).toISOString() : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}


type Post = (path: string, json: unknown) => Promise<{ status: number; body: any }>;

/**
 * Pushes random rows into featureDocument()'s three views (small time grid: ties everywhere, created times late,
 * early and equal, entity times on TTL edges, keys without rows) and checks the hub's historical join against
 * bruteForce, with the created filter on and off.
 */
export async function checkJoinAgainstBruteForce(post: Post, seed: number, rows: number) {
    const r = seeded(20261201);
    const views: ViewRule[] = [
      { name: 'driver_stats', ttl: 100, created: true },
      { name: 'driver_profile', ttl: 0, created: false },
      { name: 'customer_activity', ttl: 50, created: true },
    ];
    const customers = ['a', 'b', 'c'];
    const grid = () => BASE + r.int(31) * 10 * S;
    const lateness = () => r.pick([0, 0, 0, 10 * S, 50 * S, 200 * S, -10 * S]);
    const written: Written[] = [];
    let serial = 0;
    for (let p = 0; p < 24; p++) {
      const view = views[p % 3]!;
      const n = 5 + r.int(30);
      const driver = Array.from({ length: n }, () => 1 + r.int(6));
      const customer = Array.from({ length: n }, () => r.pick(customers));
      const ev = Array.from({ length: n }, grid);
      const cr = ev.map((t) => t + lateness());
      const df: Record<string, unknown[]> = { driver_id: driver, event_timestamp: ev.map((t) => anyForm(t, r)) };
      let vals: Array<Record<string, unknown>>;
      if (view.name === 'driver_stats') {
        vals = ev.map(() => ({ conv_rate: r.next(), trips: r.int(5) === 0 ? null : serial++ }));
        Object.assign(df, { created: cr.map((t) => anyForm(t, r)), conv_rate: vals.map((v) => v.conv_rate), trips: vals.map((v) => v.trips) });
      } else if (view.name === 'driver_profile') {
        vals = ev.map(() => ({ city: `city-${serial++}` }));
        df.city = vals.map((v) => v.city);
      } else {
        vals = ev.map(() => ({ liked: r.next() < 0.5 }));
        Object.assign(df, { customer_id: customer, created: cr, liked: vals.map((v) => v.liked) });
      }
      const pushed = await post('/feast/push', { push_source_name: { driver_stats: 'driver_stats_push', driver_profile: 'driver_profile_push', customer_activity: 'activity_push' }[view.name], to: 'offline', df });
      expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
      ev.forEach((t, i) => {
        const key = view.name === 'customer_activity' ? JSON.stringify([customer[i], driver[i]]) : JSON.stringify([driver[i]]);
        written.push({ view: view.name, key, ev: t, cr: view.created ? cr[i]! : null, vals: vals[i]! });
      });
    }
    const driverIds = Array.from({ length: rows }, () => 1 + r.int(8)); // 7 and 8 have no rows
    const customerIds = Array.from({ length: rows }, () => r.pick([...customers, 'd']));
    const times = Array.from({ length: rows }, () => (r.int(4) === 0 ? grid() + r.int(10 * S) : grid()));
    const features = ['driver_stats:conv_rate', 'driver_stats:trips', 'driver_profile:city', 'customer_activity:liked'];
    for (const createdFilter of [true, false]) {
      const reply = await post('/v1/features/historical', {
        entities: { driver_id: driverIds, customer_id: customerIds, event_timestamp: times.map((t) => (r.int(2) ? t : new Date(t).toISOString())) },
        features,
        full_feature_names: true,
        createdFilter,
      });
      expect(reply.status).toBe(200);
      const expected: Record<string, unknown[]> = { driver_stats__conv_rate: [], driver_stats__trips: [], driver_profile__city: [], customer_activity__liked: [] };
      for (let i = 0; i < rows; i++) {
        for (const view of views) {
          const key = view.name === 'customer_activity' ? JSON.stringify([customerIds[i], driverIds[i]]) : JSON.stringify([driverIds[i]]);
          const winner = bruteForce(written, view, key, times[i]!, createdFilter);
          for (const f of features.filter((f) => f.startsWith(`${view.name}:`))) {
            const field = f.split(':')[1]!;
            expected[`${view.name}__${field}`]!.push(winner?.vals[field] ?? null);
          }
        }
      }
      expect(Object.keys(reply.body.columns)).toEqual(['driver_id', 'customer_id', 'event_timestamp', ...Object.keys(expected)]);
      for (const [name, values] of Object.entries(expected)) expect(reply.body.columns[name], `${name} createdFilter=${createdFilter}`).toEqual(values);
      const found = expected.driver_stats__trips!.filter((v) => v !== null).length;
      expect(found).toBeGreaterThan(rows / 8);
      expect(found).toBeLessThan(rows);
    }
}
