import { describe, expect, it } from 'vitest';
import { S3Error } from '../../src/errors/s3error.js';
import { CORS_LISTS, CORS_VARY, matchCors, parseCors, preflightHeaders, wildcardMatch, type CorsRule } from '../../src/s3/cors.js';
import { parseXml } from '../../src/xml/xml.js';

const rule = (r: Partial<CorsRule> = {}): CorsRule => ({ origins: ['*'], methods: ['GET'], headers: [], expose: [], ...r });
const doc = (...rules: string[]) =>
  parseXml(
    `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules.map((r) => `<CORSRule>${r}</CORSRule>`).join('')}</CORSConfiguration>`,
    'CORSConfiguration',
    CORS_LISTS,
  );
const MIN = '<AllowedOrigin>https://example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>';

function thrown(f: () => unknown): { code: string; message: string; extra: Record<string, string> } | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof S3Error) return { code: e.code, message: e.message, extra: e.extra };
    throw e;
  }
  return undefined;
}

describe('parseCors', () => {
  it('reads every element, keeping case and order', () => {
    const rules = parseCors(
      doc(
        '<ID>r1</ID><AllowedOrigin>https://Example.com</AllowedOrigin><AllowedOrigin>https://*.example.org</AllowedOrigin>' +
          '<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>X-Amz-*</AllowedHeader>' +
          '<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds>',
        '<AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod>',
      ),
    );
    expect(rules).toEqual([
      { id: 'r1', origins: ['https://Example.com', 'https://*.example.org'], methods: ['PUT', 'GET'], headers: ['X-Amz-*'], expose: ['ETag'], maxAge: 3000 },
      { origins: ['*'], methods: ['HEAD'], headers: [], expose: [] },
    ]);
    expect(parseCors(doc(...Array.from({ length: 100 }, () => MIN)))).toHaveLength(100);
  });

  it('accepts an indented document', () => {
    const d = parseXml(
      '<CORSConfiguration>\n  <CORSRule>\n    <AllowedOrigin>*</AllowedOrigin>\n    <AllowedMethod>GET</AllowedMethod>\n  </CORSRule>\n</CORSConfiguration>\n',
      'CORSConfiguration',
      CORS_LISTS,
    );
    expect(parseCors(d)).toEqual([rule()]);
    expect(thrown(() => parseCors(doc(MIN + 'text')))?.code).toBe('MalformedXML');
  });

  it.each([
    ['no rule', doc()],
    ['101 rules', doc(...Array.from({ length: 101 }, () => MIN))],
    ['a rule without AllowedOrigin', doc('<AllowedMethod>GET</AllowedMethod>')],
    ['a rule without AllowedMethod', doc('<AllowedOrigin>*</AllowedOrigin>')],
    ['an unknown element', doc(MIN + '<AllowedHeaders>*</AllowedHeaders>')],
    ['MaxAgeSeconds below zero', doc(MIN + '<MaxAgeSeconds>-1</MaxAgeSeconds>')],
    ['MaxAgeSeconds a word', doc(MIN + '<MaxAgeSeconds>hour</MaxAgeSeconds>')],
    ['MaxAgeSeconds twice', doc(MIN + '<MaxAgeSeconds>1</MaxAgeSeconds><MaxAgeSeconds>2</MaxAgeSeconds>')],
    ['an ID of 256 characters', doc(MIN + `<ID>${'a'.repeat(256)}</ID>`)],
    ['an empty rule', doc('')],
  ])('MalformedXML: %s', (_, d) => {
    expect(thrown(() => parseCors(d))?.code).toBe('MalformedXML');
  });

  it.each([
    ['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>', 'Found unsupported HTTP method in CORS config. Unsupported method is PATCH'],
    ['<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>', 'Found unsupported HTTP method in CORS config. Unsupported method is get'],
    [
      '<AllowedOrigin>https://*.example.*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>',
      'AllowedOrigin "https://*.example.*" can not have more than one wildcard.',
    ],
    [MIN + '<AllowedHeader>x-*-meta-*</AllowedHeader>', 'AllowedHeader "x-*-meta-*" can not have more than one wildcard.'],
    [MIN + '<ExposeHeader>x-amz-*</ExposeHeader>', 'ExposeHeader "x-amz-*" contains wildcard. We currently do not support wildcard for ExposeHeader.'],
  ])('InvalidRequest: %s', (r, message) => {
    expect(thrown(() => parseCors(doc(MIN, r)))).toEqual({ code: 'InvalidRequest', message, extra: {} });
  });
});

describe('rule matching', () => {
  it.each([
    ['*', 'https://example.com', true],
    ['*', '', true],
    ['https://example.com', 'https://example.com', true],
    ['https://example.com', 'http://example.com', false],
    ['https://example.com', 'https://example.com:8443', false],
    ['https://example.com', 'https://EXAMPLE.com', false],
    ['https://*.example.com', 'https://a.b.example.com', true],
    ['https://*.example.com', 'https://example.com', false],
    ['https://example.com:*', 'https://example.com:3000', true],
    ['http*://example.com', 'https://example.com', true],
    ['start*end', 'startend', true],
    ['ab*ba', 'aba', false],
  ])('origin pattern %j and %j: %j', (pattern, origin, ok) => {
    expect(wildcardMatch(pattern, origin)).toBe(ok);
    const m = matchCors([rule({ origins: [pattern] })], origin, 'GET');
    expect(m !== undefined).toBe(ok);
    if (m) expect(m.allowOrigin).toBe(pattern === '*' ? '*' : origin);
  });

  it('the first rule allowing origin, method and every requested header wins; headers match without regard to case', () => {
    const exact = rule({ id: 'exact', origins: ['https://example.com'], methods: ['GET', 'PUT'] });
    const headers = rule({ id: 'headers', origins: ['https://*.com'], methods: ['PUT'], headers: ['Content-Type', 'x-amz-*'] });
    const any = rule({ id: 'any', methods: ['GET', 'HEAD'] });
    const rules = [exact, headers, any];
    expect(matchCors(rules, 'https://example.com', 'GET')?.rule.id).toBe('exact');
    expect(matchCors(rules, 'https://example.com', 'HEAD')?.rule.id).toBe('any');
    expect(matchCors(rules, 'https://example.com', 'PUT', ['content-type', 'x-amz-date'])?.rule.id).toBe('headers');
    expect(matchCors(rules, 'https://example.com', 'PUT', ['authorization'])).toBeUndefined();
    expect(matchCors(rules, 'https://example.org', 'DELETE')).toBeUndefined();
    // A rule listing * answers * even for an origin it also names.
    expect(matchCors([rule({ origins: ['https://example.com', '*'] })], 'https://example.com', 'GET')?.allowOrigin).toBe('*');
  });
});

describe('preflightHeaders', () => {
  const rules = [
    rule({ origins: ['https://example.com'], methods: ['GET', 'PUT'], headers: ['*'], expose: ['ETag', 'x-amz-request-id'], maxAge: 3000 }),
    rule({ methods: ['GET', 'HEAD'] }),
  ];

  it("answers the matching rule's headers in S3's order", () => {
    const h = preflightHeaders(rules, { origin: 'https://example.com', method: 'PUT', headers: 'Content-Type, X-Amz-Date', object: true });
    expect(h).toEqual({
      'access-control-allow-origin': 'https://example.com',
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-headers': 'content-type, x-amz-date',
      'access-control-expose-headers': 'ETag, x-amz-request-id',
      'access-control-max-age': '3000',
      'access-control-allow-credentials': 'true',
      vary: CORS_VARY,
    });
    expect(Object.keys(h)[0]).toBe('access-control-allow-origin');
    expect(preflightHeaders(rules, { origin: 'https://other.test', method: 'HEAD', object: false })).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD',
      vary: CORS_VARY,
    });
  });

  it('BadRequest without Origin or with a missing or unknown Access-Control-Request-Method; AccessForbidden otherwise', () => {
    expect(thrown(() => preflightHeaders(rules, { method: 'GET', object: true }))?.message).toBe('Insufficient information. Origin request header needed.');
    expect(thrown(() => preflightHeaders(rules, { origin: 'https://example.com', object: true }))?.message).toBe('Invalid Access-Control-Request-Method: null');
    expect(thrown(() => preflightHeaders(rules, { origin: 'https://example.com', method: 'PATCH', object: true }))?.code).toBe('BadRequest');
    expect(thrown(() => preflightHeaders(undefined, { origin: 'https://example.com', method: 'PUT', object: true }))).toEqual({
      code: 'AccessForbidden',
      message: 'CORSResponse: CORS is not enabled for this bucket.',
      extra: { Method: 'PUT', ResourceType: 'BUCKET' },
    });
    expect(thrown(() => preflightHeaders(null, { origin: 'https://example.com', method: 'PUT', object: true }))?.message).toBe(
      'CORSResponse: Bucket not found',
    );
    const refused = thrown(() => preflightHeaders(rules, { origin: 'https://example.org', method: 'PUT', object: true }));
    expect(refused?.code).toBe('AccessForbidden');
    expect(refused?.message).toMatch(/^CORSResponse: This CORS request is not allowed\./);
    expect(refused?.extra).toEqual({ Method: 'PUT', ResourceType: 'OBJECT' });
    // A rule without AllowedHeader allows no requested header.
    expect(thrown(() => preflightHeaders(rules, { origin: 'https://example.org', method: 'GET', headers: 'x-custom', object: false }))?.code).toBe(
      'AccessForbidden',
    );
  });
});
