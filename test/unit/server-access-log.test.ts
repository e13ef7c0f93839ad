import { describe, expect, it } from 'vitest';
import { formatAccessRecord, logTime, operationLabel } from '../../src/s3/serverAccessLog.js';
import { logObjectKey } from '../../src/workers/serverAccessLogs.js';

describe('server access log records', () => {
  it('S3 operation names', () => {
    expect(operationLabel('GetObject', 'GET', undefined, true)).toBe('REST.GET.OBJECT');
    expect(operationLabel('ListObjectsV2', 'GET', undefined, false)).toBe('REST.GET.BUCKET');
    expect(operationLabel('CopyObject', 'PUT', undefined, true)).toBe('REST.COPY.OBJECT');
    expect(operationLabel('UploadPart', 'PUT', 'uploadId', true)).toBe('REST.PUT.PART');
    expect(operationLabel('CompleteMultipartUpload', 'POST', 'uploadId', true)).toBe('REST.POST.UPLOAD');
    expect(operationLabel('GetBucketVersioning', 'GET', 'versioning', false)).toBe('REST.GET.VERSIONING');
    expect(operationLabel('PutBucketLogging', 'PUT', 'logging', false)).toBe('REST.PUT.LOGGING_STATUS');
    expect(operationLabel('GetObjectTagging', 'GET', 'tagging', true)).toBe('REST.GET.OBJECT_TAGGING');
    expect(operationLabel('DeleteObjects', 'POST', 'delete', false)).toBe('REST.POST.MULTI_OBJECT_DELETE');
  });

  it('time, dashes, quoting and encoding as S3 writes them', () => {
    const t = Date.UTC(2019, 1, 6, 0, 0, 38);
    expect(logTime(t)).toBe('[06/Feb/2019:00:00:38 +0000]');
    const line = formatAccessRecord({
      bucketOwner: 'abc',
      bucket: 'photos',
      time: t,
      remoteIp: '192.0.2.3',
      requester: 'arn:aws:iam::123456789012:user/alice',
      requestId: '3E57427F3EXAMPLE',
      operation: 'REST.GET.OBJECT',
      key: 'dir/a b.jpg',
      method: 'GET',
      url: '/photos/dir/a%20b.jpg',
      httpVersion: '1.1',
      status: 200,
      bytesSent: 2662992,
      objectSize: 3462992,
      totalMs: 70.4,
      turnAroundMs: 10.2,
      userAgent: 'curl/"8"',
      hostId: 'host',
      signatureVersion: 'SigV4',
      authType: 'AuthHeader',
      hostHeader: 'photos.s3.example.com',
    });
    expect(line).toBe(
      'abc photos [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE REST.GET.OBJECT dir/a+b.jpg ' +
        '"GET /photos/dir/a%20b.jpg HTTP/1.1" 200 - 2662992 3462992 70 10 "-" "curl/\\"8\\"" - host SigV4 - AuthHeader photos.s3.example.com - - -',
    );
  });

  it('log object keys: simple and partitioned', () => {
    const now = Date.UTC(2024, 0, 2, 3, 4, 5);
    const simple = logObjectKey({ targetBucket: 't', targetPrefix: 'logs/', grants: [] }, '111122223333', 'us-east-1', 'src', now - 86400_000, now);
    expect(simple).toMatch(/^logs\/2024-01-02-03-04-05-[0-9A-F]{16}$/);
    const event = logObjectKey(
      { targetBucket: 't', targetPrefix: 'p/', grants: [], keyFormat: { partitioned: true, dateSource: 'EventTime' } },
      '111122223333',
      'eu-west-1',
      'src',
      now - 86400_000,
      now,
    );
    expect(event).toMatch(/^p\/111122223333\/eu-west-1\/src\/2024\/01\/01\/2024-01-02-03-04-05-[0-9A-F]{16}$/);
  });
});
