// Planning without I/O: desired document + what RGW holds → created/updated/unchanged/deleted,
// and which notifications must be re-created because their topic changed.
import { describe, expect, it } from 'vitest';
import { canonicalNotification, canonicalTopic, type NotificationSpec } from '../src/state/canonical.ts';
import { copyName, planApply, planDelete, stateFromActual, type ActualState, type RgwVersionInfo } from '../src/state/diff.ts';
import { parseState, type Notification, type NotificationState, type Topic } from '../src/state/schema.ts';

const V16: RgwVersionInfo = { version: '16.2.15', major: 16, source: 'probe' };

function doc(spec: { topics?: Topic[]; notifications?: Notification[] }): NotificationState {
  return parseState({ apiVersion: 'bucket-ml.io/v1alpha1', kind: 'NotificationState', spec });
}

const topicA: Topic = { name: 'a', endpoint: { http: { uri: 'http://one.example/' } } };
const notif: Notification = { bucket: 'photos', id: 'jpg', topic: 'a', events: ['s3:ObjectCreated:*'], filter: { keyFilters: [{ name: 'suffix', value: '.jpg' }] } };

/** RGW holding exactly what `d` declares (as a successful apply leaves it). */
function actualOf(d: NotificationState): ActualState {
  const actual: ActualState = { topics: new Map(), topicCopies: new Map(), buckets: new Map() };
  for (const t of d.spec.topics) actual.topics.set(t.name, { arn: `arn:aws:sns:default::${t.name}`, spec: canonicalTopic(t) });
  for (const n of d.spec.notifications) {
    const spec = canonicalNotification(n);
    actual.buckets.set(n.bucket, [...(actual.buckets.get(n.bucket) ?? []), spec]);
    const topic = d.spec.topics.find((t) => t.name === n.topic)!;
    actual.topicCopies.set(copyName(n.id, n.topic), { ...canonicalTopic(topic), name: copyName(n.id, n.topic) });
  }
  return actual;
}

describe('planApply', () => {
  it('creates what is missing (bucket exists, nothing else)', () => {
    const d = doc({ topics: [topicA], notifications: [notif] });
    const plan = planApply(d, { topics: new Map(), topicCopies: new Map(), buckets: new Map([['photos', []]]) }, V16);
    expect(plan.topics.map((s) => [s.name, s.action])).toEqual([['a', 'create']]);
    expect(plan.notifications.map((s) => [s.id, s.action])).toEqual([['jpg', 'create']]);
    expect(plan.warnings).toEqual([]);
  });

  it('is all unchanged when RGW holds the document', () => {
    const d = doc({ topics: [topicA], notifications: [notif] });
    const plan = planApply(d, actualOf(d), V16);
    expect([...plan.topics, ...plan.notifications].map((s) => s.action)).toEqual(['unchanged', 'unchanged']);
  });

  it('an endpoint change updates the topic and re-creates the notifications that use it', () => {
    const before = doc({ topics: [topicA, { name: 'b', endpoint: { http: { uri: 'http://b/' } } }], notifications: [notif, { ...notif, id: 'other', topic: 'b' }] });
    const after = doc({ topics: [{ name: 'a', endpoint: { http: { uri: 'http://two.example/' } } }, { name: 'b', endpoint: { http: { uri: 'http://b/' } } }], notifications: [notif, { ...notif, id: 'other', topic: 'b' }] });
    const plan = planApply(after, actualOf(before), V16);
    expect(plan.topics[0]).toMatchObject({ name: 'a', action: 'update', changes: [{ field: 'endpoint.http.uri', from: 'http://one.example/', to: 'http://two.example/' }] });
    expect(plan.topics[1]!.action).toBe('unchanged');
    const [jpg, other] = plan.notifications;
    expect(jpg).toMatchObject({ id: 'jpg', action: 'update', changes: [], removeFirst: 0 });
    expect(jpg!.reasons[0]).toMatch(/topic a changes.*re-created/);
    expect(other!.action).toBe('unchanged');
  });

  it('a stale copy of the topic inside a notification (an earlier apply stopped half way) is re-created', () => {
    const d = doc({ topics: [topicA], notifications: [notif] });
    const actual = actualOf(d);
    actual.topicCopies.set(copyName('jpg', 'a'), { ...canonicalTopic({ name: 'x', endpoint: { http: { uri: 'http://old.example/' } } }), name: copyName('jpg', 'a') });
    const plan = planApply(d, actual, V16);
    expect(plan.topics[0]!.action).toBe('unchanged');
    expect(plan.notifications[0]!.action).toBe('update');
    expect(plan.notifications[0]!.reasons[0]).toMatch(/copy of topic a .* outdated/);
  });

  it('without RGW copies (later Ceph) nothing is assumed stale', () => {
    const d = doc({ topics: [topicA], notifications: [notif] });
    const actual = actualOf(d);
    actual.topicCopies.clear();
    expect(planApply(d, actual, V16).notifications[0]!.action).toBe('unchanged');
  });

  it('lists field changes of a notification in document terms', () => {
    const before = doc({ topics: [topicA], notifications: [notif] });
    const after = doc({
      topics: [topicA],
      notifications: [{ ...notif, events: ['s3:ObjectCreated:Put'], filter: { keyFilters: [{ name: 'prefix', value: 'img/' }], tagFilters: [{ name: 'env', value: 'prod' }] } }],
    });
    const step = planApply(after, actualOf(before), V16).notifications[0]!;
    expect(step.action).toBe('update');
    expect(step.changes.map((c) => c.field)).toEqual(['events', 'filter.keyFilters', 'filter.tagFilters']);
    expect(step.changes[1]).toEqual({ field: 'filter.keyFilters', from: [{ name: 'suffix', value: '.jpg' }], to: [{ name: 'prefix', value: 'img/' }] });
    expect(step.removeFirst).toBe(0);
  });

  it('moving a notification to another topic deletes the old configuration first (RGW would keep both)', () => {
    const before = doc({ topics: [topicA, { name: 'b', endpoint: { http: { uri: 'http://b/' } } }], notifications: [notif] });
    const after = doc({ topics: before.spec.topics, notifications: [{ ...notif, topic: 'b' }] });
    const step = planApply(after, actualOf(before), V16).notifications[0]!;
    expect(step).toMatchObject({ action: 'update', removeFirst: 1, changes: [{ field: 'topic', from: 'a', to: 'b' }] });
  });

  it('several configurations under one id (left by an earlier move) are replaced by one', () => {
    const d = doc({ topics: [topicA], notifications: [notif] });
    const actual = actualOf(d);
    const stray: NotificationSpec = { ...canonicalNotification(notif), topic: 'gone' };
    actual.buckets.set('photos', [...actual.buckets.get('photos')!, stray]);
    const step = planApply(d, actual, V16).notifications[0]!;
    expect(step.action).toBe('update');
    expect(step.removeFirst).toBe(2);
    expect(step.reasons[0]).toMatch(/2 configurations with this id/);
  });

  it('omitted events mean RGW\'s default, all Created and Removed events, and compare equal to them', () => {
    const d = doc({ topics: [topicA], notifications: [{ bucket: 'photos', id: 'all', topic: 'a' }] });
    const actual = actualOf(d);
    expect(actual.buckets.get('photos')![0]!.events).toEqual(['s3:ObjectCreated:*', 's3:ObjectRemoved:*']);
    expect(planApply(d, actual, V16).notifications[0]!.action).toBe('unchanged');
  });

  it('fails items it cannot do: a missing bucket, an unknown topic', () => {
    const d = doc({ topics: [topicA], notifications: [{ ...notif, bucket: 'nope' }, { ...notif, id: 'x', topic: 'elsewhere' }] });
    const plan = planApply(d, { topics: new Map(), topicCopies: new Map(), buckets: new Map([['nope', null], ['photos', []]]) }, V16);
    expect(plan.notifications[0]).toMatchObject({ action: 'fail', error: { code: 'bucket_not_found', status: 404 } });
    expect(plan.notifications[1]).toMatchObject({ action: 'fail', error: { code: 'topic_not_found' } });
  });

  it('a notification may use a topic that exists in RGW without being declared', () => {
    const other = doc({ topics: [topicA], notifications: [] });
    const d = doc({ notifications: [notif] });
    const actual = actualOf(other);
    actual.buckets.set('photos', []);
    expect(planApply(d, actual, V16).notifications[0]!.action).toBe('create');
  });

  it('warns that cloudevents needs Ceph 17, naming the version, or that the version is unknown', () => {
    const d = doc({ topics: [{ name: 'ce', endpoint: { http: { uri: 'http://x/', sendCloudEvents: true } } }] });
    const empty: ActualState = { topics: new Map(), topicCopies: new Map(), buckets: new Map() };
    expect(planApply(d, empty, V16).warnings).toEqual([expect.objectContaining({ subject: 'topic/ce', code: 'cloudevents_unsupported', message: expect.stringContaining('16.2.15') })]);
    expect(planApply(d, empty, { source: 'unknown' }).warnings[0]!.message).toMatch(/unknown.*RGW_VERSION/);
    expect(planApply(d, empty, { version: '17.2.7', major: 17, source: 'configured' }).warnings).toEqual([]);
  });

  it('compares topics with defaults made explicit (ack level broker, verify-ssl on)', () => {
    const explicit = doc({ topics: [{ name: 'k', endpoint: { kafka: { uri: 'kafka://k:9092', ackLevel: 'broker', useSSL: false, disableVerifySSL: false } } }] });
    const implicit = doc({ topics: [{ name: 'k', endpoint: { kafka: { uri: 'kafka://k:9092' } } }] });
    expect(planApply(implicit, actualOf(explicit), V16).topics[0]!.action).toBe('unchanged');
    const changed = doc({ topics: [{ name: 'k', endpoint: { kafka: { uri: 'kafka://k:9092', ackLevel: 'none' } }, persistent: true }] });
    expect(planApply(changed, actualOf(explicit), V16).topics[0]!.changes.map((c) => c.field)).toEqual(['endpoint.kafka.ackLevel', 'persistent']);
  });
});

describe('planDelete', () => {
  it('deletes what exists, notifications before topics, and reports the rest absent', () => {
    const d = doc({ topics: [topicA], notifications: [notif] });
    const plan = planDelete({ topics: ['a', 'ghost'], notifications: [{ bucket: 'photos', id: 'jpg' }, { bucket: 'photos', id: 'ghost' }] }, actualOf(d));
    expect(plan.notifications.map((s) => [s.id, s.action, s.removeFirst])).toEqual([['jpg', 'delete', 1], ['ghost', 'absent', 0]]);
    expect(plan.topics.map((s) => [s.name, s.action])).toEqual([['a', 'delete'], ['ghost', 'absent']]);
    expect(plan.warnings).toEqual([]);
  });

  it('warns when a deleted topic is still used by a notification that stays', () => {
    const d = doc({ topics: [topicA], notifications: [notif] });
    const plan = planDelete({ topics: ['a'], notifications: [] }, actualOf(d));
    expect(plan.warnings[0]).toMatchObject({ subject: 'topic/a', code: 'topic_still_used' });
    expect(plan.warnings[0]!.message).toContain('photos/jpg');
  });
});

describe('stateFromActual', () => {
  it('turns what RGW holds back into a document that plans as unchanged', () => {
    const d = doc({
      topics: [topicA, { name: 'k', persistent: true, opaqueData: 'x', endpoint: { kafka: { uri: 'kafka://k:9092', useSSL: true } } }],
      notifications: [notif, { bucket: 'photos', id: 'meta', topic: 'k', filter: { metadataFilters: [{ name: 'color', value: 'red' }] } }],
    });
    const { document } = stateFromActual(actualOf(d));
    expect(document.spec.topics.map((t) => t.name)).toEqual(['a', 'k']);
    expect(document.spec.topics[1]).toEqual({ name: 'k', persistent: true, opaqueData: 'x', endpoint: { kafka: { uri: 'kafka://k:9092', useSSL: true } } });
    const again = planApply(parseState(document), actualOf(d), V16);
    expect([...again.topics, ...again.notifications].every((s) => s.action === 'unchanged')).toBe(true);
  });
});
