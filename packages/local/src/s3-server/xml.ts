/**
 * The little XML S3 needs: building responses, and reading the few request bodies this server accepts
 * (DeleteObjects). Not a general XML parser: S3 request documents are flat and attribute-free.
 */
import { escapeXml, unescapeXml } from '@bucket-ml/core';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** An element tree: a string is text content, an array repeats the element, undefined drops it. */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlValue[];
export interface XmlNode {
  [name: string]: XmlValue;
}

function render(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => render(name, v)).join('');
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([k, v]) => render(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `namespace: null` for documents S3 sends without one (errors). */
export function xmlDocument(root: string, body: XmlNode, namespace: string | null = S3_NAMESPACE): string {
  const inner = Object.entries(body)
    .map(([k, v]) => render(k, v))
    .join('');
  const ns = namespace ? ` xmlns="${namespace}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${inner}</${root}>`;
}

/** The text of every `<name>…</name>` directly in `xml` (namespace prefixes ignored), unescaped. */
export function elementTexts(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[A-Za-z0-9_]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[A-Za-z0-9_]+:)?${name}>|<(?:[A-Za-z0-9_]+:)?${name}(?:\\s[^>]*)?/>`, 'g');
  const out: string[] = [];
  for (const m of xml.matchAll(re)) out.push(m[1] === undefined ? '' : m[1]);
  return out;
}

export function elementText(xml: string, name: string): string | undefined {
  const [first] = elementTexts(xml, name);
  return first === undefined ? undefined : unescapeXml(first);
}

/** `<Delete><Quiet>true</Quiet><Object><Key>k</Key><VersionId>v</VersionId></Object>…</Delete>` */
export function parseDeleteRequest(xml: string): { quiet: boolean; objects: Array<{ key: string; versionId?: string }> } | undefined {
  if (!/<(?:[A-Za-z0-9_]+:)?Delete[\s>]/.test(xml)) return undefined;
  const objects: Array<{ key: string; versionId?: string }> = [];
  for (const inner of elementTexts(xml, 'Object')) {
    const [key] = elementTexts(inner, 'Key');
    if (key === undefined) return undefined;
    const [versionId] = elementTexts(inner, 'VersionId');
    objects.push({ key: unescapeXml(key), ...(versionId ? { versionId: unescapeXml(versionId) } : {}) });
  }
  const quiet = (elementText(xml, 'Quiet') ?? 'false').trim().toLowerCase() === 'true';
  return { quiet, objects };
}
