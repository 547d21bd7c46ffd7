import { z } from 'zod';
import { FunctionError } from '../vendor/core/index.js';
import { deliveryInfoSchema, type DeliveryInfo } from './delivery.js';
import { modelInfoSchema, objectSchema, type ModelInfo } from './document.js';
import { parseStored } from './stored.js';
import type { TimingsSoFar } from './timings.js';

/**
 * Why one object version could not be classified, for good: the data of the failed reply event and,
 * when it can be named, a stored JSON beside the object's results. Transient failures have none
 * (they are retried).
 */
export interface ClassificationFailure {
  schema: 'bucket-ml.classification-failure/v1';
  /** What is known of the object: size and content type only once it was read. */
  object: { bucket: string; key: string; eTag?: string; versionId?: string; size?: number; contentType?: string };
  model: ModelInfo;
  error: { status: number; code: string; message: string; retryable: false };
  event: DeliveryInfo;
  timings: TimingsSoFar;
  /** Where it is stored; absent when it could not be (no version to name it by, or the store refused). */
  resultKey?: string;
  failedAt: string;
}

/**
 * Failures decided by the bytes of the object version alone: the same version read again by the same
 * model fails the same way, so a stored one is re-emitted instead of redoing the work. Every other
 * permanent failure depends on configuration, permissions or the object's presence, which an
 * operator may fix before replaying: those are tried again (and stored again).
 */
const DECIDED_BY_CONTENT: ReadonlySet<string> = new Set(['not_an_image', 'unsupported_image', 'corrupt_image']);

export function isDecidedByContent(code: string): boolean {
  return DECIDED_BY_CONTENT.has(code);
}

const storedFailureSchema = z.object({
  schema: z.literal('bucket-ml.classification-failure/v1'),
  object: objectSchema.extend({ size: z.number().optional() }),
  model: modelInfoSchema,
  error: z.object({ status: z.number().int().min(400).max(499), code: z.string(), message: z.string(), retryable: z.literal(false) }),
  event: deliveryInfoSchema,
  timings: z.object({ fetchMs: z.number().optional(), decodeMs: z.number().optional(), inferenceMs: z.number().optional(), totalMs: z.number() }),
  resultKey: z.string().optional(),
  failedAt: z.string(),
});
const _sameShape: ClassificationFailure = {} as z.output<typeof storedFailureSchema>;
void _sameShape;

/** The failure stored at its key (see parseStored). */
export function parseStoredFailure(text: string, where: string): ClassificationFailure {
  return parseStored<ClassificationFailure>(storedFailureSchema, text, where, 'classification failure');
}

export interface FailureInput {
  object: ClassificationFailure['object'];
  model: ModelInfo;
  /** A permanent failure (retryable ones are not documented: they are retried). */
  error: FunctionError;
  event: DeliveryInfo;
  timings: TimingsSoFar;
  resultKey?: string;
  at: Date;
}

export function buildFailure(input: FailureInput): ClassificationFailure {
  if (input.error.retryable) throw new Error(`${input.error.code} is retryable: it gets no failure document`);
  return {
    schema: 'bucket-ml.classification-failure/v1',
    object: input.object,
    model: input.model,
    // The message is the one the HTTP answer carries: written for the sender, free of internals.
    error: { status: input.error.status, code: input.error.code, message: input.error.message, retryable: false },
    event: input.event,
    timings: input.timings,
    ...(input.resultKey ? { resultKey: input.resultKey } : {}),
    failedAt: input.at.toISOString(),
  };
}

/** The error a stored failure records, to answer a re-delivery with (same status, code and message). */
export function errorOf(failure: ClassificationFailure): FunctionError {
  return new FunctionError(failure.error.status, failure.error.code, failure.error.message);
}

/** The same failure, minus the key it could not be stored under. */
export function unstored(failure: ClassificationFailure): ClassificationFailure {
  const { resultKey: _dropped, ...rest } = failure;
  return rest;
}
