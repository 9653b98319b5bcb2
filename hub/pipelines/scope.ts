import type { Scope } from '../core/scope.js';

/** What pipeline functions need: storage, project and a clock (tests and the sweep pass their own). */
export type PipelineScope = Pick<Scope, 'db' | 'projectId' | 'now'>;
