// The production path stood up locally on a real RGW: a persistent RGW topic pushing to the CephSource
// adapter stand-in, the Broker stand-in with the Triggers of the RENDERED cephsource overlay, classify
// (the real built function) behind an activator, event_display stand-ins for review and dead letters.
// Shared by test/e2e/production-path.e2e.test.ts and the bench.
import { ListObjectsV2Command, CreateBucketCommand, PutBucketNotificationConfigurationCommand, type FilterRuleName, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { parse } from 'yaml';
import { startEventing, type BrokerOptions, type BrokerRecord, type Eventing, type Instance, type ManifestObject } from '../../packages/local/src/eventing/index.ts';
import { overlayDir } from '../manifests/support/paths.ts';
import { render } from '../manifests/support/render.ts';
import { startFunction, type RunningFunction } from './function-process.ts';
import { sharedPath } from './paths.ts';
import { awsEnvFor, s3For, snsFor, uniqueName, type RgwAccess } from './rgw-clients.ts';

export interface ProductionPath {
  eventing: Eventing;
  s3: S3Client;
  sns: SNSClient;
  /** The bucket the overlay's notification is applied to. */
  bucket: string;
  /** Every classify process the activator started, in order. */
  instances: RunningFunction[];
  /** Counts for one object key (as CloudEvent subject). */
  countsFor(key: string): PathCounts;
  storedResults(prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface PathCounts {
  /** Deliveries of the key's notification to classify (Broker attempts on classify's Triggers). */
  attempts: Array<Extract<BrokerRecord, { kind: 'attempt' }>>;
  /** Result events classify replied with that went back into the Broker. */
  replies: number;
  review: number;
  deadLetters: number;
}

export interface PathOptions {
  /** Idle period before classify is stopped (scale to zero). */
  idleMs?: number;
  beforeAttempt?: BrokerOptions['beforeAttempt'];
}

const MODEL_URL = `file://${sharedPath('models/mobilenet_v1_0.75_224/model.json')}`;

/** The notification the overlay's configure-notify state applies, with RGW pushing to `endpoint`. */
function overlayNotification(objects: readonly ManifestObject[]): { id: string; events: string[]; regex?: string; persistent: boolean } {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'configure-notify-state') as { data?: Record<string, string> } | undefined;
  const state = parse(cm?.data?.['state.yaml'] ?? '') as {
    spec: { topics: Array<{ persistent?: boolean }>; notifications: Array<{ id: string; events: string[]; filter?: { keyFilters?: Array<{ name: string; value: string }> } }> };
  };
  const n = state.spec.notifications[0]!;
  const regex = n.filter?.keyFilters?.find((f) => f.name === 'regex')?.value;
  return { id: n.id, events: n.events, ...(regex ? { regex } : {}), persistent: state.spec.topics[0]?.persistent === true };
}

export async function startProductionPath(rgw: RgwAccess, options: PathOptions = {}): Promise<ProductionPath> {
  const objects = await render(overlayDir('cephsource'));
  const instances: RunningFunction[] = [];
  const startClassify = async (): Promise<Instance> => {
    const fn = await startFunction('classify', { ...awsEnvFor(rgw), MODEL_URL });
    instances.push(fn);
    return { url: fn.url, stop: () => fn.stop(), exited: new Promise((r) => fn.child.once('exit', r)) };
  };
  const eventing = await startEventing({
    objects,
    services: { classify: { start: startClassify, idleMs: options.idleMs ?? 120_000 } },
    displays: ['review', 'dead-letters'],
    ...(options.beforeAttempt ? { beforeAttempt: options.beforeAttempt } : {}),
  });
  const s3 = s3For(rgw);
  const sns = snsFor(rgw);
  const bucket = uniqueName('pp-photos');
  const notification = overlayNotification(objects);
  const topic = await sns.send(
    new CreateTopicCommand({ Name: uniqueName('pp-cephsource'), Attributes: { 'push-endpoint': eventing.adapter!.url, persistent: String(notification.persistent) } }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        TopicConfigurations: [
          {
            Id: notification.id,
            TopicArn: topic.TopicArn,
            Events: notification.events as never,
            ...(notification.regex ? { Filter: { Key: { FilterRules: [{ Name: 'regex' as FilterRuleName, Value: notification.regex }] } } } : {}),
          },
        ],
      },
    }),
  );
  const { broker, displays } = eventing;
  return {
    eventing,
    s3,
    sns,
    bucket,
    instances,
    countsFor: (key) => ({
      attempts: broker.records.filter((r): r is Extract<BrokerRecord, { kind: 'attempt' }> => r.kind === 'attempt' && r.trigger.startsWith('classify-') && r.subject === key),
      replies: broker.records.filter((r) => r.kind === 'accepted' && r.reply && r.event.attributes.subject === key).length,
      review: displays.review!.events.filter((e) => e.attributes.subject === key).length,
      deadLetters: displays['dead-letters']!.events.filter((e) => e.attributes.subject === key).length,
    }),
    storedResults: async (prefix = 'results/') => {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
    },
    close: async () => {
      await eventing.close();
      s3.destroy();
      sns.destroy();
    },
  };
}
