import path from 'node:path';
import { repoRoot } from '../../support/paths.ts';

export { repoRoot };

/** The kustomize tree under test; BUCKET_ML_KNATIVE_DIR points the checks at a modified copy of it. */
export const knativeDir = process.env.BUCKET_ML_KNATIVE_DIR ? path.resolve(process.env.BUCKET_ML_KNATIVE_DIR) : path.join(repoRoot, 'knative');
export const manifestsTestDir = path.join(repoRoot, 'test/manifests');

/** The overlays docs/deploy.md tells users to apply, one per way events reach the Broker (and platform). */
export const OVERLAYS = ['cephsource', 'rgw-cloudevents', 'rook', 'openshift'] as const;
export type Overlay = (typeof OVERLAYS)[number];
export const overlayDir = (o: string): string => path.join(knativeDir, 'overlays', o);

/** The functions deployed as Knative Services, by directory name under functions/ (= Service name). */
export const FUNCTIONS = ['classify', 'score', 'configure-notify'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
export const functionDir = (fn: string): string => path.join(repoRoot, 'functions', fn);
