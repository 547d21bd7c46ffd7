import { z } from 'zod';

/**
 * The Open Inference Protocol's REST payloads, transcribed from the specification (not from this
 * function's answers): kserve/open-inference-protocol specification/protocol/open_inference_rest.yaml
 * (components.schemas, commit 18d5991e) and inference_rest.md (health bodies, "Tensor Data Types").
 * Objects are open (the OpenAPI schemas do not forbid extra properties); required fields and types are
 * what the spec lists.
 */
export const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;

const parameters = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.unknown()]));
type TensorData = (number | string | boolean | TensorData)[];
const tensorData: z.ZodType<TensorData> = z.array(z.union([z.number(), z.string(), z.boolean(), z.lazy(() => tensorData)]));

export const metadataServerResponse = z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) });

export const metadataTensor = z.object({ name: z.string(), datatype: z.enum(DATATYPES), shape: z.array(z.int()) });

export const metadataModelResponse = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(metadataTensor).optional(),
  outputs: z.array(metadataTensor).optional(),
});

export const responseOutput = z.object({
  name: z.string(),
  shape: z.array(z.int().nonnegative()),
  datatype: z.enum(DATATYPES),
  parameters: parameters.optional(),
  data: tensorData,
});

export const inferenceResponse = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string().optional(),
  parameters: parameters.optional(),
  outputs: z.array(responseOutput),
});

/** $inference_error_response, $metadata_model_error_response, $metadata_server_error_response. */
export const errorResponse = z.object({ error: z.string() });

/** inference_rest.md: $live_server_response, $ready_model_response (server ready as KServe answers it). */
export const liveServerResponse = z.object({ live: z.boolean() });
export const readyServerResponse = z.object({ ready: z.boolean() });
export const readyModelResponse = z.object({ name: z.string(), ready: z.boolean() });
