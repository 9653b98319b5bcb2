import type { TelemetryQuery, TelemetryResponse } from '../schemas/telemetry.js';
import type { HubClient } from './hub-client.js';

export function readTelemetry(hub: HubClient, query: TelemetryQuery = {}): Promise<TelemetryResponse> {
  const params = new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
  return hub.json<TelemetryResponse>('GET', `/v1/telemetry${params.size ? `?${params}` : ''}`);
}
