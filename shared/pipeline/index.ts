// `outpost/pipeline`: define pipelines in TypeScript (see docs/pipelines.md).
export { definePipeline, isPipeline, specOf, retryDelay, outputProblem } from './define.js';
export type { PipelineDefinition, StepDefinition, StepContext, StepOutputs, StepTrackingRun } from './define.js';
export type { PipelineSpec, StepSpec, Trigger, ValueType, ParamType } from './spec.js';
export { dagProblems, topologicalOrder } from './validate.js';
export { parseDuration } from './duration.js';
export { canonicalJson, stepFingerprint } from './canonical.js';
