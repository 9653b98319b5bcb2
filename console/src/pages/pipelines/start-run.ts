import { startPipelineRun } from '../../../../shared/client/pipelines';
import { hub } from '../../hub';

type Params = Record<string, number | string | boolean>;

/**
 * Starts a run. Each call sends a key of its own, as the CLI does per invocation: the same request arriving twice
 * starts one run, while a second click is a second run, on purpose.
 */
export const startRun = (pipeline: string, body: { params?: Params; version?: number } = {}) => startPipelineRun(hub, pipeline, { ...body, key: crypto.randomUUID() });
