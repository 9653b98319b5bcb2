import { telemetryItemSchema } from '../../shared/schemas/sync.js';
import { syncHandler, type SyncHandlers } from '../core/sync/dispatcher.js';
import { recordTelemetry } from './record.js';

/** Devices' inference reports, sent from their outbox. */
export const telemetrySyncHandlers: SyncHandlers = {
  description:
    'Telemetry goes only to models exposed to devices when sent with a publishable key; a telemetry item is rejected alone when its model does not exist, periodEnd < periodStart, or errors > count.',
  handlers: {
    telemetry: syncHandler({
      schema: telemetryItemSchema,
      apply: (scope, item, record) => recordTelemetry(scope, item, [record]),
    }),
  },
};
