#!/usr/bin/env python3
"""Seeds moto with Latchkey's demo estate: a hub account and three spoke
accounts, each with the spoke role, ~20 roles with inline and managed policies
and tags, and a few S3 buckets, SQS queues and SNS topics with policies.

Usage: seed_demo.py http://127.0.0.1:5000   (resets moto first: idempotent)
"""
import json
import sys
import urllib.request

import boto3

ENDPOINT = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000"
HUB = "123456789012"
SPOKE_ROLE = "LatchkeySpoke"
ACCOUNTS = {
    "111111111111": "staging",
    "222222222222": "production",
    "333333333333": "sandbox",
}
REGION = "us-east-1"


def client(svc, creds=None, region=REGION):
    kw = dict(endpoint_url=ENDPOINT, region_name=region)
    if creds:
        kw.update(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
    else:
        kw.update(aws_access_key_id="testing", aws_secret_access_key="testing")
    return boto3.client(svc, **kw)


def trust(principal):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
    })


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resources, sid=None):
    st = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if sid:
        st["Sid"] = sid
    return st


# name -> (description, trust principal, inline {name: doc}, managed [names], tags)
def roles_for(acct, name):
    hub_trust = {"AWS": f"arn:aws:iam::{HUB}:root"}
    b = f"{name}-app-data"
    common = {
        "eng-developer": (hub_trust, {"dev-s3": policy(allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"], [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"], "AppData"))}, ["ReadOnlyEverything"], {"owner": "platform", "team": "engineering"}),
        "eng-readonly": (hub_trust, {}, ["ReadOnlyEverything"], {"owner": "platform"}),
        "eng-oncall": (hub_trust, {"restart-services": policy(allow(["ecs:UpdateService", "ecs:DescribeServices"], "*"))}, ["ReadOnlyEverything"], {"owner": "sre", "pager": "yes"}),
        "eng-sandbox-admin": (hub_trust, {"sandbox-admin": policy(allow("*", "*"))}, [], {"owner": "platform", "env": "sandbox"}),
        # The tag key is [role_tags] authorized_cli_only in config/demo.toml.
        "data-etl": ({"Service": "glue.amazonaws.com"}, {"etl-queue": policy(allow(["sqs:ReceiveMessage", "sqs:DeleteMessage"], f"arn:aws:sqs:{REGION}:{acct}:{name}-jobs"))}, ["QueueConsumer"], {"owner": "data", "latchkey-authorized-cli-only": "data"}),
        "ci-deployer": (hub_trust, {"deploy": policy(allow(["cloudformation:*", "iam:PassRole"], "*"))}, [], {"owner": "ci"}),
        "app-api": ({"Service": "ecs-tasks.amazonaws.com"}, {"api-s3": policy(allow("s3:GetObject", f"arn:aws:s3:::{b}/*")), "api-sns": policy(allow("sns:Publish", f"arn:aws:sns:{REGION}:{acct}:{name}-events"))}, [], {"owner": "api-team", "app": "api"}),
        "app-worker": ({"Service": "ecs-tasks.amazonaws.com"}, {"worker-sqs": policy(allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], f"arn:aws:sqs:{REGION}:{acct}:{name}-jobs"))}, ["QueueConsumer"], {"owner": "api-team", "app": "worker"}),
        "admin-breakglass": (hub_trust, {}, ["AdminAccess"], {"owner": "security", "breakglass": "true"}),
        "billing-reader": (hub_trust, {"billing": policy(allow(["ce:Get*", "budgets:View*"], "*"))}, [], {"owner": "finance"}),
        "ml-training": ({"Service": "sagemaker.amazonaws.com"}, {"ml-data": policy(allow(["s3:GetObject", "s3:ListBucket"], [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"]))}, [], {"owner": "ml"}),
        "test-runner": (hub_trust, {}, ["ReadOnlyEverything"], {"owner": "qa"}),
    }
    return common


PER_ACCOUNT = {
    "staging": ["eng-developer", "eng-readonly", "data-etl", "ci-deployer", "app-api", "app-worker", "admin-breakglass"],
    "production": ["eng-readonly", "eng-oncall", "app-api", "app-worker", "data-etl", "admin-breakglass", "billing-reader"],
    "sandbox": ["eng-developer", "eng-sandbox-admin", "ml-training", "app-api", "test-runner"],
}

MANAGED = {
    "ReadOnlyEverything": policy(allow(["s3:List*", "s3:Get*", "sqs:Get*", "sqs:List*", "sns:Get*", "sns:List*", "iam:Get*", "iam:List*"], "*", "ReadOnly")),
    "QueueConsumer": policy(allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"], "*")),
    "AdminAccess": policy(allow("*", "*")),
}


# Denied calls as CloudTrail records them, delivered the way EventBridge
# does (config: [cloudtrail] queue_url): (account, role or user, who,
# service, call, request parameters, times, minutes ago).
DENIALS = [
    ("111111111111", "role/eng-developer", "erin@example.com", "s3", "PutObject",
     {"bucketName": "staging-logs", "key": "app/2026-12-05.log"}, 4, 35),
    ("111111111111", "role/eng-developer", "sam@example.com", "sqs", "SendMessage",
     {"queueUrl": "https://sqs.us-east-1.amazonaws.com/111111111111/staging-jobs"}, 2, 90),
    ("222222222222", "role/eng-oncall", "erin@example.com", "sns", "Publish",
     {"topicArn": "arn:aws:sns:us-east-1:222222222222:production-events"}, 1, 240),
    ("111111111111", "user/ci-bot", "ci-bot", "s3", "PutObject",
     {"bucketName": "staging-app-data", "key": "builds/latest.tgz"}, 3, 15),
]


def denial_event(acct, principal, who, service, call, params, minutes_ago):
    import datetime
    at = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    kind, name = principal.split("/", 1)
    if kind == "role":
        identity = {
            "type": "AssumedRole", "principalId": f"AROADEMO:{who}",
            "arn": f"arn:aws:sts::{acct}:assumed-role/{name}/{who}", "accountId": acct,
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROADEMO",
                                                 "arn": f"arn:aws:iam::{acct}:role/{name}",
                                                 "accountId": acct, "userName": name}},
        }
    else:
        identity = {"type": "IAMUser", "principalId": "AIDADEMO", "arn": f"arn:aws:iam::{acct}:user/{name}",
                    "accountId": acct, "userName": name}
    record = {
        "eventVersion": "1.09", "userIdentity": identity, "eventTime": at,
        "eventSource": f"{service}.amazonaws.com", "eventName": call, "awsRegion": REGION,
        "sourceIPAddress": "203.0.113.10", "errorCode": "AccessDenied", "errorMessage": "Access Denied",
        "requestParameters": params, "responseElements": None, "eventType": "AwsApiCall",
        "recipientAccountId": acct,
    }
    return json.dumps({"version": "0", "detail-type": "AWS API Call via CloudTrail", "source": f"aws.{service}",
                       "account": acct, "time": at, "region": REGION, "resources": [], "detail": record})


def seed_denials():
    sqs = client("sqs")  # the hub's own queue, as an EventBridge rule would feed it
    q = sqs.create_queue(QueueName="latchkey-denials")["QueueUrl"]
    sent = 0
    for acct, principal, who, service, call, params, times, ago in DENIALS:
        for i in range(times):
            sqs.send_message(QueueUrl=q, MessageBody=denial_event(acct, principal, who, service, call, params, ago + i))
            sent += 1
    return sent


def main():
    req = urllib.request.Request(f"{ENDPOINT}/moto-api/reset", method="POST", data=b"")
    urllib.request.urlopen(req).read()
    sts = client("sts")
    total_roles = 0
    for acct, name in ACCOUNTS.items():
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{acct}:role/{SPOKE_ROLE}", RoleSessionName="seed")["Credentials"]
        iam = client("iam", creds)
        who = client("sts", creds).get_caller_identity()["Account"]
        assert who == acct, f"assumed into {who}, expected {acct}"
        iam.create_role(RoleName=SPOKE_ROLE, AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{HUB}:root"}),
                        Description="Assumed by Latchkey to read and change this account",
                        Tags=[{"Key": "owner", "Value": "latchkey"}])
        iam.put_role_policy(RoleName=SPOKE_ROLE, PolicyName="latchkey-spoke",
                            PolicyDocument=policy(allow(["iam:*", "s3:Get*", "s3:List*", "s3:PutBucketPolicy", "sqs:*", "sns:*", "tag:GetResources",
                                                             "ec2:DescribeNatGateways", "ec2:DescribeAddresses", "ec2:DescribeVpcs"], "*")))
        managed_arns = {}
        for pname, doc in MANAGED.items():
            managed_arns[pname] = iam.create_policy(PolicyName=pname, PolicyDocument=doc,
                                                    Description=f"Demo managed policy {pname}")["Policy"]["Arn"]
        catalog = roles_for(acct, name)
        for rname in PER_ACCOUNT[name]:
            principal, inline, managed, tags = catalog[rname]
            iam.create_role(RoleName=rname, AssumeRolePolicyDocument=trust(principal),
                            Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
            for pn, doc in inline.items():
                iam.put_role_policy(RoleName=rname, PolicyName=pn, PolicyDocument=doc)
            for m in managed:
                iam.attach_role_policy(RoleName=rname, PolicyArn=managed_arns[m])
            total_roles += 1
        total_roles += 1  # spoke role
        # A machine user who gets its permissions through a group.
        iam.create_group(GroupName="deployers")
        iam.put_group_policy(GroupName="deployers", PolicyName="deploy-read", PolicyDocument=policy(
            allow(["s3:GetObject", "s3:ListBucket"], [f"arn:aws:s3:::{name}-app-data", f"arn:aws:s3:::{name}-app-data/*"])))
        iam.attach_group_policy(GroupName="deployers", PolicyArn=managed_arns["QueueConsumer"])
        iam.create_user(UserName="ci-bot", Tags=[{"Key": "owner", "Value": "platform"}])
        iam.add_user_to_group(GroupName="deployers", UserName="ci-bot")

        s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION,
                          aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                          aws_session_token=creds["SessionToken"],
                          config=boto3.session.Config(s3={"addressing_style": "path"}))
        for bucket in (f"{name}-app-data", f"{name}-logs"):
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_policy(Bucket=bucket, Policy=policy({
                "Sid": "AppRead", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:role/app-api"},
                "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}))
            s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "env", "Value": name}]})
        sqs = client("sqs", creds)
        q = sqs.create_queue(QueueName=f"{name}-jobs", tags={"env": name})["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=q, Attributes={"Policy": policy({
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:role/app-api"},
            "Action": "sqs:SendMessage", "Resource": f"arn:aws:sqs:{REGION}:{acct}:{name}-jobs"})})
        # Queues live in regions: one in Europe too (config: aws.regions).
        client("sqs", creds, "eu-west-1").create_queue(QueueName=f"{name}-eu-jobs", tags={"env": name})
        sns = client("sns", creds)
        t = sns.create_topic(Name=f"{name}-events", Tags=[{"Key": "env", "Value": name}])["TopicArn"]
        sns.set_topic_attributes(TopicArn=t, AttributeName="Policy", AttributeValue=policy({
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:role/app-worker"},
            "Action": "sns:Subscribe", "Resource": t}))
        # The account's network (credential protection reads it): a VPC whose
        # NAT gateway has an Elastic IP. app-worker is tagged to be protected.
        ec2 = client("ec2", creds)
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)
        if "app-worker" in PER_ACCOUNT[name]:
            iam.tag_role(RoleName="app-worker", Tags=[{"Key": "latchkey-credential-protection", "Value": "true"}])
    # An AWS Organization managed from the hub, with one member account that
    # Latchkey discovers through ListAccounts (config: [[organizations]]).
    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(AccountName="analytics", Email="analytics@example.com")["CreateAccountStatus"]["AccountId"]
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/{SPOKE_ROLE}", RoleSessionName="seed")["Credentials"]
    iam = client("iam", creds)
    for rname in ("eng-analyst", "data-etl"):
        iam.create_role(RoleName=rname, AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{HUB}:root"}),
                        Tags=[{"Key": "owner", "Value": "analytics"}])
        iam.put_role_policy(RoleName=rname, PolicyName="athena-read",
                            PolicyDocument=policy(allow(["athena:Get*", "athena:StartQueryExecution"], "*")))
    total_roles += 2
    denied = seed_denials()
    print(f"seeded moto at {ENDPOINT}: {len(ACCOUNTS)} spoke accounts + organization member {member}, {total_roles} roles, "
          f"{2 * len(ACCOUNTS)} buckets, {len(ACCOUNTS)} queues, {len(ACCOUNTS)} topics, {denied} denied calls queued")


if __name__ == "__main__":
    main()
