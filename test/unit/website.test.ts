import { describe, expect, it } from 'vitest';
import { S3Error } from '../../src/errors/s3error.js';
import {
  encodeKeyPath,
  indexKey,
  parseWebsite,
  redirectAll,
  ruleAfterError,
  ruleBeforeRead,
  ruleRedirect,
  websiteBucket,
  WEBSITE_LISTS,
  type RoutingRule,
} from '../../src/s3/website.js';
import { parseXml } from '../../src/xml/xml.js';

const doc = (inner: string) => parseXml(`<WebsiteConfiguration>${inner}</WebsiteConfiguration>`, 'WebsiteConfiguration', WEBSITE_LISTS);
const INDEX = '<IndexDocument><Suffix>index.html</Suffix></IndexDocument>';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof S3Error) return e.code;
    throw e;
  }
  return undefined;
}

describe('parseWebsite', () => {
  it('reads an index, an error document and routing rules', () => {
    const c = parseWebsite(
      doc(
        INDEX +
          '<ErrorDocument><Key>err.html</Key></ErrorDocument><RoutingRules><RoutingRule><Condition><KeyPrefixEquals>a/</KeyPrefixEquals></Condition>' +
          '<Redirect><ReplaceKeyPrefixWith>b/</ReplaceKeyPrefixWith><HttpRedirectCode>307</HttpRedirectCode></Redirect></RoutingRule></RoutingRules>',
      ),
    );
    expect(c).toEqual({
      indexSuffix: 'index.html',
      errorKey: 'err.html',
      rules: [{ condition: { keyPrefixEquals: 'a/' }, redirect: { replaceKeyPrefixWith: 'b/', httpRedirectCode: 307 } }],
    });
    expect(parseWebsite(doc('<RedirectAllRequestsTo><HostName>example.com</HostName></RedirectAllRequestsTo>'))).toEqual({
      redirectAll: { hostName: 'example.com' },
      rules: [],
    });
  });

  it.each([
    ['', 'InvalidArgument'],
    ['<IndexDocument><Suffix></Suffix></IndexDocument>', 'InvalidArgument'],
    ['<IndexDocument><Suffix>a/b</Suffix></IndexDocument>', 'InvalidArgument'],
    [INDEX + '<RedirectAllRequestsTo><HostName>x</HostName></RedirectAllRequestsTo>', 'MalformedXML'],
    ['<RedirectAllRequestsTo><Protocol>https</Protocol></RedirectAllRequestsTo>', 'MalformedXML'],
    [INDEX + '<Unknown/>', 'MalformedXML'],
    [INDEX + '<RoutingRules><RoutingRule><Condition><KeyPrefixEquals>a</KeyPrefixEquals></Condition></RoutingRule></RoutingRules>', 'MalformedXML'],
    [INDEX + '<RoutingRules><RoutingRule><Condition></Condition><Redirect><HostName>x</HostName></Redirect></RoutingRule></RoutingRules>', 'InvalidRequest'],
    [INDEX + '<RoutingRules><RoutingRule><Redirect><HttpRedirectCode>200</HttpRedirectCode></Redirect></RoutingRule></RoutingRules>', 'InvalidRequest'],
    [INDEX + '<RoutingRules><RoutingRule><Redirect><Protocol>ftp</Protocol></Redirect></RoutingRule></RoutingRules>', 'InvalidRequest'],
    [INDEX + '<RoutingRules><RoutingRule><Redirect><HttpRedirectCode>abc</HttpRedirectCode></Redirect></RoutingRule></RoutingRules>', 'MalformedXML'],
  ])('%s: %s', (inner, expected) => {
    expect(code(() => parseWebsite(doc(inner)))).toBe(expected);
  });
});

describe('routing', () => {
  const rules: RoutingRule[] = [
    { condition: { keyPrefixEquals: 'docs/' }, redirect: { replaceKeyPrefixWith: 'documents/' } },
    { condition: { httpErrorCodeReturnedEquals: 404, keyPrefixEquals: 'img/' }, redirect: { hostName: 'cdn.example.com', replaceKeyWith: 'missing.png' } },
    { condition: { httpErrorCodeReturnedEquals: 403 }, redirect: { protocol: 'https', httpRedirectCode: 307 } },
  ];

  it('a prefix-only rule applies before the read; an error-code rule only after that error', () => {
    expect(ruleBeforeRead(rules, 'docs/a.html')).toBe(rules[0]);
    expect(ruleBeforeRead(rules, 'img/a.png')).toBeUndefined();
    expect(ruleAfterError(rules, 'img/a.png', 404)).toBe(rules[1]);
    expect(ruleAfterError(rules, 'other/a.png', 404)).toBeUndefined();
    expect(ruleAfterError(rules, 'anything', 403)).toBe(rules[2]);
    // A rule without a condition applies to every request.
    expect(ruleBeforeRead([{ redirect: { hostName: 'x' } }], 'k')).toBeDefined();
  });

  it('builds the Location: the prefix or key replaced, encoded, on the rule or the request host and protocol, 301 by default', () => {
    expect(ruleRedirect(rules[0]!, 'docs/a b.html', 'http', 'site.web.test')).toEqual({ status: 301, location: 'http://site.web.test/documents/a%20b.html' });
    expect(ruleRedirect(rules[1]!, 'img/x.png', 'http', 'site.web.test')).toEqual({ status: 301, location: 'http://cdn.example.com/missing.png' });
    expect(ruleRedirect(rules[2]!, 'p/q', 'http', 'site.web.test:9000')).toEqual({ status: 307, location: 'https://site.web.test:9000/p/q' });
    expect(redirectAll({ hostName: 'example.org' }, '/a/b?c=d', 'https')).toEqual({ status: 301, location: 'https://example.org/a/b?c=d' });
    expect(encodeKeyPath("a/b c/(d)'!*")).toBe('a/b%20c/%28d%29%27%21%2A');
  });

  it('index documents for the root and folders; buckets from website hosts', () => {
    expect(indexKey('', 'index.html')).toBe('index.html');
    expect(indexKey('docs/', 'index.html')).toBe('docs/index.html');
    expect(indexKey('docs', 'index.html')).toBe('docs');
    expect(websiteBucket('photos.web.example.com', ['web.example.com'])).toBe('photos');
    expect(websiteBucket('web.example.com', ['web.example.com'])).toBe('');
    expect(websiteBucket('photos.example.com', ['web.example.com'])).toBeUndefined();
    // Under both an API domain and a website domain, the more specific one decides.
    expect(websiteBucket('photos.web.example.com', ['web.example.com'], ['example.com'])).toBe('photos');
    expect(websiteBucket('photos.s3.example.com', ['example.com'], ['s3.example.com'])).toBeUndefined();
    expect(websiteBucket('photos.example.com', ['example.com'], ['s3.example.com'])).toBe('photos');
  });
});

it('indented documents (white space between elements, as s3cmd writes them) parse', () => {
  const c = parseWebsite(
    doc(
      '\n  <IndexDocument>    <Suffix>index.html</Suffix>  </IndexDocument>  <ErrorDocument>\n    <Key>e.html</Key>\n  </ErrorDocument>\n<RoutingRules>\n</RoutingRules>\n',
    ),
  );
  expect(c).toEqual({ indexSuffix: 'index.html', errorKey: 'e.html', rules: [] });
  expect(code(() => parseWebsite(doc(`${INDEX}text`)))).toBe('MalformedXML');
});
