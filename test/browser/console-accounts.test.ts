/**
 * The console's Accounts screen in a real browser (Debian's chromium via playwright-core): the administrator
 * creates an account and sees its root keys once, the new root signs in with them in a second page and sees
 * the Buckets page (and no Accounts link: it is not the administrator), then the administrator deletes the
 * account, confirmed, and the API agrees it is gone.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN } from '../helpers/iam-users.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CAIRN_REQUIRE_CLIENTS === '1') throw new Error(`${CHROMIUM} is missing: install Debian's chromium`);
const SHOTS = join(process.cwd(), 'test-artifacts', 'console');

describe.skipIf(!haveBrowser)('the Accounts screen in chromium', () => {
  let ts: TestServer;
  let browser: Browser;
  let page: Page;

  async function signIn(p: Page, id: string, secret: string): Promise<void> {
    await p.goto(`${ts.url}/-/console/`);
    await p.getByLabel('Access key ID').fill(id);
    await p.getByLabel('Secret access key').fill(secret);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Buckets' }).waitFor();
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ts = await startTestServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ts?.stop();
  });

  it('creates an account, its root signs in with the keys shown once, and the administrator deletes it', async () => {
    await signIn(page, ADMIN.accessKeyId, ADMIN.secretAccessKey);
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    await page.getByLabel('New account', { exact: true }).fill('family');
    await page.getByLabel('Email', { exact: true }).fill('family@example.com');
    await page.getByRole('button', { name: 'Create account' }).click();
    const id = (await page.locator('.key-id').textContent())!;
    const secret = (await page.locator('.key-secret').textContent())!;
    expect(id).toMatch(/^CKIA/);
    expect(secret.length).toBeGreaterThanOrEqual(40);
    await expect.poll(() => page.getByRole('row', { name: /family/ }).count()).toBe(1);
    await expect.poll(() => page.getByRole('link', { name: 'Download as file' }).getAttribute('download')).toBe('family-root-credentials.txt');
    await page.screenshot({ path: join(SHOTS, 'accounts.png'), fullPage: true });
    // Shown once: back on the screen later, the list shows no secret.
    await page.getByRole('link', { name: 'Buckets' }).click();
    await page.getByRole('heading', { name: 'Buckets' }).waitFor();
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    await expect.poll(() => page.getByRole('row', { name: /family/ }).count()).toBe(1);
    expect(await page.content()).not.toContain(secret);

    // A second page: the new root signs in and sees its Buckets page, without the administrator's Accounts link.
    const other = await browser.newPage();
    other.setDefaultTimeout(15_000);
    await signIn(other, id, secret);
    expect(await other.getByRole('link', { name: 'Accounts' }).count()).toBe(0);
    await other.close();

    // Deleting is confirmed; dismissing keeps the account.
    await signIn(page, ADMIN.accessKeyId, ADMIN.secretAccessKey);
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    page.once('dialog', (d) => void d.dismiss());
    await page.getByRole('button', { name: 'Delete account family' }).click();
    await expect.poll(() => page.getByRole('row', { name: /family/ }).count()).toBe(1);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete account family' }).click();
    await expect.poll(() => page.getByRole('row', { name: /family/ }).count()).toBe(0);
    expect(ts.ctx.services.iam.accountByName('family')).toBeUndefined();
    // Creating a duplicate shows the server's code and message.
    await page.getByLabel('New account', { exact: true }).fill('admin');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.locator('.alert .code').textContent()).toBe('EntityAlreadyExists');
  }, 90_000);
});
