#!/usr/bin/python3
"""ACL grants through boto3 against a running Cairn server.

Usage: boto3_acl.py ENDPOINT ACCESS_KEY SECRET_KEY BUCKET GRANTEE_EMAIL GRANTEE_CANONICAL_ID

Run by test/clients/acl-clients.test.ts with Debian's /usr/bin/python3 and
python3-boto3. Grants READ on a bucket and an object to another account by
its e-mail address (header and AccessControlPolicy forms), checks that the
ACLs read back name that account's canonical id, and that an unknown address
is UnresolvableGrantByEmailAddress. Prints a JSON summary on success.
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def main():
    endpoint, ak, sk, bucket, email, grantee_id = sys.argv[1:7]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ak,
        aws_secret_access_key=sk,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"}),
    )
    s3.create_bucket(Bucket=bucket)
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]

    # Header form: x-amz-grant-read: emailAddress="..."
    s3.put_bucket_acl(Bucket=bucket, GrantRead='emailAddress="%s"' % email.upper(), GrantFullControl='id="%s"' % owner["ID"])
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    reads = [g["Grantee"].get("ID") for g in grants if g["Permission"] == "READ"]
    check(reads == [grantee_id], "bucket READ grantees %r, expected [%s]" % (reads, grantee_id))

    # Body form: an AmazonCustomerByEmail grantee becomes a CanonicalUser.
    s3.put_object(Bucket=bucket, Key="shared.txt", Body=b"shared")
    s3.put_object_acl(
        Bucket=bucket,
        Key="shared.txt",
        AccessControlPolicy={
            "Owner": {"ID": owner["ID"]},
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": email}, "Permission": "READ"},
            ],
        },
    )
    acl = s3.get_object_acl(Bucket=bucket, Key="shared.txt")
    got = sorted((g["Grantee"]["Type"], g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"])
    want = sorted([("CanonicalUser", owner["ID"], "FULL_CONTROL"), ("CanonicalUser", grantee_id, "READ")])
    check(got == want, "object grants %r, expected %r" % (got, want))

    try:
        s3.put_object_acl(Bucket=bucket, Key="shared.txt", GrantRead='emailAddress="nobody@nowhere.example"')
        raise AssertionError("an unknown e-mail address was accepted")
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code")
        check(code == "UnresolvableGrantByEmailAddress", "unknown e-mail: %s" % code)

    print(json.dumps({"bucketGrants": len(grants), "objectGrants": got}))


if __name__ == "__main__":
    main()
