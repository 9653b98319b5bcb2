import { test as base } from 'vitest';
import { newProject, type TestProject } from './client.js';

/** The hub HTTP tests' `test`: each test gets a fresh project, so no test reads what another one wrote, in any order. */
export const test = base.extend<{ project: TestProject }>({
  project: async ({}, use) => use(await newProject('test')),
});
