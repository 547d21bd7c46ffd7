/**
 * `npm start` against a real Ceph RGW (AWS_ENDPOINT_URL_S3 and credentials set): the bucket
 * notification is configured with configure-notify's own engine (functions/configure-notify), the
 * same code the deployed function runs: one HTTP topic pushing to classify, one notification per
 * key suffix (an S3 filter holds one suffix), for s3:ObjectCreated:*.
 */
export interface RealRgwTarget {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** Topic created (or updated) for classify. */
  topic: string;
  /** Where RGW pushes: classify's URL as the RGW host reaches it. */
  pushEndpoint: string;
  suffixes: string[];
}

export interface RealRgwResult {
  /** One line per topic/notification: what configure-notify did (created, updated, unchanged). */
  summary: string[];
}

/** Notification ids per suffix: `classify-jpg`, `classify-png`, … */
export const notificationId = (suffix: string): string => `classify-${suffix.replace(/^\./, '').replace(/[^A-Za-z0-9_-]/g, '_')}`;

export async function configureRealRgw(target: RealRgwTarget): Promise<RealRgwResult> {
  // Loaded only for a real RGW, so the embedded default never depends on configure-notify.
  const { applyState, connectRgw, validateState, API_VERSION, KIND } = await import('@bucket-ml/configure-notify/api');
  const doc = validateState({
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: 'bucket-ml-local' },
    spec: {
      // Non-persistent: RGW pushes before the upload returns, so an upload is classified when it
      // completes (RGW 16's persistent queues wait up to 30 s before their first delivery).
      topics: [{ name: target.topic, endpoint: { http: { uri: target.pushEndpoint } }, persistent: false }],
      notifications: target.suffixes.map((suffix) => ({
        bucket: target.bucket,
        id: notificationId(suffix),
        topic: target.topic,
        events: ['s3:ObjectCreated:*'],
        filter: { keyFilters: [{ name: 'suffix', value: suffix }] },
      })),
    },
  });
  const rgw = connectRgw({
    endpoint: target.endpoint,
    region: target.region,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
  try {
    const report = await applyState(doc, rgw);
    const summary = report.items.map((item) =>
      item.kind === 'warning' ? `warning ${item.name}: ${item.message}` : `${item.kind} ${item.name}: ${item.action}${item.error ? ` (${item.error.message})` : ''}`,
    );
    if (!report.ok) throw new Error(`configure-notify could not configure ${target.endpoint}:\n  ${summary.join('\n  ')}`);
    return { summary };
  } finally {
    rgw.destroy();
  }
}
