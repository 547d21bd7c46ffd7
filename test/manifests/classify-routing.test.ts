// Which events reach classify, and where its replies go: the Triggers evaluated over CloudEvents with
// a small model of the Broker's filtering (support/filters.ts), under both behaviours a cluster may
// have (new-trigger-filters on, or only the classic exact-match filter). The event types come from
// classify's own code.
import { describe, expect, it } from 'vitest';
import {
  CLASSIFY_EVENT_TYPES,
  CONFIDENCE_EXTENSION,
  ERROR_EXTENSION,
  FAILED_EVENT_TYPE,
  OBJECT_CREATED_EVENTS,
  OBJECT_CREATED_TYPE_PREFIX,
  REPLY_EVENT_TYPES,
  RESULT_EVENT_TYPE,
  S3_EVENT_TYPE_PREFIX,
} from '../../functions/classify/src/events/types.ts';
import { attributesMatch, evaluateFilter, SEMANTICS, triggerAccepts, UnsupportedFilter, type CloudEvent, type Semantics } from './support/filters.ts';
import { clone, obj, str, strMap, type K8sObject } from './support/objects.ts';
import { OVERLAYS, overlayDir } from './support/paths.ts';
import { render } from './support/render.ts';

/** Event names S3/RGW send besides object creation (AWS S3 event types; Ceph's list is a subset plus lifecycle/sync). */
const OTHER_S3_EVENTS = [
  'ObjectRemoved:Delete',
  'ObjectRemoved:DeleteMarkerCreated',
  'ObjectLifecycle:Expiration:Current',
  'ObjectLifecycle:Expiration:Noncurrent',
  'ObjectLifecycle:Expiration:DeleteMarker',
  'ObjectLifecycle:Expiration:AbortMultipartUpload',
  'ObjectLifecycle:Transition:Current',
  'ObjectLifecycle:Transition:Noncurrent',
  'ObjectSynced:Create',
  'ObjectSynced:Delete',
  'ObjectRestore:Post',
  'ObjectRestore:Completed',
  'ObjectTagging:Put',
  'ReducedRedundancyLostObject',
];
/** Types that must never reach classify: other S3 events, classify's own result, near misses. */
const NOT_CLASSIFY_TYPES = [
  ...OTHER_S3_EVENTS.map((n) => S3_EVENT_TYPE_PREFIX + n),
  ...REPLY_EVENT_TYPES,
  // eventing-ceph's CRD annotation spells types this way; its adapter sends com.amazonaws.<eventName>.
  'com.amazonaws.s3:ObjectCreated:Put',
  'com.amazonaws.objectcreated:put',
  'ObjectCreated:Put',
  'dev.knative.sources.ping',
  'boson.fn',
];
const IMAGE_KEYS = ['photos/dog.jpg', 'DCIM/IMG_0001.JPG', 'a/b/kite.jpeg', 'scan.png', 'x.webp', 'anim.gif', 'page.tiff', 'iphone.heic', 'new.avif'];
const OTHER_KEYS = ['notes.txt', 'results/dog.jpg/etag-9b2c.json', 'dog.jpg.bak', 'archive.zip', 'jpg', ''];

/** Permanent failures classify sends on as failed events (functions/classify/README.md, "Errors"). */
const FAILURE_CODES = ['not_an_image', 'unsupported_image', 'corrupt_image', 'object_too_large', 'image_too_large', 'object_gone', 'object_changed', 'access_denied', 'bucket_not_allowed'];

const event = (type: string, subject?: string, extra: CloudEvent = {}): CloudEvent => ({
  specversion: '1.0',
  id: 'a1b2',
  source: 'ceph:s3.default.photos',
  type,
  ...(subject === undefined ? {} : { subject }),
  ...extra,
});

const failedEvent = (key: string, code: string): CloudEvent => event(FAILED_EVENT_TYPE, key, { [ERROR_EXTENSION]: code, source: '/bucket-ml/classify' });

const classifyTriggers = (objs: K8sObject[]): K8sObject[] =>
  objs.filter((o) => o.kind === 'Trigger' && str(obj(obj(obj(o.spec).subscriber).ref).name) === 'classify');
const deliveries = (triggers: K8sObject[], ev: CloudEvent, s: Semantics): number => triggers.filter((t) => triggerAccepts(t, ev, s)).length;

describe('the filter evaluator', () => {
  const ev = event('com.amazonaws.ObjectCreated:Put', 'photos/dog.jpg', { bmlconfidence: 'low' });
  it('evaluates exact, prefix, suffix, all, any, not as Knative documents them (case-sensitive)', () => {
    expect(evaluateFilter({ exact: { type: 'com.amazonaws.ObjectCreated:Put' } }, ev)).toBe(true);
    expect(evaluateFilter({ exact: { type: 'com.amazonaws.objectcreated:put' } }, ev)).toBe(false);
    expect(evaluateFilter({ prefix: { type: OBJECT_CREATED_TYPE_PREFIX } }, ev)).toBe(true);
    expect(evaluateFilter({ suffix: { subject: '.jpg' } }, ev)).toBe(true);
    expect(evaluateFilter({ suffix: { subject: '.JPG' } }, ev)).toBe(false);
    expect(evaluateFilter({ suffix: { dataschema: '.json' } }, ev)).toBe(false);
    expect(evaluateFilter({ all: [{ prefix: { type: 'com.' } }, { exact: { bmlconfidence: 'low' } }] }, ev)).toBe(true);
    expect(evaluateFilter({ any: [{ suffix: { subject: '.png' } }, { suffix: { subject: '.jpg' } }] }, ev)).toBe(true);
    expect(evaluateFilter({ not: { suffix: { subject: '.jpg' } } }, ev)).toBe(false);
  });
  it('refuses what it cannot evaluate instead of guessing', () => {
    expect(() => evaluateFilter({ cesql: "type LIKE 'com.%'" }, ev)).toThrow(UnsupportedFilter);
    expect(() => evaluateFilter({ exact: { type: 'a', subject: 'b' } }, ev)).toThrow(UnsupportedFilter);
    expect(() => evaluateFilter({ exact: { type: 'a' }, prefix: { type: 'b' } }, ev)).toThrow(UnsupportedFilter);
  });
  it('classic attributes: exact on each, "" = any value', () => {
    expect(attributesMatch({ type: 'com.amazonaws.ObjectCreated:Put', bmlconfidence: '' }, ev)).toBe(true);
    expect(attributesMatch({ type: 'com.amazonaws.ObjectCreated:Put', bmlconfidence: 'high' }, ev)).toBe(false);
    expect(attributesMatch({}, ev)).toBe(true);
  });
  it('a Trigger: filters win when the feature is on; otherwise only attributes count', () => {
    const t = { apiVersion: 'eventing.knative.dev/v1', kind: 'Trigger', metadata: { name: 't' }, spec: { filter: { attributes: { type: ev.type! } }, filters: [{ suffix: { subject: '.png' } }] } } as K8sObject;
    expect(triggerAccepts(t, ev, 'new-trigger-filters')).toBe(false);
    expect(triggerAccepts(t, ev, 'attributes-only')).toBe(true);
  });
});

describe("classify's code and its routing agree", () => {
  it('the reply types are not object-created types, and every handled type is one', () => {
    expect(REPLY_EVENT_TYPES).toEqual([RESULT_EVENT_TYPE, FAILED_EVENT_TYPE]);
    for (const t of REPLY_EVENT_TYPES) expect(t.startsWith(S3_EVENT_TYPE_PREFIX)).toBe(false);
    expect(CLASSIFY_EVENT_TYPES).toEqual(OBJECT_CREATED_EVENTS.map((n) => S3_EVENT_TYPE_PREFIX + n));
    for (const t of CLASSIFY_EVENT_TYPES) expect(t.startsWith(OBJECT_CREATED_TYPE_PREFIX)).toBe(true);
  });

  for (const o of OVERLAYS) {
    describe(`overlays/${o}`, async () => {
      const objs = await render(overlayDir(o));
      const triggers = classifyTriggers(objs);

      it('every classify Trigger filters on an exact type with the classic filter too (a cluster without new-trigger-filters must not match everything)', () => {
        expect(triggers.length).toBeGreaterThan(0);
        for (const t of triggers) expect(strMap(obj(obj(t.spec).filter).attributes).type, t.metadata.name).toMatch(/^com\.amazonaws\.ObjectCreated:/);
      });

      for (const s of SEMANTICS) {
        it(`${s}: each type classify handles reaches it exactly once, with an image key`, () => {
          for (const type of CLASSIFY_EVENT_TYPES) for (const key of IMAGE_KEYS) expect(deliveries(triggers, event(type, key), s), `${type} ${key}`).toBe(1);
        });
        it(`${s}: no other type reaches it, whatever the key`, () => {
          for (const type of NOT_CLASSIFY_TYPES) for (const key of [...IMAGE_KEYS, ...OTHER_KEYS]) expect(deliveries(triggers, event(type, key), s), `${type} ${key}`).toBe(0);
        });
        it(`${s}: classify's replies (results, failures) match none of its Triggers`, () => {
          for (const confidence of ['low', 'high']) {
            expect(deliveries(triggers, event(RESULT_EVENT_TYPE, 'photos/dog.jpg', { [CONFIDENCE_EXTENSION]: confidence, source: '/bucket-ml/classify' }), s)).toBe(0);
          }
          for (const code of FAILURE_CODES) expect(deliveries(triggers, failedEvent('photos/dog.jpg', code), s), code).toBe(0);
        });
        it(`${s}: low-confidence results and every failure, and only those, go to the review sink, once each`, () => {
          const review = objs.filter((t) => t.kind === 'Trigger' && str(obj(obj(obj(t.spec).subscriber).ref).name) === 'review');
          expect(review.length).toBe(2);
          const reply = (c: string): CloudEvent => event(RESULT_EVENT_TYPE, 'photos/dog.jpg', { [CONFIDENCE_EXTENSION]: c, source: '/bucket-ml/classify' });
          expect(deliveries(review, reply('low'), s)).toBe(1);
          expect(deliveries(review, reply('high'), s)).toBe(0);
          for (const code of FAILURE_CODES) for (const key of [...IMAGE_KEYS, ...OTHER_KEYS]) expect(deliveries(review, failedEvent(key, code), s), `${code} ${key}`).toBe(1);
          expect(deliveries(review, event('com.amazonaws.ObjectCreated:Put', 'photos/dog.jpg', { [CONFIDENCE_EXTENSION]: 'low' }), s)).toBe(0);
          expect(deliveries(review, event('com.amazonaws.ObjectCreated:Put', 'photos/dog.jpg', { [ERROR_EXTENSION]: 'not_an_image' }), s)).toBe(0);
        });
      }

      it('new-trigger-filters: non-image keys, stored results and subject-less events never reach it', () => {
        for (const type of CLASSIFY_EVENT_TYPES) {
          for (const key of OTHER_KEYS) expect(deliveries(triggers, event(type, key), 'new-trigger-filters'), `${type} ${key}`).toBe(0);
          expect(deliveries(triggers, event(type), 'new-trigger-filters')).toBe(0);
        }
      });
    });
  }
});

describe('the routing checks catch a broken Trigger', () => {
  it('without its classic filter, a classify Trigger loops replies back on a cluster without new-trigger-filters', async () => {
    const objs = clone(await render(overlayDir('rook')));
    const t = classifyTriggers(objs)[0]!;
    delete (t.spec as { filter?: unknown }).filter;
    const reply = event(RESULT_EVENT_TYPE, 'photos/dog.jpg', { [CONFIDENCE_EXTENSION]: 'low' });
    expect(deliveries(classifyTriggers(objs), reply, 'new-trigger-filters')).toBe(0);
    expect(deliveries(classifyTriggers(objs), reply, 'attributes-only')).toBe(1);
  });

  it('a prefix filter on every Trigger would deliver each upload several times', async () => {
    const objs = clone(await render(overlayDir('rook')));
    for (const t of classifyTriggers(objs)) (t.spec as { filters: unknown[] }).filters[0] = { prefix: { type: OBJECT_CREATED_TYPE_PREFIX } };
    expect(deliveries(classifyTriggers(objs), event(CLASSIFY_EVENT_TYPES[0]!, 'photos/dog.jpg'), 'new-trigger-filters')).toBe(CLASSIFY_EVENT_TYPES.length);
  });

  it('a failures Trigger narrowed to one error code would keep the others from review', async () => {
    const objs = clone(await render(overlayDir('rook')));
    const failures = objs.find((o) => o.kind === 'Trigger' && o.metadata.name === 'review-failures')!;
    (obj(obj(failures.spec).filter).attributes as Record<string, string>)[ERROR_EXTENSION] = 'not_an_image';
    const review = objs.filter((t) => t.kind === 'Trigger' && str(obj(obj(obj(t.spec).subscriber).ref).name) === 'review');
    expect(deliveries(review, failedEvent('photos/dog.jpg', 'not_an_image'), 'attributes-only')).toBe(1);
    expect(deliveries(review, failedEvent('photos/dog.jpg', 'object_gone'), 'attributes-only')).toBe(0);
  });

  it('a Trigger without the suffix filter lets a .txt upload through', async () => {
    const objs = clone(await render(overlayDir('rook')));
    for (const t of classifyTriggers(objs)) (t.spec as { filters: unknown[] }).filters.splice(1, 1);
    expect(deliveries(classifyTriggers(objs), event(CLASSIFY_EVENT_TYPES[0]!, 'notes.txt'), 'new-trigger-filters')).toBe(1);
  });
});
