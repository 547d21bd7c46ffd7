/**
 * What `npm start` reads from its environment, checked once with a clear message. Everything has a
 * default: `npm install && npm start` needs nothing else.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { env, loadConfig } from '@bucket-ml/core';
import { sharedDir } from './paths.js';

const port = () => env.int(0, 65535);

export const startEnvSchema = z.object({
  /** Port of the embedded S3 server (S3_PORT, or PORT); 0 = any free port. Default: 7480 (RGW's) if free. */
  S3_PORT: port().optional(),
  PORT: port().optional(),
  /** Interface the embedded S3 server listens on. */
  S3_HOST: z.string().default('127.0.0.1'),
  /** Keep the embedded server's buckets in this directory across runs (default: in memory). */
  S3_DATA_DIR: z.string().optional(),
  /** Port classify listens on (CLASSIFY_PORT, or FUNC_PORT as faas-js-runtime names it); 0 = any. Default: 8080 if free. */
  CLASSIFY_PORT: port().optional(),
  FUNC_PORT: port().optional(),
  BUCKET: z.string().default('photos'),
  /** Key suffixes that trigger classification (one notification per suffix, as RGW filters allow one). */
  NOTIFY_SUFFIXES: env.list().default(['.jpg', '.jpeg', '.png', '.webp']),
  /** How notifications reach classify: as RGW 16 pushes them (`rgw`), or as eventing-ceph's CephSource sends them. */
  NOTIFY_FORMAT: z.enum(['rgw', 'cephsource']).default('rgw'),
  /** Where the sample photos come from; `none` uploads nothing. */
  SAMPLE_IMAGES: z.string().optional(),
  MODEL_URL: z.string().optional(),
  /** Real RGW: its S3 endpoint (the AWS SDK's variables, as the functions read them). */
  AWS_ENDPOINT_URL_S3: z.url({ protocol: /^https?$/ }).optional(),
  AWS_ENDPOINT_URL: z.url({ protocol: /^https?$/ }).optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  /** Real RGW: the URL RGW pushes notifications to (must reach classify from the RGW host). */
  PUSH_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** Real RGW: name of the topic created for classify. */
  NOTIFY_TOPIC: z.string().default('bucket-ml-local-classify'),
  /**
   * `direct`: the bucket's notifications go straight to classify (RGW 16 pushing to the function).
   * `broker`: through the cluster's eventing stood in from the cephsource overlay (CephSource adapter →
   * Broker → Triggers → classify → result events → review); needs kubectl to render the overlay.
   */
  PIPELINE: z.enum(['direct', 'broker']).default('direct'),
  /**
   * `off`: the bucket has no notifications, as when classify was down or events were lost: the samples
   * are uploaded unannounced, then configure-notify's reconcile finds them and catches up.
   */
  NOTIFY: z.enum(['on', 'off']).default('on'),
  /** Print every log line of classify and of the S3 server, not only the summary. */
  VERBOSE: env.bool().default(false),
});

export interface StartSettings {
  mode: 'embedded' | 'rgw';
  s3Port?: number;
  s3Host: string;
  dataDir?: string;
  classifyPort?: number;
  bucket: string;
  suffixes: string[];
  format: 'rgw' | 'cephsource';
  pipeline: 'direct' | 'broker';
  /** false: no bucket notifications; the samples are caught up by a reconcile. */
  notify: boolean;
  imagesDir?: string;
  modelUrl: string;
  rgw?: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string; pushEndpoint?: string; topic: string };
  verbose: boolean;
}

export function loadStartSettings(environment: NodeJS.ProcessEnv = process.env): StartSettings {
  const e = loadConfig(startEnvSchema, environment);
  const shared = sharedDir(environment);
  const endpoint = e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL;
  if (endpoint && (!e.AWS_ACCESS_KEY_ID || !e.AWS_SECRET_ACCESS_KEY)) {
    throw new Error(`AWS_ENDPOINT_URL_S3 points at ${endpoint}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for it too`);
  }
  if (endpoint && e.PIPELINE === 'broker') {
    throw new Error('PIPELINE=broker runs with the embedded S3 server; against a real RGW, point its topic at a CephSource adapter yourself (docs/try-it-locally.md)');
  }
  if (endpoint && e.NOTIFY === 'off') {
    throw new Error('NOTIFY=off runs with the embedded S3 server; against a real RGW, run configure-notify reconcile yourself (docs/try-it-locally.md)');
  }
  if (e.PIPELINE === 'broker' && e.NOTIFY_FORMAT !== 'rgw') {
    throw new Error('PIPELINE=broker: notifications go to the CephSource adapter as RGW pushes them; NOTIFY_FORMAT applies only to PIPELINE=direct');
  }
  const images = e.SAMPLE_IMAGES ?? path.join(shared, 'images');
  return {
    mode: endpoint ? 'rgw' : 'embedded',
    ...((e.S3_PORT ?? e.PORT) !== undefined ? { s3Port: e.S3_PORT ?? e.PORT } : {}),
    s3Host: e.S3_HOST,
    ...(e.S3_DATA_DIR ? { dataDir: path.resolve(e.S3_DATA_DIR) } : {}),
    ...((e.CLASSIFY_PORT ?? e.FUNC_PORT) !== undefined ? { classifyPort: e.CLASSIFY_PORT ?? e.FUNC_PORT } : {}),
    bucket: e.BUCKET,
    suffixes: e.NOTIFY_SUFFIXES,
    format: e.NOTIFY_FORMAT,
    pipeline: e.PIPELINE,
    notify: e.NOTIFY === 'on',
    ...(images === 'none' ? {} : { imagesDir: path.resolve(images) }),
    modelUrl: e.MODEL_URL ?? pathToFileURL(path.join(shared, 'models/mobilenet_v1_0.75_224/model.json')).href,
    ...(endpoint
      ? {
          rgw: {
            endpoint,
            accessKeyId: e.AWS_ACCESS_KEY_ID!,
            secretAccessKey: e.AWS_SECRET_ACCESS_KEY!,
            region: e.AWS_REGION,
            ...(e.PUSH_ENDPOINT ? { pushEndpoint: e.PUSH_ENDPOINT } : {}),
            topic: e.NOTIFY_TOPIC,
          },
        }
      : {}),
    verbose: e.VERBOSE,
  };
}

/** The fixed key pair of the embedded server: printed, and the only one it accepts. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'bucketml', secretAccessKey: 'bucketml-local-secret' } as const;
