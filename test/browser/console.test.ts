/**
 * The console in a real browser: Debian's chromium driven by playwright-core
 * (never a browser download) against a real Cairn. Screenshots of each page
 * go to test-artifacts/console/ (the README's come from here).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetBucketLifecycleConfigurationCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairn } from '../helpers/cli.js';
import { ADMIN } from '../helpers/iam-users.js';
import { text } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CAIRN_REQUIRE_CLIENTS === '1') throw new Error(`${CHROMIUM} is missing: install Debian's chromium`);
const SHOTS = join(process.cwd(), 'test-artifacts', 'console');
const METRICS_TOKEN = 'console-test-metrics-token';

// A 2x2 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');

describe.skipIf(!haveBrowser)('the console in chromium', () => {
  let ts: TestServer;
  let browser: Browser;
  let page: Page;
  const bucket = 'photos';

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  async function signIn(p: Page, id: string, secret: string): Promise<void> {
    await p.goto(`${ts.url}/-/console/`);
    await p.getByLabel('Access key ID').fill(id);
    await p.getByLabel('Secret access key').fill(secret);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Buckets' }).waitFor();
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ts = await startTestServer({ metricsToken: METRICS_TOKEN });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on('dialog', (d) => void d.accept());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ts?.stop();
  });

  it('serves itself from the package, with no third-party origin, and answers 404 for unknown files', async () => {
    const res = await request(`${ts.url}/-/console/`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(await res.body.text()).toContain('app.js');
    const missing = await request(`${ts.url}/-/console/nope.js`);
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
    const redirect = await request(`${ts.url}/-/console`);
    expect(redirect.statusCode).toBe(301);
    await redirect.body.dump();
  });

  it('refuses a wrong secret with the server error and signs in as the administrator', async () => {
    await page.goto(`${ts.url}/-/console/`);
    await shot('sign-in');
    await page.getByLabel('Access key ID').fill(ADMIN.accessKeyId);
    await page.getByLabel('Secret access key').fill('wrong-secret-wrong-secret-wrong-secret-00');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('.alert .code').textContent()).toBe('SignatureDoesNotMatch');
    await signIn(page, ADMIN.accessKeyId, ADMIN.secretAccessKey);
  });

  it('creates a versioned bucket', async () => {
    await page.getByLabel('New bucket').fill(bucket);
    await page.getByLabel('Versioning', { exact: true }).check();
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await page.getByRole('link', { name: bucket, exact: true }).waitFor();
    const row = page.locator('tr', { has: page.getByRole('link', { name: bucket, exact: true }) });
    await expect.poll(() => row.locator('[data-usage=objects]').textContent()).toBe('0');
    expect(await row.locator('[data-usage=bytes]').textContent()).toBe('0 B');
    await shot('buckets');
  });

  it('uploads a 20 MB file in parts with a progress bar that reaches 100%', async () => {
    await page.getByRole('link', { name: bucket, exact: true }).click();
    await page.getByRole('heading', { name: bucket }).waitFor();
    const data = Buffer.alloc(20 * 1024 * 1024, 7);
    data.write('cairn-console-upload', 0);
    await page.getByLabel('Choose files to upload').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: data });
    await page.getByText('100% done').waitFor({ timeout: 60_000 });
    expect(await page.getByLabel('Upload of big.bin').evaluate((e) => (e as unknown as { value: number }).value)).toBe(100);
    expect(await page.getByLabel('All uploads').evaluate((e) => (e as unknown as { value: number }).value)).toBe(100);
    const head = await ts.client().send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    expect(head.ContentLength).toBe(data.length);
    expect(head.ETag).toMatch(/-3"$/); // 8 + 8 + 4 MiB parts
    await page.getByRole('link', { name: 'big.bin' }).waitFor();
    await shot('objects');
  });

  it('creates a folder, browses into it and previews an image', async () => {
    await page.getByLabel('New folder name').fill('pictures');
    await page.getByRole('button', { name: 'Create folder' }).click();
    await page.getByRole('link', { name: 'pictures/' }).click();
    await page.getByRole('navigation', { name: 'Breadcrumbs' }).getByRole('link', { name: 'pictures' }).waitFor();
    await page.getByLabel('Choose files to upload').setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('link', { name: 'dot.png' }).click();
    const img = page.getByRole('img', { name: 'Preview of pictures/dot.png' });
    await img.waitFor();
    await expect.poll(() => img.evaluate((e) => (e as unknown as { naturalWidth: number }).naturalWidth)).toBe(2);
    await shot('object');
  });

  it('makes a share link that works without credentials', async () => {
    await page.getByLabel('Link expiry').selectOption('86400');
    await page.getByRole('button', { name: 'Create link' }).click();
    await expect.poll(() => page.getByLabel('Share link').inputValue()).toContain('X-Amz-Signature=');
    const link = await page.getByLabel('Share link').inputValue();
    expect(link).toContain('X-Amz-Expires=86400');
    const res = await request(link);
    expect(res.statusCode).toBe(200);
    expect(Buffer.from(await res.body.arrayBuffer()).equals(PNG)).toBe(true);
    expect(await page.locator('.qr svg').count()).toBe(1);
  });

  it('restores an old version', async () => {
    const s3 = ts.client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'notes.txt', Body: 'first draft' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'notes.txt', Body: 'second draft' }));
    await page.goto(`${ts.url}/-/console/#/o/${bucket}/notes.txt`);
    await page.getByRole('button', { name: 'Restore' }).waitFor();
    await shot('versions');
    await page.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(async () => `${await page.locator('.status').textContent()} ${await page.locator('.alert').textContent()}`).toMatch(/^Restored version/);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'notes.txt' })))).toBe('first draft');
  });

  it('makes the bucket public and an object is then readable anonymously', async () => {
    const before = await request(`${ts.url}/${bucket}/notes.txt`);
    expect(before.statusCode).toBe(403);
    await before.body.dump();
    await page.goto(`${ts.url}/-/console/#/s/${bucket}`);
    await page.getByRole('switch', { name: 'Public read access' }).check();
    await expect
      .poll(async () => `${await page.locator('.status').textContent()} ${await page.locator('.inline-error').first().textContent()}`)
      .toMatch(/^Bucket policy saved\./);
    await expect.poll(() => page.getByLabel('Bucket policy JSON').inputValue()).toContain('CairnConsolePublicRead');
    await shot('bucket-settings');
    const after = await request(`${ts.url}/${bucket}/notes.txt`);
    expect(after.statusCode).toBe(200);
    expect(await after.body.text()).toBe('first draft');
  });

  it('shows object counts and sizes, usage in the settings, and writes lifecycle rules from the form', async () => {
    await page.goto(`${ts.url}/-/console/#/buckets`);
    const row = page.locator('tr', { has: page.getByRole('link', { name: bucket, exact: true }) });
    // big.bin, the pictures/ folder marker, dot.png and three versions of notes.txt (two puts and the restore)
    await expect.poll(() => row.locator('[data-usage=objects]').textContent()).toBe('6');
    expect(await row.locator('[data-usage=bytes]').textContent()).toBe('20 MiB');
    await page.goto(`${ts.url}/-/console/#/s/${bucket}`);
    await expect.poll(() => page.locator('.usage-bytes').textContent()).toBe('20 MiB (no quota)');
    const set = await cairn(ts.dataDir, ['bucket', 'quota', bucket, '--max-size', '100MiB', '--max-objects', '1000']);
    expect(set.code).toBe(0);
    // Away and back (a reload would forget the in-memory sign-in).
    await page.goto(`${ts.url}/-/console/#/buckets`);
    await page.getByRole('heading', { name: 'Buckets' }).waitFor();
    await page.goto(`${ts.url}/-/console/#/s/${bucket}`);
    await expect.poll(() => page.locator('.usage-bytes').textContent()).toBe('20 MiB of 100 MiB (20%)');
    expect(await page.locator('.usage-objects').textContent()).toBe('6 of 1000 (1%)');
    const form = page.getByRole('form', { name: 'Lifecycle rules form' });
    await form.getByLabel('Prefix').fill('logs/');
    await form.getByLabel('Expire current versions after (days)').fill('30');
    await form.getByLabel('Abort incomplete multipart uploads after (days)').fill('2');
    await form.getByRole('button', { name: 'Save lifecycle rules' }).click();
    await expect.poll(() => page.locator('.status').textContent()).toBe('Lifecycle rules saved.');
    const lc = await ts.client().send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(lc.Rules?.map((r) => [r.Filter?.Prefix, r.Expiration?.Days, r.AbortIncompleteMultipartUpload?.DaysAfterInitiation])).toEqual([
      ['logs/', 30, undefined],
      ['logs/', undefined, 2],
    ]);
  });

  it('shows the dashboard: bucket usage, and the last hour and background work once the metrics token is given', async () => {
    await page.goto(`${ts.url}/-/console/#/dashboard`);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await expect.poll(() => page.locator('.inline-error').first().textContent()).toMatch(/^Unauthorized: /);
    await page.getByRole('table', { name: 'Bucket usage' }).getByRole('link', { name: bucket }).waitFor();
    expect(await page.getByRole('table', { name: 'Bucket usage' }).locator('tbody tr').first().textContent()).toBe(`${bucket}620 MiB100 MiB, 1000 objects`);
    await page.getByLabel('Metrics token').fill(METRICS_TOKEN);
    await page.getByRole('button', { name: 'Refresh metrics' }).click();
    const lastHour = page.getByRole('table', { name: 'Last hour by operation' });
    const put = lastHour.locator('tr[data-operation="PutObject"]');
    await put.waitFor();
    expect(Number(await put.locator('td').first().textContent())).toBeGreaterThan(0);
    // Latency columns (p50, p99, mean) are filled, and the row has its trend sparkline.
    const cells = await put.locator('td').allTextContents();
    expect(cells.slice(4, 7).every((c) => /^\d+(\.\d)? (ms|s)$/.test(c))).toBe(true);
    await put.getByRole('img', { name: 'PutObject requests per minute over the last hour' }).waitFor();
    const requestsLine = page.getByRole('img', { name: /^Requests per minute over the last hour: \d+ in all/ });
    expect(await requestsLine.locator('polyline').getAttribute('points')).toMatch(/^\d/);
    await page.getByRole('img', { name: /^Errors per minute over the last hour/ }).waitFor();
    // Background work: the start-up sweep ran; no scrub yet; no notification target configured.
    expect(await page.getByLabel('Sweeper', { exact: true }).textContent()).toMatch(/Last run.*ago/);
    expect(await page.getByLabel('Sweeper', { exact: true }).textContent()).toMatch(/Garbage blobs pending\d+/);
    expect(await page.getByLabel('Lifecycle', { exact: true }).textContent()).toMatch(/Passes since start\d+/);
    expect(await page.getByLabel('Last scrub', { exact: true }).textContent()).toMatch(/none since the start/);
    expect(await page.getByRole('table', { name: 'Notification queues' }).textContent()).toMatch(/No notification targets configured/);
    const facts = page.getByRole('definition');
    await expect.poll(async () => (await facts.allTextContents()).join('|')).toMatch(/\d+ (s|min)\|/);
    expect((await facts.allTextContents()).join('|')).toMatch(/ of /); // disk used of total
    await shot('dashboard');
  });

  it('creates a read-only IAM user whose upload is refused with AccessDenied', async () => {
    await page.goto(`${ts.url}/-/console/#/iam`);
    await page.getByLabel('New IAM user').fill('reader');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('heading', { name: 'User reader' }).waitFor();
    await page.getByLabel('Bucket for the policy form').fill(bucket);
    await page.getByRole('button', { name: 'Fill from form' }).click();
    await page.getByRole('button', { name: 'Save inline policy' }).click();
    await page.getByText('inline: bucket-access').waitFor();
    await page.getByRole('button', { name: 'Create access key' }).click();
    const id = (await page.locator('.secret .key-id').textContent()) ?? '';
    const secret = (await page.locator('.secret .key-secret').textContent()) ?? '';
    expect(id).toMatch(/^AKIA/);
    await page.getByLabel('Bucket to check').fill(bucket);
    await page.getByRole('button', { name: 'Check access' }).click();
    const verdict = (action: string) => page.locator(`tr[data-action="${action}"] .decision`).textContent();
    await expect.poll(() => verdict('s3:GetObject')).toBe('allowed');
    expect(await verdict('s3:ListBucket')).toBe('allowed');
    expect(await verdict('s3:PutObject')).toBe('not allowed by these policies');
    expect(await verdict('s3:DeleteObject')).toBe('not allowed by these policies');
    await shot('identity');

    const reader = await browser.newPage();
    reader.on('dialog', (d) => void d.accept());
    await signIn(reader, id, secret);
    await reader.getByRole('link', { name: bucket, exact: true }).click();
    await reader.getByRole('link', { name: 'notes.txt' }).waitFor();
    await reader.getByLabel('Choose files to upload').setInputFiles({ name: 'nope.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
    await expect.poll(() => reader.locator('.alert .code').textContent()).toBe('AccessDenied');
    await reader.screenshot({ path: join(SHOTS, 'read-only-denied.png'), fullPage: true });
    await reader.close();
  });

  it('shows the object browser of a 10,000-key bucket quickly after sign-in', async () => {
    const s3 = ts.client();
    const big = 'many-keys';
    await page.goto(`${ts.url}/-/console/#/buckets`);
    await page.getByLabel('New bucket').fill(big);
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await page.getByRole('link', { name: big, exact: true }).waitFor();
    const keys = Array.from({ length: 10_000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 250) {
      await Promise.all(keys.slice(i, i + 250).map((k) => s3.send(new PutObjectCommand({ Bucket: big, Key: k, Body: '' }))));
    }
    const other = await browser.newPage();
    const started = Date.now();
    await other.goto(`${ts.url}/-/console/`);
    await other.getByLabel('Access key ID').fill(ADMIN.accessKeyId);
    await other.getByLabel('Secret access key').fill(ADMIN.secretAccessKey);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('heading', { name: 'Buckets' }).waitFor();
    const signedIn = Date.now();
    await other.getByRole('link', { name: big, exact: true }).click();
    await other.getByRole('link', { name: 'k00199' }).waitFor();
    const shown = Date.now() - signedIn;
    console.log(`console: 10,000-key bucket browsable ${shown} ms after sign-in (sign-in took ${signedIn - started} ms)`);
    expect(await other.getByRole('button', { name: 'Next page' }).isEnabled()).toBe(true);
    await other.getByRole('button', { name: 'Next page' }).click();
    await other.getByRole('link', { name: 'k00399' }).waitFor();
    await other.close();
  }, 120_000);
});
