/** The Open Inference Protocol's infer request and response as JSON, with the binary tensor extension. */

export { HEADER_LENGTH } from '../../shared/serving/binary.js';

export type Parameters = Record<string, unknown>;

export interface RequestInput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Parameters;
  data?: unknown;
}
export interface RequestOutput {
  name: string;
  parameters?: Parameters;
}
export interface InferRequest {
  id?: string;
  parameters?: Parameters;
  inputs: RequestInput[];
  outputs?: RequestOutput[];
}
export interface ResponseOutput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Parameters;
  data?: unknown[];
}
export interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: Parameters;
  outputs: ResponseOutput[];
}

/** A refusal of the request: the protocol's `{"error": "…"}` with a 4xx. */
export class InferenceError extends Error {
  override readonly name = 'InferenceError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
export const invalid = (message: string) => new InferenceError(400, message);
