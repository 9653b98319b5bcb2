import { parseDatasetRef, type DatasetRef } from '../../shared/refs.js';
import { CliError } from '../context.js';

/** A dataset ref from the command line (`ds`, `ds/3`, `ds@alias`); a bad one is a usage error naming it. */
export function datasetRefArg(text: string): DatasetRef {
  try {
    return parseDatasetRef(text);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

/** The `{v}` of the hub's version routes: a number, an alias, or `latest`. */
export const versionSegment = (ref: DatasetRef): number | string => ('version' in ref ? ref.version : 'alias' in ref ? ref.alias : 'latest');
