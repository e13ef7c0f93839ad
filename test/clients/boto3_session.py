#!/usr/bin/python3
"""A scripted boto3 session against a running Cairn server.

Usage: boto3_session.py ENDPOINT ACCESS_KEY SECRET_KEY BUCKET

Run by test/clients/clients.test.ts with Debian's /usr/bin/python3 and
python3-boto3. Each step checks its own result and raises with a clear
message on a mismatch; on success a JSON summary is printed to stdout so the
test can assert on it too. Retries are off so a server error shows at once.
"""
import concurrent.futures
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def error_code(exc):
    return exc.response.get("Error", {}).get("Code"), exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def client(endpoint, ak, sk, signature_version="s3v4"):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ak,
        aws_secret_access_key=sk,
        region_name="us-east-1",
        config=Config(
            signature_version=signature_version,
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
            max_pool_connections=16,
            connect_timeout=10,
            read_timeout=30,
        ),
    )


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main():
    endpoint, ak, sk, bucket = sys.argv[1:5]
    s3 = client(endpoint, ak, sk)
    summary = {"boto3": boto3.__version__, "botocore": botocore.__version__, "steps": []}
    step = summary["steps"].append

    # CreateBucket, HeadBucket
    s3.create_bucket(Bucket=bucket)
    s3.head_bucket(Bucket=bucket)
    step("create_bucket")

    # PutObject with user metadata and a content type; GetObject round trip.
    body = os.urandom(200 * 1024 + 7)
    md5 = hashlib.md5(body).hexdigest()
    key = "docs/report 2024+final ü.bin"
    put = s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType="application/x-cairn-test",
        Metadata={"color": "blue", "owner-id": "42"},
    )
    check(put["ETag"] == '"%s"' % md5, "PutObject ETag %r != md5 %r" % (put["ETag"], md5))
    got = s3.get_object(Bucket=bucket, Key=key)
    data = got["Body"].read()
    check(data == body, "GetObject body differs (len %d vs %d)" % (len(data), len(body)))
    check(got["ContentType"] == "application/x-cairn-test", "GetObject ContentType %r" % got["ContentType"])
    check(got["ContentLength"] == len(body), "GetObject ContentLength %r" % got["ContentLength"])
    check(got["Metadata"] == {"color": "blue", "owner-id": "42"}, "GetObject Metadata %r" % got["Metadata"])
    check(got["ETag"] == '"%s"' % md5, "GetObject ETag %r" % got["ETag"])
    step("put_get_object")

    # Ranged GET
    part = s3.get_object(Bucket=bucket, Key=key, Range="bytes=10-19")
    pdata = part["Body"].read()
    check(part["ResponseMetadata"]["HTTPStatusCode"] == 206, "Range GET status %r" % part["ResponseMetadata"]["HTTPStatusCode"])
    check(pdata == body[10:20], "Range GET bytes differ")
    check(part.get("ContentRange") == "bytes 10-19/%d" % len(body), "Range GET ContentRange %r" % part.get("ContentRange"))
    step("get_object_range")

    # Parallel GETs on a few connections: every body must be its own object's
    # bytes (catches file-descriptor mix-ups between concurrent reads).
    par = {"par/k%02d" % i: os.urandom(1024 + i * 23 * 1024) for i in range(12)}
    for k, b in par.items():
        s3.put_object(Bucket=bucket, Key=k, Body=b)

    def fetch_one(k):
        try:
            got = s3.get_object(Bucket=bucket, Key=k)["Body"].read()
            return None if got == par[k] else "%s: %d bytes back, %d expected, same=%s" % (k, len(got), len(par[k]), got == par[k])
        except Exception as e:  # noqa: BLE001 - reported below
            return "%s: %r" % (k, e)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        bad = [r for r in pool.map(fetch_one, [k for _ in range(16) for k in par]) if r]
    check(not bad, "%d of %d parallel GETs failed, e.g. %s" % (len(bad), 16 * len(par), bad[:3]))
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in par], "Quiet": True})
    check(not r.get("Errors"), "DeleteObjects (quiet) errors %r" % r.get("Errors"))
    check(not r.get("Deleted"), "DeleteObjects (quiet) listed deleted keys %r" % r.get("Deleted"))
    step("parallel_get_object")

    # A missing key is NoSuchKey / 404.
    try:
        s3.get_object(Bucket=bucket, Key="docs/does-not-exist")
        raise AssertionError("GetObject of a missing key succeeded")
    except ClientError as e:
        check(error_code(e) == ("NoSuchKey", 404), "GetObject missing key error %r" % (error_code(e),))
    step("get_missing_key")

    # ListObjectsV2 paging: 5 keys, MaxKeys=2 -> 3 pages.
    page_keys = ["page/k%d" % i for i in range(5)]
    for k in page_keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    listed, pages, token = [], 0, None
    while True:
        kw = {"Bucket": bucket, "Prefix": "page/", "MaxKeys": 2}
        if token:
            kw["ContinuationToken"] = token
        r = s3.list_objects_v2(**kw)
        pages += 1
        keys = [o["Key"] for o in r.get("Contents", [])]
        check(r["KeyCount"] == len(keys), "KeyCount %r for %r" % (r["KeyCount"], keys))
        check(len(keys) <= 2, "page %d has %d keys" % (pages, len(keys)))
        listed += keys
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
        check(pages < 10, "paging does not end")
    check(listed == page_keys, "paged keys %r" % listed)
    check(pages == 3, "expected 3 pages, got %d" % pages)
    # The paginator and StartAfter
    pg = s3.get_paginator("list_objects_v2")
    via_paginator = [o["Key"] for p in pg.paginate(Bucket=bucket, Prefix="page/", PaginationConfig={"PageSize": 2}) for o in p.get("Contents", [])]
    check(via_paginator == page_keys, "paginator keys %r" % via_paginator)
    after = s3.list_objects_v2(Bucket=bucket, Prefix="page/", StartAfter="page/k2")
    check([o["Key"] for o in after.get("Contents", [])] == ["page/k3", "page/k4"], "StartAfter keys %r" % after.get("Contents"))
    # Delimiter
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    prefixes = sorted(p["Prefix"] for p in top.get("CommonPrefixes", []))
    check(prefixes == ["docs/", "page/"], "CommonPrefixes %r" % prefixes)
    step("list_objects_v2_paging")

    # CopyObject with a metadata replacement, then HeadObject.
    copy_key = "copies/report copy ü.bin"
    cp = s3.copy_object(
        Bucket=bucket,
        Key=copy_key,
        CopySource={"Bucket": bucket, "Key": key},
        MetadataDirective="REPLACE",
        ContentType="text/plain",
        Metadata={"copied": "yes"},
    )
    check(cp["CopyObjectResult"]["ETag"] == '"%s"' % md5, "CopyObject ETag %r" % cp["CopyObjectResult"])
    head = s3.head_object(Bucket=bucket, Key=copy_key)
    check(head["ContentLength"] == len(body), "HeadObject length %r" % head["ContentLength"])
    check(head["Metadata"] == {"copied": "yes"}, "HeadObject metadata after REPLACE %r" % head["Metadata"])
    check(head["ContentType"] == "text/plain", "HeadObject content type after REPLACE %r" % head["ContentType"])
    copied = s3.get_object(Bucket=bucket, Key=copy_key)["Body"].read()
    check(copied == body, "copied bytes differ")
    step("copy_object")

    # upload_file above a 5 MB multipart threshold: CreateMultipartUpload, parallel
    # UploadParts, CompleteMultipartUpload; the ETag is MD5-of-part-MD5s-N.
    # download_file gives the same bytes back.
    mp_key = "multi/upload file ü.bin"
    chunk = 5 * 1024 * 1024
    mp_body = os.urandom(12 * 1024 * 1024)
    tmp = os.environ.get("TMPDIR", "/tmp")
    up_path = os.path.join(tmp, "boto3-multipart-up.bin")
    down_path = os.path.join(tmp, "boto3-multipart-down.bin")
    with open(up_path, "wb") as f:
        f.write(mp_body)
    tc = TransferConfig(multipart_threshold=chunk, multipart_chunksize=chunk, max_concurrency=4)
    s3.upload_file(up_path, bucket, mp_key, Config=tc, ExtraArgs={"ContentType": "application/x-multipart-test", "Metadata": {"kind": "multipart"}})
    parts = [mp_body[i : i + chunk] for i in range(0, len(mp_body), chunk)]
    want_etag = '"%s-%d"' % (hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest(), len(parts))
    head = s3.head_object(Bucket=bucket, Key=mp_key)
    check(head["ETag"] == want_etag, "multipart ETag %r != %r" % (head["ETag"], want_etag))
    check(head["ContentLength"] == len(mp_body), "multipart ContentLength %r" % head["ContentLength"])
    check(head["ContentType"] == "application/x-multipart-test", "multipart ContentType %r" % head["ContentType"])
    check(head["Metadata"] == {"kind": "multipart"}, "multipart Metadata %r" % head["Metadata"])
    p2 = s3.head_object(Bucket=bucket, Key=mp_key, PartNumber=2)
    check(p2.get("PartsCount") == len(parts), "HeadObject PartNumber=2 PartsCount %r" % p2.get("PartsCount"))
    check(p2["ContentLength"] == len(parts[1]), "HeadObject PartNumber=2 ContentLength %r" % p2["ContentLength"])
    s3.download_file(bucket, mp_key, down_path, Config=tc)
    with open(down_path, "rb") as f:
        got = f.read()
    check(got == mp_body, "download_file bytes differ (len %d vs %d)" % (len(got), len(mp_body)))
    open_uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    check(not open_uploads, "uploads left open %r" % open_uploads)
    s3.delete_object(Bucket=bucket, Key=mp_key)
    os.remove(up_path)
    os.remove(down_path)
    step("upload_file_multipart")

    # Presigned GET (SigV4 query) fetched with urllib; a tampered one is refused.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    status, data = fetch(url)
    check(status == 200, "presigned GET status %r: %r" % (status, data[:300]))
    check(data == body, "presigned GET body differs")
    bad_status, bad_body = fetch(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))
    check(bad_status == 403 and b"SignatureDoesNotMatch" in bad_body, "tampered presigned GET %r: %r" % (bad_status, bad_body[:300]))
    step("presigned_get_v4")

    # Presigned GET with the legacy signature (SigV2 query: AWSAccessKeyId/Expires/Signature).
    s3v2 = client(endpoint, ak, sk, signature_version="s3")
    url2 = s3v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    check("Signature=" in url2 and "AWSAccessKeyId=" in url2, "not a SigV2 URL: %s" % url2)
    status, data = fetch(url2)
    check(status == 200, "SigV2 presigned GET status %r: %r" % (status, data[:300]))
    check(data == body, "SigV2 presigned GET body differs")
    step("presigned_get_v2")

    # DeleteObjects (verbose), including a key that does not exist.
    all_keys = [key, copy_key] + page_keys
    r = s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": k} for k in all_keys + ["never/existed"]], "Quiet": False},
    )
    deleted = sorted(d["Key"] for d in r.get("Deleted", []))
    check(not r.get("Errors"), "DeleteObjects errors %r" % r.get("Errors"))
    check(deleted == sorted(all_keys + ["never/existed"]), "DeleteObjects deleted %r" % deleted)
    left = s3.list_objects_v2(Bucket=bucket)
    check(left["KeyCount"] == 0 and not left.get("Contents"), "objects left after DeleteObjects %r" % left.get("Contents"))
    step("delete_objects")

    # DeleteBucket; HeadBucket is then a 404.
    s3.delete_bucket(Bucket=bucket)
    try:
        s3.head_bucket(Bucket=bucket)
        raise AssertionError("HeadBucket after DeleteBucket succeeded")
    except ClientError as e:
        check(error_code(e)[1] == 404, "HeadBucket after delete %r" % (error_code(e),))
    step("delete_bucket")

    print(json.dumps(summary))


if __name__ == "__main__":
    main()
