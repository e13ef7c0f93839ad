/**
 * The console's bucket and identity tools in a real browser (Debian's chromium via playwright-core, against a real
 * Cairn): the notifications editor (rules written through the form and read back with the SDK, the server's error
 * shown in place), a folder rename with its progress bar and the objects moved, and the access check showing a
 * statement that comes from one of the user's groups.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddUserToGroupCommand, AttachGroupPolicyCommand, CreateGroupCommand, CreatePolicyCommand, PutGroupPolicyCommand } from '@aws-sdk/client-iam';
import { ADMIN, createUser, destroyClients, doc, iamClient } from '../helpers/iam-users.js';
import { text } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CAIRN_REQUIRE_CLIENTS === '1') throw new Error(`${CHROMIUM} is missing: install Debian's chromium`);
const SHOTS = join(process.cwd(), 'test-artifacts', 'console');

describe.skipIf(!haveBrowser)('the console tools in chromium', () => {
  let ts: TestServer;
  let browser: Browser;
  let page: Page;
  const bucket = 'tools';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Nothing listens on port 9: deliveries just wait in the outbox.
    ts = await startTestServer({
      notificationTargets: [
        { id: 'uploads-hook', url: 'http://127.0.0.1:9/uploads', authHeader: 'Bearer do-not-show' },
        { id: 'audit', url: 'http://127.0.0.1:9/audit' },
      ],
    });
    await ts.client().send(new CreateBucketCommand({ Bucket: bucket }));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await page.goto(`${ts.url}/-/console/`);
    await page.getByLabel('Access key ID').fill(ADMIN.accessKeyId);
    await page.getByLabel('Secret access key').fill(ADMIN.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Buckets' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (ts) destroyClients(ts);
    await ts?.stop();
  });

  it('adds a notification rule through the form (read back with the SDK), shows the server error in place, and deletes it', async () => {
    await page.goto(`${ts.url}/-/console/#/s/${bucket}`);
    const form = page.getByRole('form', { name: 'Add notification rule' });
    await expect
      .poll(() => form.getByLabel('Target').locator('option').allTextContents())
      .toEqual(['uploads-hook (arn:cairn:sqs::uploads-hook:webhook)', 'audit (arn:cairn:sqs::audit:webhook)']);
    expect(await page.content()).not.toContain('do-not-show');
    await form.getByLabel('Rule id').fill('new-images');
    await form.getByLabel('Target').selectOption('arn:cairn:sqs::uploads-hook:webhook');
    await form.getByLabel('s3:ObjectCreated:*').check();
    await form.getByLabel('s3:ObjectRemoved:Delete', { exact: true }).check();
    await form.getByLabel('Key prefix').fill('images/');
    await form.getByLabel('Key suffix').fill('.jpg');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(() => page.locator('.status').textContent()).toBe('Notification rule added.');
    const got = await ts.client().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    expect(got.QueueConfigurations).toEqual([
      {
        Id: 'new-images',
        QueueArn: 'arn:cairn:sqs::uploads-hook:webhook',
        Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'Prefix', Value: 'images/' },
              { Name: 'Suffix', Value: '.jpg' },
            ],
          },
        },
      },
    ]);
    const rules = page.getByRole('table', { name: 'Notification rules' });
    await expect
      .poll(() => rules.locator('tr[data-rule="new-images"] td').allTextContents())
      .toEqual(['new-images', 'uploads-hook', 's3:ObjectCreated:*, s3:ObjectRemoved:Delete', 'images/', '.jpg', 'Delete']);
    await page.getByRole('region', { name: 'Notifications' }).screenshot({ path: join(SHOTS, 'notifications.png') });

    // An overlapping rule: the server refuses it, and its code and message show beside the form.
    await form.getByLabel('Target').selectOption('arn:cairn:sqs::audit:webhook');
    await form.getByLabel('s3:ObjectCreated:Put', { exact: true }).check();
    await form.getByRole('button', { name: 'Add rule' }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Notifications' }).locator('.inline-error').textContent())
      .toMatch(/^InvalidArgument: Configurations overlap/);
    expect((await ts.client().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).QueueConfigurations).toHaveLength(1);

    await rules.getByRole('button', { name: 'Delete rule new-images' }).click();
    await expect.poll(() => page.locator('.status').textContent()).toBe('Notification rule deleted.');
    expect((await ts.client().send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).QueueConfigurations).toBeUndefined();
    await rules.getByText('No notification rules.').waitFor();
  });

  it('renames a folder with a progress bar that reaches 100%, and every object is moved', async () => {
    const s3 = ts.client();
    const keys = ['album/', ...Array.from({ length: 10 }, (_, i) => `album/p${i}.txt`), 'album/2024/deep.txt'];
    await Promise.all(keys.map((k) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k.endsWith('/') ? '' : `body of ${k}` }))));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'albums-other.txt', Body: 'stays' }));
    await page.goto(`${ts.url}/-/console/#/b/${bucket}/`);
    page.once('dialog', (d) => void d.accept('photos-2024'));
    await page.getByRole('button', { name: 'Rename folder album/' }).click();
    const bar = page.getByRole('progressbar', { name: 'Moving album/ to photos-2024/' });
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 30_000 }).toBe('100');
    // 10 bodies "body of album/pN.txt" (20 bytes), "body of album/2024/deep.txt" (27) and the empty folder marker.
    await expect.poll(() => page.locator('.move .move-text').textContent()).toBe('Done: 12 of 12 objects moved, 227 B of 227 B.');
    expect(await bar.getAttribute('aria-valuetext')).toBe('Done: 12 of 12 objects moved, 227 B of 227 B.');
    expect(await page.getByRole('list', { name: 'Errors: Moving album/ to photos-2024/' }).locator('li').count()).toBe(0);
    await page.getByRole('link', { name: 'photos-2024/' }).waitFor();
    await page.getByRole('region', { name: 'Moves' }).screenshot({ path: join(SHOTS, 'folder-rename.png') });
    const listed = async (prefix: string) =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key).sort();
    expect(await listed('album/')).toEqual([]);
    expect(await listed('photos-2024/')).toEqual(keys.map((k) => k.replace(/^album\//, 'photos-2024/')).sort());
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'photos-2024/2024/deep.txt' })))).toBe('body of album/2024/deep.txt');
    expect(await listed('albums-other')).toEqual(['albums-other.txt']);

    // An object that cannot be moved (its new key would pass 1,024 bytes) is listed with the server's error and stays.
    const long = `errs/${'x'.repeat(1015)}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: long, Body: 'long' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'errs/ok.txt', Body: 'ok' }));
    // Away and back: the listing is read again (the same URL would not navigate).
    await page.goto(`${ts.url}/-/console/#/buckets`);
    await page.getByRole('heading', { name: 'Buckets' }).waitFor();
    await page.goto(`${ts.url}/-/console/#/b/${bucket}/`);
    page.once('dialog', (d) => void d.accept('errs-renamed/'));
    await page.getByRole('button', { name: 'Rename folder errs/' }).click();
    const errors = page.getByRole('list', { name: 'Errors: Moving errs/ to errs-renamed/' });
    await expect.poll(() => errors.locator('li').allTextContents()).toHaveLength(1);
    expect((await errors.locator('li').textContent()) ?? '').toMatch(/^errs\/x+: KeyTooLongError /);
    await expect.poll(() => page.locator('.move .move-text').last().textContent()).toBe('Done with errors: 1 of 2 objects moved, 1 failed.');
    expect(await page.getByRole('progressbar', { name: 'Moving errs/ to errs-renamed/' }).getAttribute('aria-valuenow')).toBe('100');
    expect(await listed('errs/')).toEqual([long]);
    expect(await listed('errs-renamed/')).toEqual(['errs-renamed/ok.txt']);
  });

  it("shows the user's group policies (inline and managed) and the bucket policy in the access check, each by source", async () => {
    const iam = iamClient(ts);
    const ann = await createUser(ts, iam, 'ann', { inline: doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` }) });
    const bob = await createUser(ts, iam, 'bob');
    await iam.send(new CreateGroupCommand({ GroupName: 'writers' }));
    await iam.send(
      new PutGroupPolicyCommand({
        GroupName: 'writers',
        PolicyName: 'put',
        PolicyDocument: JSON.stringify(doc({ Sid: 'GroupPut', Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*` })),
      }),
    );
    await iam.send(new AddUserToGroupCommand({ GroupName: 'writers', UserName: 'ann' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'readers' }));
    const managed = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'read-all', PolicyDocument: JSON.stringify(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })) }),
    );
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: managed.Policy!.Arn! }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'readers', UserName: 'ann' }));
    await ts.client().send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify(
          doc(
            { Sid: 'AnnDeletes', Effect: 'Allow', Principal: { AWS: ann.arn }, Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${bucket}/*` },
            { Sid: 'BobOnly', Effect: 'Allow', Principal: { AWS: bob.arn }, Action: 's3:*', Resource: `arn:aws:s3:::${bucket}/*` },
          ),
        ),
      }),
    );

    await page.goto(`${ts.url}/-/console/#/iam`);
    await page.getByRole('button', { name: 'ann', exact: true }).click();
    await page.getByRole('heading', { name: 'User ann' }).waitFor();
    await page.getByLabel('Bucket to check').fill(bucket);
    await page.getByRole('button', { name: 'Check access' }).click();
    const row = (action: string) => page.locator(`tr[data-action="${action}"]`);
    await expect.poll(() => row('s3:PutObject').locator('.decision').textContent()).toBe('allowed');
    expect(await row('s3:PutObject').locator('li').allTextContents()).toEqual([
      `group writers inline: Allow in inline: put (GroupPut) on arn:aws:s3:::${bucket}/*`,
    ]);
    expect(await row('s3:GetObject').locator('.decision').textContent()).toBe('allowed');
    expect(await row('s3:GetObject').locator('li').allTextContents()).toEqual([`group readers managed: Allow in ${managed.Policy!.Arn!} on *`]);
    expect(await row('s3:ListBucket').locator('li').allTextContents()).toEqual([`user inline: Allow in inline: inline on arn:aws:s3:::${bucket}`]);
    expect(await row('s3:DeleteObject').locator('.decision').textContent()).toBe('allowed');
    expect(await row('s3:DeleteObject').locator('li').allTextContents()).toEqual([
      `bucket policy: Allow in ${bucket} (AnnDeletes) on arn:aws:s3:::${bucket}/*`,
    ]);
    await page.getByRole('region', { name: 'What can this user do on a bucket' }).screenshot({ path: join(SHOTS, 'access-check.png') });
  });
});
