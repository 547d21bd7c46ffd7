// RGW's wire formats, from answers captured on Ceph 16.2.15: the XML helper, ListTopics /
// EndpointArgs parsing, and the NotificationConfiguration XML both ways.
import { describe, expect, it } from 'vitest';
import { canonicalNotification } from '../src/state/canonical.ts';
import { notificationXml, parseNotificationXml } from '../src/rgw/notifications.ts';
import { parseErrorBody } from '../src/rgw/raw.ts';
import { parseEndpointArgs, parseListTopics } from '../src/rgw/topics.ts';
import { escapeXml } from '../src/vendor/core/index.ts';
import { parseXml, XmlError } from '../src/rgw/xml.ts';
import { parseState } from '../src/state/schema.ts';

// ListTopics on Ceph 16.2.15 with topic tA and one notification n1 using it (the copy "n1_tA").
const LIST_TOPICS =
  '<ListTopicsResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult><Topics>' +
  '<member><User></User><Name>n1_tA</Name><EndPoint><EndpointAddress>http://127.0.0.1:42451/A</EndpointAddress><EndpointArgs>Attributes.entry.1.key=push-endpoint&amp;Attributes.entry.1.value=http://127.0.0.1:42451/A&amp;Version=2010-03-31&amp;push-endpoint=http://127.0.0.1:42451/A</EndpointArgs><EndpointTopic>tA</EndpointTopic><HasStoredSecret>False</HasStoredSecret><Persistent>False</Persistent></EndPoint><TopicArn>arn:aws:sns:default::tA</TopicArn><OpaqueData></OpaqueData></member>' +
  '<member><User></User><Name>p1</Name><EndPoint><EndpointAddress>http://127.0.0.1:9/hook?x=1</EndpointAddress><EndpointArgs>Attributes.entry.1.key=push-endpoint&amp;Attributes.entry.1.value=http://127.0.0.1:9/hook?x=1&amp;Attributes.entry.2.key=OpaqueData&amp;Attributes.entry.2.value=hello&amp;Attributes.entry.3.key=persistent&amp;Attributes.entry.3.value=true&amp;Attributes.entry.4.key=verify-ssl&amp;Attributes.entry.4.value=false&amp;Attributes.entry.5.key=cloudevents&amp;Attributes.entry.5.value=true&amp;OpaqueData=hello&amp;Version=2010-03-31&amp;cloudevents=true&amp;persistent=true&amp;push-endpoint=http://127.0.0.1:9/hook?x=1&amp;verify-ssl=false</EndpointArgs><EndpointTopic>p1</EndpointTopic><HasStoredSecret>False</HasStoredSecret><Persistent>True</Persistent></EndPoint><TopicArn>arn:aws:sns:default::p1</TopicArn><OpaqueData>hello</OpaqueData></member>' +
  '<member><User></User><Name>p3</Name><EndPoint><EndpointAddress>amqp://127.0.0.1:5672</EndpointAddress><EndpointArgs>Attributes.entry.1.key=push-endpoint&amp;Attributes.entry.1.value=amqp://127.0.0.1:5672&amp;Attributes.entry.2.key=amqp-exchange&amp;Attributes.entry.2.value=ex&amp;Attributes.entry.3.key=amqp-ack-level&amp;Attributes.entry.3.value=routable&amp;Version=2010-03-31&amp;amqp-ack-level=routable&amp;amqp-exchange=ex&amp;push-endpoint=amqp://127.0.0.1:5672</EndpointArgs><EndpointTopic>p3</EndpointTopic><HasStoredSecret>False</HasStoredSecret><Persistent>False</Persistent></EndPoint><TopicArn>arn:aws:sns:default::p3</TopicArn><OpaqueData></OpaqueData></member>' +
  '<member><User></User><Name>tA</Name><EndPoint><EndpointAddress>http://127.0.0.1:42451/A</EndpointAddress><EndpointArgs>Attributes.entry.1.key=push-endpoint&amp;Attributes.entry.1.value=http://127.0.0.1:42451/A&amp;Version=2010-03-31&amp;push-endpoint=http://127.0.0.1:42451/A</EndpointArgs><EndpointTopic>tA</EndpointTopic><HasStoredSecret>False</HasStoredSecret><Persistent>False</Persistent></EndPoint><TopicArn>arn:aws:sns:default::tA</TopicArn><OpaqueData></OpaqueData></member>' +
  '</Topics></ListTopicsResult><ResponseMetadata><RequestId>b34e7020.4104.399</RequestId></ResponseMetadata></ListTopicsResponse>';

// GET ?notification on Ceph 16.2.15 (no namespace; Filter before Event)
const GET_NOTIFICATIONS =
  '<NotificationConfiguration><TopicConfiguration><Id>n1</Id><Topic>arn:aws:sns:default::tA</Topic><Filter><S3Key><FilterRule><Name>prefix</Name><Value>img/</Value></FilterRule><FilterRule><Name>regex</Name><Value>.*\\.jpg</Value></FilterRule></S3Key><S3Metadata><FilterRule><Name>x-amz-meta-color</Name><Value>red</Value></FilterRule></S3Metadata><S3Tags><FilterRule><Name>env</Name><Value>prod</Value></FilterRule></S3Tags></Filter><Event>s3:ObjectCreated:*</Event></TopicConfiguration>' +
  '<TopicConfiguration><Id>n2</Id><Topic>arn:aws:sns:default::tA</Topic><Event>s3:ObjectRemoved:*</Event></TopicConfiguration></NotificationConfiguration>';

describe('the XML helper', () => {
  it('reads elements, text, entities, CDATA; ignores declarations, comments and attributes', () => {
    const root = parseXml('<?xml version="1.0"?><!-- c --><A xmlns="x"><B>1 &amp; 2 &lt;&#65;&#x42;&gt;</B><C/><D><![CDATA[<raw>]]></D></A>');
    expect(root.name).toBe('A');
    expect(root.children.map((c) => [c.name, c.text])).toEqual([['B', '1 & 2 <AB>'], ['C', ''], ['D', '<raw>']]);
  });

  it('refuses malformed documents and DTDs', () => {
    expect(() => parseXml('<A><B></A>')).toThrow(XmlError);
    expect(() => parseXml('<A>')).toThrow(/unclosed/);
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><A>&e;</A>')).toThrow(/DTD/);
    expect(() => parseXml('')).toThrow(/no root/);
  });

  it('escapes what it writes', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });
});

describe('SNS answers', () => {
  it('EndpointArgs: flat keys win, Attributes.entry pairs are the fallback, values are not re-decoded', () => {
    expect(parseEndpointArgs('Attributes.entry.1.key=verify-ssl&Attributes.entry.1.value=false&Version=2010-03-31&push-endpoint=http://h/p?x=1&y=2')).toEqual({
      'verify-ssl': 'false',
      'push-endpoint': 'http://h/p?x=1',
    });
  });

  it('ListTopics: topics by name, and RGW\'s per-notification copies apart', () => {
    const { listing, nextToken } = parseListTopics(LIST_TOPICS);
    expect(nextToken).toBeUndefined();
    expect([...listing.topics.keys()]).toEqual(['p1', 'p3', 'tA']);
    expect([...listing.copies.keys()]).toEqual(['n1_tA']);
    expect(listing.topics.get('p1')).toEqual({
      arn: 'arn:aws:sns:default::p1',
      spec: { name: 'p1', endpoint: { kind: 'http', uri: 'http://127.0.0.1:9/hook?x=1', verifySSL: false, cloudEvents: true }, opaqueData: 'hello', persistent: true },
    });
    expect(listing.topics.get('p3')!.spec.endpoint).toEqual({ kind: 'amqp', uri: 'amqp://127.0.0.1:5672', exchange: 'ex', ackLevel: 'routable', verifySSL: true });
    expect(listing.copies.get('n1_tA')!.endpoint).toMatchObject({ kind: 'http', uri: 'http://127.0.0.1:42451/A' });
  });

  it('error bodies: S3-style XML (also on the SNS API) and JSON', () => {
    const e = parseErrorBody(400, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidInput</Code><Message></Message><RequestId>tx1</RequestId><HostId>h</HostId></Error>');
    expect([e.status, e.code, e.requestId, e.$metadata.httpStatusCode, e.$fault]).toEqual([400, 'InvalidInput', 'tx1', 400, 'client']);
    expect(parseErrorBody(405, '{"Code":"MethodNotAllowed","Message":"","RequestId":"tx2"}').code).toBe('MethodNotAllowed');
    expect(parseErrorBody(503, 'Service Unavailable').code).toBe('HTTP503');
  });
});

describe('NotificationConfiguration XML', () => {
  it('reads every filter kind, the events and the topic name', () => {
    const [n1, n2] = parseNotificationXml(GET_NOTIFICATIONS, 'photos');
    expect(n1).toEqual({
      bucket: 'photos',
      id: 'n1',
      topic: 'tA',
      events: ['s3:ObjectCreated:*'],
      filter: { key: { prefix: 'img/', regex: '.*\\.jpg' }, metadata: [{ name: 'x-amz-meta-color', value: 'red' }], tags: [{ name: 'env', value: 'prod' }] },
    });
    expect(n2).toMatchObject({ id: 'n2', events: ['s3:ObjectRemoved:*'], filter: { key: {}, metadata: [], tags: [] } });
    expect(parseNotificationXml('<NotificationConfiguration></NotificationConfiguration>', 'b')).toEqual([]);
  });

  it('writes Ceph\'s S3Key/S3Metadata/S3Tags filters, escaped, and reads them back identically', () => {
    const doc = parseState({
      apiVersion: 'bucket-ml.io/v1alpha1',
      kind: 'NotificationState',
      spec: {
        notifications: [
          {
            bucket: 'photos',
            id: 'a&b <all>',
            topic: 't',
            events: ['s3:ObjectCreated:Put', 's3:ObjectRemoved:*'],
            filter: { keyFilters: [{ name: 'regex', value: '(img|pic)/.*<1>' }, { name: 'prefix', value: 'i' }], metadataFilters: [{ name: 'x-amz-meta-a', value: '"q"' }], tagFilters: [{ name: 'env', value: 'prod' }] },
          },
          { bucket: 'photos', id: 'plain', topic: 't', events: ['s3:ObjectCreated:*'] },
        ],
      },
    });
    const specs = doc.spec.notifications.map(canonicalNotification);
    const xml = notificationXml(specs, (t) => `arn:aws:sns:default::${t}`);
    expect(xml).toContain('<S3Key><FilterRule><Name>prefix</Name><Value>i</Value></FilterRule><FilterRule><Name>regex</Name><Value>(img|pic)/.*&lt;1&gt;</Value></FilterRule></S3Key>');
    expect(xml).toContain('<S3Metadata><FilterRule><Name>x-amz-meta-a</Name><Value>&quot;q&quot;</Value></FilterRule></S3Metadata><S3Tags>');
    expect(xml).toContain('<TopicConfiguration><Id>plain</Id><Topic>arn:aws:sns:default::t</Topic><Event>s3:ObjectCreated:*</Event></TopicConfiguration>');
    expect(parseNotificationXml(xml, 'photos')).toEqual(specs);
  });
});
