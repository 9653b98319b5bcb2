import { startBenchHub } from './hub.js';
import * as t from './tracking.js';
const hub = await startBenchHub();
try { console.log(await t.ingestion(hub, t.FULL)); } finally { await hub.stop(); }
