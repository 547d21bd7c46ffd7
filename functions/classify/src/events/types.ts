/**
 * The CloudEvent types classify consumes and produces. The Knative manifests and their checks read
 * these constants, so the trigger filters and the code cannot drift apart.
 */

/** Event names (RGW/AWS, without `s3:`) that mean "a new object version exists". */
export const OBJECT_CREATED_EVENTS = [
  'ObjectCreated:Put',
  'ObjectCreated:Post',
  'ObjectCreated:Copy',
  'ObjectCreated:CompleteMultipartUpload',
] as const;

/** eventing-ceph's CephSource and RGW 17+ (`cloudevents=true`) both type events `com.amazonaws.<eventName>`. */
export const S3_EVENT_TYPE_PREFIX = 'com.amazonaws.';
export const OBJECT_CREATED_TYPE_PREFIX = `${S3_EVENT_TYPE_PREFIX}ObjectCreated:`;
export const CLASSIFY_EVENT_TYPES: readonly string[] = OBJECT_CREATED_EVENTS.map((n) => S3_EVENT_TYPE_PREFIX + n);

/**
 * The reply type. A Broker re-ingests replies, so it must never match classify's own trigger
 * (which accepts only `com.amazonaws.ObjectCreated:*`), or every result would loop back forever.
 */
export const RESULT_EVENT_TYPE = 'io.bucketml.classification.completed.v1';

/**
 * The reply for a permanent failure of one object (not an image, corrupt, too large, gone, not
 * allowed …): the upload's fate in the same stream as the results. Like the result type, it must
 * never match classify's own trigger.
 */
export const FAILED_EVENT_TYPE = 'io.bucketml.classification.failed.v1';

/** Every type classify replies with. */
export const REPLY_EVENT_TYPES: readonly string[] = [RESULT_EVENT_TYPE, FAILED_EVENT_TYPE];

/** CloudEvent extension of a failed event carrying the error code (`not_an_image` …), for Trigger filters. */
export const ERROR_EXTENSION = 'bmlerror';

/** CloudEvent extension carrying `high` or `low`, so a Trigger can route unsure results to review. */
export const CONFIDENCE_EXTENSION = 'bmlconfidence';

export function isObjectCreated(eventName: string): boolean {
  // AWS and RGW also use wildcard-free names like `ObjectCreated:CompleteMultipartUpload`; any
  // ObjectCreated variant means a new version to classify.
  return eventName.startsWith('ObjectCreated:');
}
