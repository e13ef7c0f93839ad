/**
 * The console's groups and customer managed policies in a real browser (Debian's chromium via playwright-core,
 * against a real Cairn): a managed policy created through the editor (the server's MalformedPolicyDocument shown
 * in place first), a group created, a user added and the policy attached, all read back with the SDK; deleting
 * the group or the policy while in use shows the server's DeleteConflict in place; then the group is emptied and
 * deleted.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetGroupCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  ListPoliciesCommand,
} from '@aws-sdk/client-iam';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createUser, destroyClients, iamClient } from '../helpers/iam-users.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CAIRN_REQUIRE_CLIENTS === '1') throw new Error(`${CHROMIUM} is missing: install Debian's chromium`);
const SHOTS = join(process.cwd(), 'test-artifacts', 'console');

describe.skipIf(!haveBrowser)('groups and managed policies in chromium', () => {
  let ts: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ts = await startTestServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on('dialog', (d) => void d.accept());
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

  it('creates a managed policy and a group, adds a user, attaches the policy, and shows DeleteConflict in place', async () => {
    const iam = iamClient(ts);
    await createUser(ts, iam, 'ann');
    await page.goto(`${ts.url}/-/console/#/iam`);
    await page.getByRole('heading', { name: 'Identity' }).waitFor();

    // A managed policy: a broken document first (the server's verdict in place), then one from the form.
    const policies = page.getByRole('region', { name: 'Managed policies' });
    await policies.getByLabel('New managed policy').fill('photos-read');
    await policies.getByLabel('Managed policy JSON').fill('{"Version":"2012-10-17","Statement":');
    await policies.getByRole('button', { name: 'Create policy' }).click();
    await expect.poll(() => policies.getByLabel('Create policy error').textContent()).toMatch(/^MalformedPolicyDocument: ./);
    expect((await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? []).toEqual([]);
    await policies.getByLabel('Bucket for the managed policy form').fill('photos');
    await policies.getByRole('button', { name: 'Fill the managed policy from the form' }).click();
    await policies.getByRole('button', { name: 'Create policy' }).click();
    const policyRow = policies.getByRole('row', { name: /photos-read/ });
    await expect.poll(() => policyRow.count()).toBe(1);
    const local = (await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? [];
    expect(local.map((p) => p.PolicyName)).toEqual(['photos-read']);
    const arn = local[0]!.Arn!;
    await policies.getByRole('button', { name: 'View policy photos-read' }).click();
    await expect.poll(() => policies.getByLabel('Document of photos-read').textContent()).toContain('arn:aws:s3:::photos/*');

    // A group, a member, the policy attached.
    const groups = page.getByRole('region', { name: 'Groups', exact: true });
    await groups.getByLabel('New group').fill('family');
    await groups.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('heading', { name: 'Group family' }).waitFor();
    await groups.getByLabel('User to add to family').selectOption('ann');
    await groups.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => groups.getByRole('list', { name: 'Members of family' }).textContent()).toContain('ann');
    await groups.getByLabel('Managed policy to attach to family').selectOption({ label: 'photos-read' });
    await groups.getByRole('button', { name: 'Attach managed policy to family' }).click();
    await expect.poll(() => groups.getByRole('list', { name: 'Policies of family' }).textContent()).toContain(arn);
    const got = await iam.send(new GetGroupCommand({ GroupName: 'family' }));
    expect((got.Users ?? []).map((u) => u.UserName)).toEqual(['ann']);
    const attached = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'family' }));
    expect((attached.AttachedPolicies ?? []).map((p) => p.PolicyArn)).toEqual([arn]);
    // An attached policy is no longer offered for attaching.
    expect(await groups.getByLabel('Managed policy to attach to family').locator('option', { hasText: 'photos-read' }).count()).toBe(0);

    // In use: deleting the group or the policy is refused, the server's DeleteConflict shown in place.
    await groups.getByRole('button', { name: 'Delete group family' }).click();
    await expect.poll(() => groups.getByLabel('Group error', { exact: true }).textContent()).toMatch(/^DeleteConflict: ./);
    await policies.getByRole('button', { name: 'Delete policy photos-read' }).click();
    await expect.poll(() => policies.getByLabel('Managed policy error', { exact: true }).textContent()).toMatch(/^DeleteConflict: ./);
    expect((await iam.send(new ListGroupsCommand({}))).Groups?.map((g) => g.GroupName)).toEqual(['family']);

    // The user's panel shows its group.
    await page.getByRole('button', { name: 'ann', exact: true }).first().click();
    await page.getByRole('heading', { name: 'User ann' }).waitFor();
    await expect.poll(() => page.getByRole('region', { name: 'Groups of ann' }).textContent()).toContain('family');
    expect(await policyRow.locator('td').nth(2).textContent()).toBe('1');
    await page.screenshot({ path: join(SHOTS, 'groups.png'), fullPage: true });

    // The user's own picker offers the customer managed policy too; attached, then detached.
    const user = page.getByRole('region', { name: 'User', exact: true });
    await user.getByLabel('Managed policy to attach to ann').selectOption({ label: 'photos-read' });
    await user.getByRole('button', { name: 'Attach managed policy to ann' }).click();
    await expect
      .poll(async () => (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'ann' }))).AttachedPolicies?.map((p) => p.PolicyArn))
      .toEqual([arn]);
    await expect.poll(() => policyRow.locator('td').nth(2).textContent()).toBe('2');
    await user.getByRole('button', { name: `Detach ${arn} from ann` }).click();
    await expect.poll(async () => (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'ann' }))).AttachedPolicies?.length).toBe(0);

    // Emptied, the group goes: removed from the user's panel, the policy detached in the group's.
    await page.getByRole('button', { name: 'Remove ann from family' }).first().click();
    await expect.poll(async () => (await iam.send(new ListGroupsForUserCommand({ UserName: 'ann' }))).Groups?.length).toBe(0);
    await groups.getByRole('button', { name: 'family', exact: true }).click();
    await groups.getByRole('button', { name: `Detach ${arn} from family` }).click();
    await expect.poll(async () => (await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'family' }))).AttachedPolicies?.length).toBe(0);
    await groups.getByRole('button', { name: 'Delete group family' }).click();
    await expect.poll(() => groups.getByRole('row', { name: /family/ }).count()).toBe(0);
    expect((await iam.send(new ListGroupsCommand({}))).Groups ?? []).toEqual([]);
    // Attached nowhere, the policy goes too.
    await expect.poll(() => policyRow.locator('td').nth(2).textContent()).toBe('0');
    await policies.getByRole('button', { name: 'Delete policy photos-read' }).click();
    await expect.poll(() => policyRow.count()).toBe(0);
    expect((await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? []).toEqual([]);
  }, 90_000);
});
