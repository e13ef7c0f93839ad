/**
 * GET /-/notification-targets, the console's list of the webhook targets a NotificationConfiguration may name:
 * any signed-in principal (an IAM user without a single permission included) gets every target's id and ARN, in
 * the config's order; an anonymous request is AccessDenied; nothing of a target's URL or auth header is ever sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, destroyClients, iamClient, type TestUser } from '../helpers/iam-users.js';
import { rawRequest } from '../helpers/signing.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SECRET_URL = 'http://127.0.0.1:9/secret-path-of-the-hook';
const AUTH = 'Bearer hook-secret-token-123';

describe('ListNotificationTargets (/-/notification-targets)', () => {
  let ts: TestServer;
  let nobody: TestUser;

  beforeAll(async () => {
    ts = await startTestServer({
      notificationTargets: [
        { id: 'orders', url: SECRET_URL, authHeader: AUTH },
        { id: 'audit-log', url: 'https://hooks.example.com/audit', tlsVerify: false },
      ],
    });
    nobody = await createUser(ts, iamClient(ts), 'nobody');
  });

  afterAll(async () => {
    destroyClients(ts);
    await ts.stop();
  });

  const expectTargets = (body: string) => {
    expect(body).toContain('<ListNotificationTargetsResult');
    const targets = [...body.matchAll(/<Target><Id>([^<]*)<\/Id><Arn>([^<]*)<\/Arn><\/Target>/g)].map((m) => [m[1], m[2]]);
    expect(targets).toEqual([
      ['orders', 'arn:cairn:sqs::orders:webhook'],
      ['audit-log', 'arn:cairn:sqs::audit-log:webhook'],
    ]);
    for (const leak of [SECRET_URL, 'secret-path', 'hook-secret-token', 'hooks.example.com', 'tlsVerify', '127.0.0.1', 'Bearer', 'https:'])
      expect(body).not.toContain(leak);
  };

  it('lists the ids and ARNs to the administrator, and to a user with no permissions at all', async () => {
    const admin = await rawRequest(ts.url, 'GET', '/-/notification-targets');
    expect(admin.status).toBe(200);
    expect(admin.headers['content-type']).toBe('application/xml');
    expectTargets(admin.text);
    const user = await rawRequest(ts.url, 'GET', '/-/notification-targets', { accessKeyId: nobody.creds.accessKeyId, secret: nobody.creds.secretAccessKey });
    expect(user.status).toBe(200);
    expectTargets(user.text);
  });

  it('refuses anonymous requests, bad signatures and other methods with S3 errors', async () => {
    const anon = await rawRequest(ts.url, 'GET', '/-/notification-targets', { anonymous: true });
    expect(anon.status).toBe(403);
    expect(anon.text).toContain('<Code>AccessDenied</Code>');
    expect(anon.text).not.toContain('orders');
    const forged = await rawRequest(ts.url, 'GET', '/-/notification-targets', { secret: 'not-the-secret-not-the-secret-not-the-sec' });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(forged.text).not.toContain('orders');
    const put = await rawRequest(ts.url, 'PUT', '/-/notification-targets', { body: 'x' });
    expect(put.status).toBe(405);
    expect(put.text).toContain('<Code>MethodNotAllowed</Code>');
  });

  it('answers an empty list when no targets are configured', async () => {
    const bare = await startTestServer();
    try {
      const res = await rawRequest(bare.url, 'GET', '/-/notification-targets');
      expect(res.status).toBe(200);
      expect(res.text).toContain('<ListNotificationTargetsResult');
      expect(res.text).not.toContain('<Target>');
    } finally {
      await bare.stop();
    }
  });
});
