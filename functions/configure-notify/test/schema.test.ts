// The desired-state document: what is accepted, how it is normalised, and that a bad one is
// refused with EVERY problem, each at its path.
import { describe, expect, it } from 'vitest';
import { parseState, parseStateText, StateValidationError, type Problem } from '../src/state/schema.ts';

const valid = `
apiVersion: bucket-ml.io/v1alpha1
kind: NotificationState
metadata:
  name: photos
spec:
  topics:
    - name: classify
      endpoint:
        http:
          uri: http://classify.default.svc.cluster.local
          disableVerifySSL: true
      opaqueData: team=vision
    - name: audit
      persistent: true
      endpoint:
        kafka:
          uri: kafka://kafka.example:9092
          useSSL: true
          ackLevel: none
    - name: archive
      endpoint:
        amqp:
          uri: amqps://rabbit.example:5671/vhost
          exchange: ex1
          ackLevel: routeable
  notifications:
    - bucket: photos
      id: classify-jpg
      topic: classify
      events: [s3:ObjectCreated:*, ObjectRemoved:Delete]
      filter:
        keyFilters:
          - { name: prefix, value: uploads/ }
          - { name: suffix, value: .jpg }
          - { name: regex, value: 'uploads/[0-9]+/.*' }
        metadataFilters:
          - { name: Color, value: red }
        tagFilters:
          - { name: env, value: prod }
    - bucket: photos
      id: everything
      topic: audit
`;

function problems(input: unknown): Problem[] {
  try {
    parseState(input);
  } catch (error) {
    expect(error).toBeInstanceOf(StateValidationError);
    const list = (error as StateValidationError).problems;
    for (const p of list) expect((error as StateValidationError).message).toContain(p.message);
    return list;
  }
  throw new Error('expected the document to be refused');
}
const at = (list: Problem[], path: string): string[] => list.filter((p) => p.path === path).map((p) => p.message);

describe('the NotificationState document', () => {
  it('accepts a full YAML document and normalises what RGW needs normalised', () => {
    const doc = parseStateText(valid);
    expect(doc.spec.topics.map((t) => t.name)).toEqual(['classify', 'audit', 'archive']);
    expect(doc.spec.topics[2]!.endpoint.amqp!.ackLevel).toBe('routable'); // Rook's spelling → RGW's
    const n = doc.spec.notifications[0]!;
    expect(n.events).toEqual(['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete']); // s3: added
    expect(n.filter!.metadataFilters).toEqual([{ name: 'x-amz-meta-color', value: 'red' }]); // RGW matches x-amz-meta-<lower>
    expect(doc.spec.notifications[1]!.events).toBeUndefined(); // default: all events, decided later
  });

  it('accepts the same document as JSON text and as a value', () => {
    const fromYaml = parseStateText(valid);
    expect(parseState(JSON.stringify(fromYaml))).toEqual(fromYaml);
    expect(parseState(fromYaml)).toEqual(fromYaml);
  });

  it('lists every problem of a bad document, each with its path', () => {
    const list = problems({
      apiVersion: 'v1',
      kind: 'NotificationState',
      spec: {
        topics: [
          { name: 'ok', endpoint: { http: { uri: 'ftp://files.example/in' } } },
          { name: 'bad name!', endpoint: { kafka: { uri: 'http://wrong-kind.example' }, http: { uri: 'http://x' } } },
          { name: 'ok', endpoint: { amqp: { uri: 'amqp://rabbit' } }, persistant: true },
        ],
        notifications: [
          { bucket: 'b', id: 'n', topic: 'ok', events: ['s3:ObjectCreated:Nope'], filter: { keyFilters: [{ name: 'Prefix', value: 'a' }, { name: 'regex', value: '([' }] } },
          { bucket: 'photos', id: 'n', topic: 'ok', filter: { keyFilters: [{ name: 'suffix', value: '.a' }, { name: 'suffix', value: '.b' }], tagFilters: [{ name: 'env', value: 3 }] } },
          { bucket: 'photos', id: 'n', topic: 'ok' },
        ],
      },
    });
    expect(at(list, 'apiVersion')[0]).toMatch(/bucket-ml.io\/v1alpha1/);
    expect(at(list, 'spec.topics[0].endpoint.http.uri')[0]).toMatch(/ftp:\/\/ is not allowed/);
    expect(at(list, 'spec.topics[1].name')[0]).toMatch(/letters, digits/);
    expect(at(list, 'spec.topics[1].endpoint.kafka.uri')[0]).toMatch(/belongs under endpoint.http/);
    expect(at(list, 'spec.topics[1].endpoint')[0]).toMatch(/exactly one/);
    expect(at(list, 'spec.topics[2].endpoint.amqp.exchange')[0]).toMatch(/required/);
    expect(at(list, 'spec.topics[2].persistant')).toEqual(['unknown field']);
    expect(at(list, 'spec.topics[2].name')[0]).toMatch(/declared twice/);
    expect(at(list, 'spec.notifications[0].bucket')[0]).toMatch(/bucket name/);
    expect(at(list, 'spec.notifications[0].events[0]')[0]).toMatch(/unknown event/);
    expect(at(list, 'spec.notifications[0].filter.keyFilters[0].name')[0]).toMatch(/prefix, suffix or regex/);
    expect(at(list, 'spec.notifications[0].filter.keyFilters[1].value')[0]).toMatch(/regular expression/);
    expect(at(list, 'spec.notifications[1].filter.keyFilters[1].name')[0]).toMatch(/appears twice/);
    expect(at(list, 'spec.notifications[1].filter.tagFilters[0].value')[0]).toMatch(/string/);
    expect(at(list, 'spec.notifications[2].id')[0]).toMatch(/declared twice/);
    expect(list.length).toBeGreaterThanOrEqual(15);
  });

  it('refuses the *** that get prints in place of a password', () => {
    const list = problems({
      apiVersion: 'bucket-ml.io/v1alpha1',
      kind: 'NotificationState',
      spec: { topics: [{ name: 't', endpoint: { amqp: { uri: 'amqp://user:***@rabbit:5672', exchange: 'x' } } }] },
    });
    expect(at(list, 'spec.topics[0].endpoint.amqp.uri')[0]).toMatch(/placeholder/);
  });

  it('says what is wrong with text that is not YAML, or not one document', () => {
    expect(problems('spec: [unclosed')[0]!.message).toMatch(/not valid YAML/);
    expect(problems('a: 1\n---\nb: 2\n')[0]!.message).toMatch(/2 YAML documents/);
    expect(problems('')[0]!.message).toMatch(/empty/);
    expect(problems('- a list')[0]!.message).toMatch(/must be an object/);
  });

  it('requires spec and does not mind empty lists', () => {
    expect(at(problems({ apiVersion: 'bucket-ml.io/v1alpha1', kind: 'NotificationState' }), 'spec')[0]).toMatch(/required/);
    const empty = parseState({ apiVersion: 'bucket-ml.io/v1alpha1', kind: 'NotificationState', spec: {} });
    expect(empty.spec).toEqual({ topics: [], notifications: [] });
  });
});
