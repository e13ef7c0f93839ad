#!/usr/bin/python3
"""A scripted boto3 IAM and STS session against a running Cairn server.

Usage: boto3_iam_session.py ENDPOINT ADMIN_ACCESS_KEY ADMIN_SECRET_KEY

Run by test/clients/iam-clients.test.ts with Debian's /usr/bin/python3 and
python3-boto3. The admin (the admin account's root) creates a user, a key,
an inline policy for one bucket and an attached AWS-managed policy; the new
key is then used for STS and S3; a role that trusts the user is assumed
(with and without a session policy) and its credentials used for S3. Each
step checks its own result and raises with a clear message on a mismatch;
on success a JSON summary is printed to stdout (the steps, and the secrets
the test checks the server never logged). Retries are off so a server error
shows at once.
"""
import datetime
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ALLOWED = "boto3-allowed"
OTHER = "boto3-other"


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def error_code(exc):
    return exc.response.get("Error", {}).get("Code"), exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def expect_error(fn, code, status, what):
    try:
        fn()
    except ClientError as e:
        check(error_code(e) == (code, status), "%s: error %r, expected %r" % (what, error_code(e), (code, status)))
        return e
    raise AssertionError("%s succeeded, expected %s" % (what, code))


CONFIG = Config(
    signature_version="s3v4",
    s3={"addressing_style": "path"},
    retries={"max_attempts": 1, "mode": "standard"},
    connect_timeout=10,
    read_timeout=30,
)


def client(service, endpoint, ak, sk, token=None):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id=ak,
        aws_secret_access_key=sk,
        aws_session_token=token,
        region_name="us-east-1",
        config=CONFIG,
    )


def recent(when, what):
    check(isinstance(when, datetime.datetime) and when.tzinfo is not None, "%s is not a timezone-aware datetime: %r" % (what, when))
    age = abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds())
    check(age < 120, "%s is %d s from now" % (what, age))


def main():
    endpoint, ak, sk = sys.argv[1:4]
    iam = client("iam", endpoint, ak, sk)
    sts = client("sts", endpoint, ak, sk)
    s3 = client("s3", endpoint, ak, sk)
    summary = {"steps": [], "secrets": []}
    step = summary["steps"].append

    # GetCallerIdentity as the admin: the admin account's root.
    me = sts.get_caller_identity()
    account = me["Account"]
    check(len(account) == 12 and account.isdigit(), "Account %r" % account)
    check(me["Arn"] == "arn:aws:iam::%s:root" % account, "admin Arn %r" % me["Arn"])
    check(me["UserId"] == account, "admin UserId %r" % me["UserId"])
    s3.create_bucket(Bucket=ALLOWED)
    s3.create_bucket(Bucket=OTHER)
    step("admin_caller_identity")

    # CreateUser, GetUser
    u = iam.create_user(UserName="app", Tags=[{"Key": "team", "Value": "photos"}])["User"]
    check(u["UserName"] == "app" and u["Path"] == "/", "CreateUser %r" % u)
    check(u["Arn"] == "arn:aws:iam::%s:user/app" % account, "user Arn %r" % u["Arn"])
    check(u["UserId"].startswith("AIDA") and len(u["UserId"]) == 21, "UserId %r" % u["UserId"])
    check(u.get("Tags") == [{"Key": "team", "Value": "photos"}], "CreateUser Tags %r" % u.get("Tags"))
    recent(u["CreateDate"], "CreateUser CreateDate")
    user_arn, user_id = u["Arn"], u["UserId"]
    got = iam.get_user(UserName="app")["User"]
    check(got["UserId"] == user_id and got["Arn"] == user_arn, "GetUser %r" % got)
    step("create_user")

    expect_error(lambda: iam.create_user(UserName="app"), "EntityAlreadyExists", 409, "CreateUser twice")
    # User names are unique case-insensitively.
    expect_error(lambda: iam.create_user(UserName="APP"), "EntityAlreadyExists", 409, "CreateUser of the name in upper case")
    expect_error(lambda: iam.get_user(UserName="nobody"), "NoSuchEntity", 404, "GetUser of a missing user")
    expect_error(lambda: iam.create_user(UserName="bad name!"), "ValidationError", 400, "CreateUser with a bad name")
    step("create_user_errors")

    # CreateAccessKey: the secret once; ListAccessKeys without it.
    k = iam.create_access_key(UserName="app")["AccessKey"]
    check(k["AccessKeyId"].startswith("AKIA") and len(k["AccessKeyId"]) == 20, "AccessKeyId %r" % k["AccessKeyId"])
    check(len(k["SecretAccessKey"]) == 40 and k["Status"] == "Active", "CreateAccessKey %r" % {x: k[x] for x in k if x != "SecretAccessKey"})
    recent(k["CreateDate"], "CreateAccessKey CreateDate")
    uak, usk = k["AccessKeyId"], k["SecretAccessKey"]
    summary["secrets"].append(usk)
    keys = iam.list_access_keys(UserName="app")["AccessKeyMetadata"]
    check([x["AccessKeyId"] for x in keys] == [uak], "ListAccessKeys %r" % keys)
    check(all("SecretAccessKey" not in x for x in keys), "ListAccessKeys shows a secret")
    step("create_access_key")

    # PutUserPolicy; botocore URL-decodes GetUserPolicy's document and parses it into a dict.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::%s/*" % ALLOWED},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::%s" % ALLOWED, "Condition": {"StringLike": {"s3:prefix": ["", "in/*"]}}},
        ],
    }
    iam.put_user_policy(UserName="app", PolicyName="one-bucket", PolicyDocument=json.dumps(policy))
    gp = iam.get_user_policy(UserName="app", PolicyName="one-bucket")
    check(gp["PolicyDocument"] == policy, "GetUserPolicy document %r" % gp["PolicyDocument"])
    check(iam.list_user_policies(UserName="app")["PolicyNames"] == ["one-bucket"], "ListUserPolicies")
    expect_error(
        lambda: iam.put_user_policy(UserName="app", PolicyName="broken", PolicyDocument='{"Version":"2012-10-17","Statement":{"Effect":"Maybe","Action":"s3:*","Resource":"*"}}'),
        "MalformedPolicyDocument",
        400,
        "PutUserPolicy with Effect Maybe",
    )
    check(iam.list_user_policies(UserName="app")["PolicyNames"] == ["one-bucket"], "a refused policy was stored")
    step("put_get_user_policy")

    # AttachUserPolicy (an AWS-managed policy), ListAttachedUserPolicies
    list_arn = "arn:aws:iam::aws:policy/S3ListAccess"
    iam.attach_user_policy(UserName="app", PolicyArn=list_arn)
    att = iam.list_attached_user_policies(UserName="app")["AttachedPolicies"]
    check(att == [{"PolicyName": "S3ListAccess", "PolicyArn": list_arn}], "ListAttachedUserPolicies %r" % att)
    expect_error(lambda: iam.attach_user_policy(UserName="nobody", PolicyArn=list_arn), "NoSuchEntity", 404, "AttachUserPolicy to a missing user")
    step("attach_user_policy")

    # GetPolicy, GetPolicyVersion: the document is a dict.
    pol = iam.get_policy(PolicyArn=list_arn)["Policy"]
    check(pol["PolicyId"] == "S3LISTACCESS" and pol["DefaultVersionId"] == "v1" and pol["AttachmentCount"] == 1, "GetPolicy %r" % pol)
    pv = iam.get_policy_version(PolicyArn=list_arn, VersionId="v1")["PolicyVersion"]
    want = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}}
    check(pv["Document"] == want, "GetPolicyVersion document %r" % pv["Document"])
    check(pv["IsDefaultVersion"] is True and pv["VersionId"] == "v1", "GetPolicyVersion %r" % pv)
    # AWS-managed policies cannot be deleted.
    try:
        iam.delete_policy(PolicyArn=list_arn)
        raise AssertionError("DeletePolicy of an AWS-managed policy succeeded")
    except ClientError as e:
        check(error_code(e)[0] in ("AccessDenied", "InvalidInput"), "DeletePolicy of an AWS-managed policy: %r" % (error_code(e),))
    check(iam.get_policy(PolicyArn=list_arn)["Policy"]["AttachmentCount"] == 1, "the AWS-managed policy changed")
    aws_names = [p["PolicyName"] for p in iam.get_paginator("list_policies").paginate(Scope="AWS", PaginationConfig={"PageSize": 7}) for p in p["Policies"]]
    check(len(aws_names) == 20 and "IAMFullAccess" in aws_names and "AdministratorAccess" in aws_names, "ListPolicies Scope=AWS %r" % aws_names)
    step("get_policy_version")

    # ListUsers paging: MaxItems, IsTruncated and Marker, and the paginator.
    for n in ("u1", "u2", "u3"):
        iam.create_user(UserName=n, Path="/batch/")
    first = iam.list_users(MaxItems=2)
    check(first["IsTruncated"] is True and "Marker" in first, "ListUsers MaxItems=2 %r" % {x: first.get(x) for x in ("IsTruncated", "Marker")})
    check([x["UserName"] for x in first["Users"]] == ["app", "u1"], "ListUsers page 1 %r" % first["Users"])
    second = iam.list_users(MaxItems=2, Marker=first["Marker"])
    check([x["UserName"] for x in second["Users"]] == ["u2", "u3"] and second["IsTruncated"] is False, "ListUsers page 2 %r" % second)
    names = [x["UserName"] for p in iam.get_paginator("list_users").paginate(PathPrefix="/batch/", PaginationConfig={"PageSize": 1}) for x in p["Users"]]
    check(names == ["u1", "u2", "u3"], "ListUsers paginator %r" % names)
    step("list_users_paging")

    # GetCallerIdentity with the new key.
    ust = client("sts", endpoint, uak, usk)
    me = ust.get_caller_identity()
    check(me == {"UserId": user_id, "Account": account, "Arn": user_arn, "ResponseMetadata": me["ResponseMetadata"]}, "user GetCallerIdentity %r" % me)
    expect_error(lambda: client("iam", endpoint, uak, usk).list_users(), "AccessDenied", 403, "ListUsers by the user")
    step("user_caller_identity")

    # S3 with the new key: the allowed bucket only; nothing stored where it is denied.
    us3 = client("s3", endpoint, uak, usk)
    us3.put_object(Bucket=ALLOWED, Key="in/photo.jpg", Body=b"jpeg bytes")
    check(us3.get_object(Bucket=ALLOWED, Key="in/photo.jpg")["Body"].read() == b"jpeg bytes", "GetObject by the user")
    expect_error(lambda: us3.put_object(Bucket=OTHER, Key="in/photo.jpg", Body=b"jpeg bytes"), "AccessDenied", 403, "PutObject into the other bucket")
    expect_error(lambda: s3.head_object(Bucket=OTHER, Key="in/photo.jpg"), "404", 404, "HeadObject (admin) of the denied write")
    expect_error(lambda: us3.delete_object(Bucket=ALLOWED, Key="in/photo.jpg"), "AccessDenied", 403, "DeleteObject by the user")
    listed = us3.list_objects_v2(Bucket=ALLOWED, Prefix="in/")
    check([o["Key"] for o in listed.get("Contents", [])] == ["in/photo.jpg"], "ListObjectsV2 by the user %r" % listed.get("Contents"))
    # S3ListAccess (s3:List* on *) lets it list the other bucket too.
    us3.list_objects_v2(Bucket=OTHER)
    step("s3_allowed_and_denied")

    # DetachUserPolicy takes effect on the next request; the s3:prefix condition of the inline policy now decides.
    iam.detach_user_policy(UserName="app", PolicyArn=list_arn)
    check(iam.list_attached_user_policies(UserName="app")["AttachedPolicies"] == [], "still attached")
    expect_error(lambda: us3.list_objects_v2(Bucket=OTHER), "AccessDenied", 403, "ListObjectsV2 of the other bucket after DetachUserPolicy")
    us3.list_objects_v2(Bucket=ALLOWED, Prefix="in/")
    expect_error(lambda: us3.list_objects_v2(Bucket=ALLOWED, Prefix="out/"), "AccessDenied", 403, "ListObjectsV2 outside the s3:prefix condition")
    step("detach_user_policy")

    # A customer-managed policy (two versions) on a group: membership takes effect on the next request.
    delete_doc = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::%s/in/*" % OTHER}}
    pol = iam.create_policy(PolicyName="prune", Path="/backup/", PolicyDocument=json.dumps(delete_doc), Description="prune old backups")["Policy"]
    check(pol["Arn"] == "arn:aws:iam::%s:policy/backup/prune" % account and pol["DefaultVersionId"] == "v1", "CreatePolicy %r" % pol)
    delete_doc["Statement"]["Resource"] = "arn:aws:s3:::%s/in/*" % ALLOWED
    v2 = iam.create_policy_version(PolicyArn=pol["Arn"], PolicyDocument=json.dumps(delete_doc), SetAsDefault=True)["PolicyVersion"]
    check(v2["VersionId"] == "v2" and v2["IsDefaultVersion"] is True, "CreatePolicyVersion %r" % v2)
    check(iam.get_policy_version(PolicyArn=pol["Arn"], VersionId="v2")["PolicyVersion"]["Document"] == delete_doc, "GetPolicyVersion v2 document")
    check([v["VersionId"] for v in iam.list_policy_versions(PolicyArn=pol["Arn"])["Versions"]] == ["v2", "v1"], "ListPolicyVersions")
    iam.create_group(GroupName="pruners")
    iam.attach_group_policy(GroupName="pruners", PolicyArn=pol["Arn"])
    us3.put_object(Bucket=ALLOWED, Key="in/old.txt", Body=b"old")
    expect_error(lambda: us3.delete_object(Bucket=ALLOWED, Key="in/old.txt"), "AccessDenied", 403, "DeleteObject before joining the group")
    iam.add_user_to_group(GroupName="pruners", UserName="app")
    check([g["GroupName"] for g in iam.list_groups_for_user(UserName="app")["Groups"]] == ["pruners"], "ListGroupsForUser")
    check([x["UserName"] for x in iam.get_group(GroupName="pruners")["Users"]] == ["app"], "GetGroup users")
    ents = iam.list_entities_for_policy(PolicyArn=pol["Arn"])
    check([g["GroupName"] for g in ents["PolicyGroups"]] == ["pruners"] and ents["PolicyUsers"] == [], "ListEntitiesForPolicy %r" % ents)
    us3.delete_object(Bucket=ALLOWED, Key="in/old.txt")
    expect_error(lambda: s3.head_object(Bucket=ALLOWED, Key="in/old.txt"), "404", 404, "HeadObject after the group member's DeleteObject")
    iam.remove_user_from_group(GroupName="pruners", UserName="app")
    us3.put_object(Bucket=ALLOWED, Key="in/old.txt", Body=b"old")
    expect_error(lambda: us3.delete_object(Bucket=ALLOWED, Key="in/old.txt"), "AccessDenied", 403, "DeleteObject after leaving the group")
    expect_error(lambda: iam.delete_policy(PolicyArn=pol["Arn"]), "DeleteConflict", 409, "DeletePolicy while attached")
    summary_map = iam.get_account_summary()["SummaryMap"]
    check(summary_map["Users"] == 4 and summary_map["Groups"] == 1 and summary_map["Policies"] == 1, "GetAccountSummary %r" % summary_map)
    step("group_and_customer_policy")

    # UpdateAccessKey Inactive: S3 and STS refuse the key until it is active again.
    iam.update_access_key(UserName="app", AccessKeyId=uak, Status="Inactive")
    check(iam.list_access_keys(UserName="app")["AccessKeyMetadata"][0]["Status"] == "Inactive", "key not Inactive")
    expect_error(lambda: us3.list_objects_v2(Bucket=ALLOWED, Prefix="in/"), "InvalidAccessKeyId", 403, "S3 with an inactive key")
    expect_error(lambda: ust.get_caller_identity(), "InvalidClientTokenId", 403, "STS with an inactive key")
    iam.update_access_key(UserName="app", AccessKeyId=uak, Status="Active")
    us3.list_objects_v2(Bucket=ALLOWED, Prefix="in/")
    step("update_access_key")

    # DeleteUser while it has a key and a policy.
    expect_error(lambda: iam.delete_user(UserName="app"), "DeleteConflict", 409, "DeleteUser with a key")
    iam.get_user(UserName="app")
    step("delete_user_conflict")

    # CreateRole trusting the user; AssumeRole by the user; S3 with the session credentials.
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(trust), MaxSessionDuration=7200)["Role"]
    check(role["AssumeRolePolicyDocument"] == trust, "CreateRole AssumeRolePolicyDocument %r" % role["AssumeRolePolicyDocument"])
    iam.attach_role_policy(RoleName="reader", PolicyArn="arn:aws:iam::aws:policy/S3ReadAccess")
    expect_error(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="root"), "AccessDenied", 403, "AssumeRole by the root")
    ar = ust.assume_role(RoleArn=role["Arn"], RoleSessionName="boto3-session", DurationSeconds=900)
    c = ar["Credentials"]
    check(c["AccessKeyId"].startswith("ASIA"), "session AccessKeyId %r" % c["AccessKeyId"])
    left = (c["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    check(800 < left <= 910, "session Expiration %r (%d s away)" % (c["Expiration"], left))
    want_arn = "arn:aws:sts::%s:assumed-role/reader/boto3-session" % account
    check(ar["AssumedRoleUser"] == {"AssumedRoleId": "%s:boto3-session" % role["RoleId"], "Arn": want_arn}, "AssumedRoleUser %r" % ar["AssumedRoleUser"])
    summary["secrets"] += [c["SecretAccessKey"], c["SessionToken"]]
    rs3 = client("s3", endpoint, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    check(rs3.get_object(Bucket=ALLOWED, Key="in/photo.jpg")["Body"].read() == b"jpeg bytes", "GetObject with the role session")
    rs3.list_objects_v2(Bucket=OTHER)
    expect_error(lambda: rs3.put_object(Bucket=ALLOWED, Key="in/role.txt", Body=b"x"), "AccessDenied", 403, "PutObject with a read-only role session")
    rsts = client("sts", endpoint, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    who = rsts.get_caller_identity()
    check(who["Arn"] == want_arn and who["UserId"] == "%s:boto3-session" % role["RoleId"], "role session GetCallerIdentity %r" % who)
    step("assume_role")

    # A session policy narrows the role: list only.
    narrow = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}}
    ar2 = ust.assume_role(RoleArn=role["Arn"], RoleSessionName="narrow", Policy=json.dumps(narrow))
    c2 = ar2["Credentials"]
    check(isinstance(ar2.get("PackedPolicySize"), int), "PackedPolicySize %r" % ar2.get("PackedPolicySize"))
    ns3 = client("s3", endpoint, c2["AccessKeyId"], c2["SecretAccessKey"], c2["SessionToken"])
    ns3.list_objects_v2(Bucket=ALLOWED)
    expect_error(lambda: ns3.get_object(Bucket=ALLOWED, Key="in/photo.jpg"), "AccessDenied", 403, "GetObject outside the session policy")
    step("assume_role_session_policy")

    # GetSessionToken: temporary credentials with the user's own permissions.
    st = ust.get_session_token(DurationSeconds=900)["Credentials"]
    check(st["AccessKeyId"].startswith("ASIA"), "GetSessionToken AccessKeyId %r" % st["AccessKeyId"])
    summary["secrets"] += [st["SecretAccessKey"], st["SessionToken"]]
    ts3 = client("s3", endpoint, st["AccessKeyId"], st["SecretAccessKey"], st["SessionToken"])
    ts3.put_object(Bucket=ALLOWED, Key="in/session.txt", Body=b"from a session token")
    expect_error(lambda: ts3.put_object(Bucket=OTHER, Key="in/session.txt", Body=b"x"), "AccessDenied", 403, "PutObject into the other bucket with the session token")
    who = client("sts", endpoint, st["AccessKeyId"], st["SecretAccessKey"], st["SessionToken"]).get_caller_identity()
    check(who["Arn"] == user_arn, "GetSessionToken caller %r" % who)
    step("get_session_token")

    # A forged session token: S3 says InvalidToken, STS InvalidClientTokenId.
    forged = c["SessionToken"][:-4] + ("AAAA" if not c["SessionToken"].endswith("AAAA") else "BBBB")
    fs3 = client("s3", endpoint, c["AccessKeyId"], c["SecretAccessKey"], forged)
    expect_error(lambda: fs3.list_objects_v2(Bucket=ALLOWED), "InvalidToken", 400, "ListObjectsV2 with a forged session token")
    fsts = client("sts", endpoint, c["AccessKeyId"], c["SecretAccessKey"], forged)
    expect_error(lambda: fsts.get_caller_identity(), "InvalidClientTokenId", 403, "GetCallerIdentity with a forged session token")
    # A session key without its token is no key at all.
    bare = client("s3", endpoint, c["AccessKeyId"], c["SecretAccessKey"])
    expect_error(lambda: bare.list_objects_v2(Bucket=ALLOWED), "InvalidAccessKeyId", 403, "ListObjectsV2 with a session key and no token")
    step("forged_session_token")

    print(json.dumps(summary))


if __name__ == "__main__":
    main()
