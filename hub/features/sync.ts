import { featurePushItemSchema } from '../../shared/schemas/features.js';
import { syncHandler, type SyncHandlers } from '../core/sync/dispatcher.js';
import { pushRows } from './push.js';

/** Devices' feature rows (a user's recent activity, say), sent from their outbox. */
export const featureSyncHandlers: SyncHandlers = {
  description:
    'A `feature.push` item is a Feast push (`push_source_name`, `df`, `to`); with a publishable key only into views with `devices: true`. A bad row rejects the item, storing none of it.',
  handlers: {
    'feature.push': syncHandler({
      schema: featurePushItemSchema,
      apply: async (scope, item, record) => {
        await pushRows(scope, item, record);
      },
    }),
  },
};
