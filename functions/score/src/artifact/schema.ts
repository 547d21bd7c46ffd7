import { z } from 'zod';

/**
 * The model artifact: one self-describing JSON file per model, documented in ../../README.md
 * ("Artifact format"). Everything the server needs to serve the model faithfully travels with the
 * weights: the input contract (ordered feature names, preprocessing), the output contract (classes and
 * their names), where the weights came from, rows to re-check them with, and a digest of the weights.
 */
export const ARTIFACT_FORMAT = 'bucket-ml.tabular-model/v1';

// zod 4 numbers are finite (NaN and ±Infinity rejected), and JSON cannot carry them anyway.
const finite = z.number();

export const tensorSchema = z
  .object({
    shape: z.array(z.int().positive()).min(1).max(2),
    data: z.array(finite),
  })
  .refine((t) => t.data.length === t.shape.reduce((a, b) => a * b, 1), {
    message: 'data length does not match shape',
  });
export type Tensor = z.infer<typeof tensorSchema>;

export const ldaSchema = z.object({
  type: z.literal('lda'),
  /** classes × features: scores = x·coefᵀ + intercept, proba = softmax(scores). */
  coef: tensorSchema,
  intercept: tensorSchema,
});

export const mlpSchema = z.object({
  type: z.literal('mlp'),
  hiddenActivation: z.literal('relu'),
  outputActivation: z.literal('softmax'),
  /** weights in × out (scikit-learn's coefs_ layout): h = act(x·weights + bias). */
  layers: z.array(z.object({ weights: tensorSchema, bias: tensorSchema })).min(2),
});

export const preprocessSchema = z.discriminatedUnion('op', [z.object({ op: z.literal('l2-normalize') })]);

const featureName = z
  .string()
  .min(1)
  .refine((s) => s === s.trim(), 'feature names are stored trimmed');

export const artifactSchema = z
  .object({
    format: z.literal(ARTIFACT_FORMAT),
    /** How requests name the model (`?model=`), unique among the models a server loads. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, ".", "_" or "-" (max 63)'),
    description: z.string().optional(),
    createdAt: z.iso.datetime(),
    input: z.object({
      features: z.array(featureName).min(1).refine((f) => new Set(f).size === f.length, 'feature names must be unique'),
      preprocessing: z.array(preprocessSchema),
    }),
    output: z
      .object({
        classes: z.array(z.int()).min(3, 'multiclass models only (at least 3 classes)'),
        classNames: z.array(z.string().min(1)),
      })
      .refine((o) => o.classes.length === o.classNames.length, 'classes and classNames differ in length')
      .refine((o) => new Set(o.classes).size === o.classes.length, 'classes must be unique'),
    model: z.discriminatedUnion('type', [ldaSchema, mlpSchema]),
    training: z.object({
      origin: z.enum(['typescript', 'sklearn']),
      /** e.g. "LinearDiscriminantAnalysis(solver='svd')" */
      algorithm: z.string(),
      /** The program that produced the weights, e.g. "@bucket-ml/score 0.1.0" or "scikit-learn 1.2.1". */
      tool: z.string(),
      data: z.object({
        file: z.string().optional(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        rows: z.int().positive(),
        labelColumn: z.string().optional(),
      }),
      parameters: z.record(z.string(), z.json()),
      epochs: z.int().positive().optional(),
      loss: finite.optional(),
      durationMs: z.number().nonnegative().optional(),
    }),
    reference: z.object({
      /** Where the expected outputs come from: this implementation when written, or scikit-learn's own. */
      source: z.enum(['self', 'sklearn']),
      /** Largest accepted |served - expected| per probability. */
      tolerance: z.number().positive().max(0.01),
      rows: z
        .array(
          z.object({
            id: z.string().optional(),
            /** Raw features (before preprocessing), in input.features order. */
            features: z.array(finite),
            expected: z.object({ class: z.int(), proba: z.array(finite) }),
          }),
        )
        .min(1, 'at least one reference row'),
    }),
    integrity: z.object({
      algorithm: z.literal('sha256-float64le'),
      digest: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  })
  .strict();

export type Artifact = z.infer<typeof artifactSchema>;
export type ArtifactModel = Artifact['model'];
