import { describe, expect, it } from 'vitest';
import { escapeXml, toXml } from '../../src/xml/xml.js';

/** Keys from every Unicode plane, as the integration and client tests use them. */
const KEYS = [
  'ascii/plain.txt',
  'latin1/café ñ ü ß',
  'bmp/中文 日本語 한국어',
  'bmp/edges \ufffd \ufffc \ufffb \ud7ff \ue000',
  'emoji/😀 grin',
  'plane2/𠀀𪜀',
  'plane14/\u{E0041}\u{E0042}',
  'plane15/\u{F0000}',
  'plane16/\u{10FFFD}',
  'combining/e\u0301 a\u0308',
  'zwj/👩\u200d💻 👨\u200d👩\u200d👧',
];

describe('escapeXml', () => {
  it('writes characters outside the BMP as themselves (UTF-8 on the wire), never as surrogate references', () => {
    for (const k of KEYS) {
      const out = escapeXml(k);
      expect(out, k).toBe(k);
      expect(out).not.toMatch(/&#x?D[89A-F][0-9A-F]{2};/i);
      expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(k);
    }
    expect(escapeXml('😀')).toBe('😀');
    expect(Buffer.from(escapeXml('a😀b'), 'utf8')).toEqual(Buffer.from([0x61, 0xf0, 0x9f, 0x98, 0x80, 0x62]));
  });

  it('escapes the markup characters, with non-BMP characters around them', () => {
    expect(escapeXml(`<a href="x">&'😀</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;😀&lt;/a&gt;');
    expect(escapeXml('plain')).toBe('plain');
  });

  it('writes controls XML 1.0 cannot carry as character references, as S3 does (&#x1;); TAB, LF and CR stay literal', () => {
    expect(escapeXml('a\u0001b')).toBe('a&#x1;b');
    expect(escapeXml('\u0000\u0008\u000b\u000c\u000e\u001f')).toBe('&#x0;&#x8;&#xB;&#xC;&#xE;&#x1F;');
    expect(escapeXml('\t\n\r')).toBe('\t\n\r');
    expect(escapeXml('\ufffe\uffff')).toBe('&#xFFFE;&#xFFFF;');
    expect(escapeXml('😀\u0001')).toBe('😀&#x1;');
  });

  it('turns a lone surrogate into U+FFFD, as storing the string as UTF-8 does', () => {
    for (const s of ['\ud800', 'a\udfffb', '\ude00\ud83d', 'x\ud83d', '\udbff&']) {
      const out = escapeXml(s);
      expect(out).not.toMatch(/[\ud800-\udfff]/);
      expect(out).toBe(Buffer.from(s, 'utf8').toString('utf8').replace(/&/g, '&amp;'));
    }
    expect(escapeXml('a\ud800b😀')).toBe('a\ufffdb😀');
  });

  it('toXml keeps the characters through a whole document', () => {
    const doc = toXml('ListBucketResult', { Name: 'b', Contents: KEYS.map((Key) => ({ Key })) });
    for (const k of KEYS) expect(doc).toContain(`<Key>${k}</Key>`);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(doc, 'utf8'))).toBe(doc);
  });
});
