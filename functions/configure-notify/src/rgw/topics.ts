/**
 * Topics through RGW's SNS API. What RGW 16 really answers:
 * - GetTopicAttributes: `User`, `Name`, `TopicArn`, `OpaqueData`, and `EndPoint`, a JSON string
 *   `{"EndpointAddress": <push-endpoint>, "EndpointArgs": <the CreateTopic form, decoded and
 *   re-joined with & — not re-encoded>, "EndpointTopic", "HasStoredSecret": "false", "Persistent": "true"}`.
 *   RGW 18: no `TopicArn`; `HasStoredSecret`/`Persistent` are JSON booleans; EndpointArgs holds each
 *   attribute once, flat, sorted by key (ListTopics writes the flags as `True`/`False`).
 *   verify-ssl, cloudevents, ack levels, exchange, use-ssl, ca-location exist only inside EndpointArgs.
 * - ListTopics: the same per member, as XML; plus, for every bucket notification, RGW's private copy
 *   of its topic named `<notification id>_<topic>` under the topic's own ARN (hence "each ARN listed
 *   several times"). No paging on 16 (NextToken is honoured when a later RGW sends it).
 * - CreateTopic on an existing name replaces ALL its attributes; DeleteTopic of a missing topic is 200;
 *   GetTopicAttributes of a missing topic is 404 NoSuchEntity.
 * - A push-endpoint with user:password is refused (400 InvalidInput, empty message) unless the request
 *   reaches RGW over HTTPS (or rgw_allow_secrets_in_cleartext is set).
 * - Any scheme is accepted (ftp:// too) and no attribute is validated: the schema does that.
 */
import { CreateTopicCommand, DeleteTopicCommand, GetTopicAttributesCommand, ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';
import { topicAttributes, topicFromRgw, type TopicSpec } from '../state/canonical.js';
import type { ActualTopic } from '../state/diff.js';
import { RgwError } from './errors.js';
import { rgwErrors, type RawCapture } from './raw.js';
import { child, childText, childrenNamed, parseXml, type XmlElement } from './xml.js';

const ARGS_OF_INTEREST = ['push-endpoint', 'OpaqueData', 'persistent', 'verify-ssl', 'cloudevents', 'use-ssl', 'ca-location', 'amqp-exchange', 'amqp-ack-level', 'kafka-ack-level'];

/**
 * EndpointArgs → the topic's attributes. The string is `k=v&k=v…` with values NOT re-encoded, and
 * holds each attribute twice (`Attributes.entry.N.key/value` and flat `key=value`). Only known keys
 * are read; an `&` inside a value (an endpoint's own query) just yields a stray token.
 */
export function parseEndpointArgs(args: string): Record<string, string> {
  const flat: Record<string, string> = {};
  const entries = new Map<string, { key?: string; value?: string }>();
  for (const token of args.split('&')) {
    const eq = token.indexOf('=');
    if (eq <= 0) continue;
    const key = token.slice(0, eq);
    const value = token.slice(eq + 1);
    const entry = /^Attributes\.entry\.(\d+)\.(key|value)$/.exec(key);
    if (entry) {
      const e = entries.get(entry[1]!) ?? {};
      e[entry[2] as 'key' | 'value'] = value;
      entries.set(entry[1]!, e);
    } else if (ARGS_OF_INTEREST.includes(key) && !(key in flat)) {
      flat[key] = value;
    }
  }
  for (const { key, value } of entries.values()) {
    if (key && value !== undefined && ARGS_OF_INTEREST.includes(key) && !(key in flat)) flat[key] = value;
  }
  return flat;
}

// RGW 16 writes flags as strings ("true", "True"); RGW 18's GetTopicAttributes as JSON booleans
const isTrue = (v: string | boolean | undefined): boolean => String(v).toLowerCase() === 'true';

/** The topic name in an ARN `arn:aws:sns:<zonegroup>:<tenant>:<name>`. */
export const topicNameOfArn = (arn: string): string => arn.slice(arn.lastIndexOf(':') + 1);

export interface TopicListing {
  topics: Map<string, ActualTopic>;
  /** RGW's per-notification copies, by their name `<id>_<topic>`. */
  copies: Map<string, TopicSpec>;
}

function specFromMember(name: string, member: XmlElement): TopicSpec {
  const endpoint = child(member, 'EndPoint');
  const args = parseEndpointArgs(childText(endpoint, 'EndpointArgs') ?? '');
  return topicFromRgw(name, childText(endpoint, 'EndpointAddress') ?? '', args, childText(member, 'OpaqueData') ?? '', isTrue(childText(endpoint, 'Persistent')));
}

/** Parses one ListTopics answer (exported for tests). */
export function parseListTopics(xml: string): { listing: TopicListing; nextToken?: string } {
  const root = parseXml(xml);
  const result = child(root, 'ListTopicsResult') ?? root;
  const listing: TopicListing = { topics: new Map(), copies: new Map() };
  for (const member of childrenNamed(child(result, 'Topics'), 'member')) {
    const arn = childText(member, 'TopicArn') ?? '';
    const topic = topicNameOfArn(arn);
    const name = childText(member, 'Name') ?? topic;
    if (!topic) continue;
    if (name === topic) listing.topics.set(topic, { arn, spec: specFromMember(topic, member) });
    else listing.copies.set(name, specFromMember(name, member));
  }
  const nextToken = childText(result, 'NextToken') || undefined;
  return { listing, ...(nextToken ? { nextToken } : {}) };
}

/** Every topic of the user, and RGW's copies of them inside notifications. */
export async function listTopics(sns: SNSClient): Promise<TopicListing> {
  const all: TopicListing = { topics: new Map(), copies: new Map() };
  let token: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const capture: RawCapture = {};
    await sns.send(rgwErrors(new ListTopicsCommand(token ? { NextToken: token } : {}), capture));
    const { listing, nextToken } = parseListTopics(capture.body ?? '');
    for (const [k, v] of listing.topics) all.topics.set(k, v);
    for (const [k, v] of listing.copies) all.copies.set(k, v);
    if (!nextToken || nextToken === token) break;
    token = nextToken;
  }
  return all;
}

/** One topic through GetTopicAttributes; undefined when RGW has no such topic. */
export async function getTopic(sns: SNSClient, arn: string): Promise<ActualTopic | undefined> {
  let attributes: Record<string, string>;
  try {
    attributes = (await sns.send(rgwErrors(new GetTopicAttributesCommand({ TopicArn: arn })))).Attributes ?? {};
  } catch (error) {
    if (error instanceof RgwError && (error.status === 404 || error.code === 'NoSuchEntity' || error.code === 'NotFound')) return undefined;
    throw error;
  }
  const name = attributes.Name ?? topicNameOfArn(arn);
  let endpoint: { EndpointAddress?: string; EndpointArgs?: string; Persistent?: string | boolean } = {};
  try {
    endpoint = JSON.parse(attributes.EndPoint ?? '{}') as typeof endpoint;
  } catch {
    /* a later RGW may describe it differently: fall back to the flat attributes below */
  }
  const args = { ...parseEndpointArgs(endpoint.EndpointArgs ?? ''), ...Object.fromEntries(Object.entries(attributes).filter(([k]) => ARGS_OF_INTEREST.includes(k))) };
  const address = endpoint.EndpointAddress ?? args['push-endpoint'] ?? '';
  const persistent = isTrue(endpoint.Persistent ?? args.persistent);
  return { arn: attributes.TopicArn ?? arn, spec: topicFromRgw(name, address, args, attributes.OpaqueData ?? args.OpaqueData ?? '', persistent) };
}

/** Creates the topic or replaces all its attributes; returns its ARN. */
export async function putTopic(sns: SNSClient, topic: TopicSpec): Promise<string> {
  const out = await sns.send(rgwErrors(new CreateTopicCommand({ Name: topic.name, Attributes: topicAttributes(topic) })));
  if (!out.TopicArn) throw new RgwError(502, 'NoTopicArn', 'CreateTopic answered without a TopicArn');
  return out.TopicArn;
}

export async function deleteTopic(sns: SNSClient, arn: string): Promise<void> {
  await sns.send(rgwErrors(new DeleteTopicCommand({ TopicArn: arn })));
}
