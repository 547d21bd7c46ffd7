import { describe, expect, it } from 'vitest';
import { escapeXml, unescapeXml } from '../src/xml.ts';

describe('escapeXml / unescapeXml', () => {
  it('escapes the five markup characters and a carriage return, which XML readers would turn into \\n', () => {
    expect(escapeXml(`a<b>&"c'\r\nd`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;&#13;\nd');
  });

  it('round-trips any key, and reads character references', () => {
    for (const key of ['photos/a&b <1>.jpg', `it's "x"\r\n`, 'ünïcødé/😀', '&amp; literal']) expect(unescapeXml(escapeXml(key))).toBe(key);
    expect(unescapeXml('&#x1F600;&#65;&unknown;')).toBe('😀A&unknown;');
  });
});
