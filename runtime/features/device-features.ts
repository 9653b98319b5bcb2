import type { HubClient } from '../../shared/client/hub-client.js';
import type { Outbox } from '../sync/outbox.js';
import type { FeatureAnswer } from './answer.js';
import type { EntityInput, FeatureSelection } from './entities.js';
import { clearFeatureCache, readFeatures, type FeatureReadOptions } from './online.js';
import { featurePushItem, type FeaturePushOptions, type PushRows } from './push.js';

/** `op.features(…)` reads online features; `op.features.push(…)` sends rows from the device through the outbox. */
export interface DeviceFeatures {
  (selection: FeatureSelection, entities: EntityInput, options?: FeatureReadOptions): Promise<FeatureAnswer>;
  /** Queues rows for a push source; resolves with the outbox item's id once it is saved on the device. */
  push(pushSource: string, rows: PushRows, options?: FeaturePushOptions): Promise<string>;
  /** Drops this hub's cached feature rows; resolves with how many there were. */
  clear(): Promise<number>;
}

export function deviceFeatures(hub: HubClient, outbox: Outbox): DeviceFeatures {
  const read = (selection: FeatureSelection, entities: EntityInput, options?: FeatureReadOptions) => readFeatures(hub, selection, entities, options);
  return Object.assign(read, {
    async push(pushSource: string, rows: PushRows, options?: FeaturePushOptions) {
      const item = featurePushItem(pushSource, rows, options);
      // Saved before it is sent: the id is fixed from here on, across resends and reloads.
      await outbox.add([item]);
      return item.id;
    },
    clear: () => clearFeatureCache(hub.base),
  });
}
