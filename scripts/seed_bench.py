#!/usr/bin/env python3
"""Seeds moto with the estate Latchkey's HTTP benchmark runs on (the shape
issue #17 measured against ConsoleMe): three spoke accounts with 1,001 roles
each (100 `eng-role-N` roles an engineer may use, 901 `svc-role-N`), and in
the first account 200 S3 buckets, 200 SQS queues and 200 SNS topics, each
with a resource policy and a tag.

Usage: seed_bench.py http://127.0.0.1:5300   (resets moto first: idempotent)
"""
import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3

ENDPOINT = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5300"
HUB = "123456789012"
SPOKE_ROLE = "LatchkeySpoke"
ACCOUNTS = ["710000000001", "710000000002", "710000000003"]
ROLES = 1001
ENG_ROLES = 100
ITEMS = 200
REGION = "us-east-1"


def client(svc, creds, **extra):
    return boto3.client(
        svc,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        **extra,
    )


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


HUB_TRUST = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{HUB}:root"}, "Action": "sts:AssumeRole"})


def seed_account(acct):
    sts = boto3.client("sts", endpoint_url=ENDPOINT, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{acct}:role/{SPOKE_ROLE}", RoleSessionName="seed")["Credentials"]
    iam = client("iam", creds)
    iam.create_role(RoleName=SPOKE_ROLE, AssumeRolePolicyDocument=HUB_TRUST)
    iam.put_role_policy(RoleName=SPOKE_ROLE, PolicyName="latchkey-spoke",
                        PolicyDocument=doc({"Effect": "Allow", "Action": ["iam:*", "s3:*", "sqs:*", "sns:*", "tag:GetResources"], "Resource": "*"}))
    for i in range(ROLES):
        name = f"eng-role-{i}" if i < ENG_ROLES else f"svc-role-{i}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=HUB_TRUST,
                        Tags=[{"Key": "team", "Value": f"team-{i % 20}"}])
        iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=doc(
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"arn:aws:s3:::bench-{acct}-{i}/*"}))
    if acct != ACCOUNTS[0]:
        return
    s3 = client("s3", creds, config=boto3.session.Config(s3={"addressing_style": "path"}))
    sqs = client("sqs", creds)
    sns = client("sns", creds)
    reader = {"AWS": f"arn:aws:iam::{acct}:role/eng-role-0"}
    for i in range(ITEMS):
        b = f"bench-bucket-{i}"
        s3.create_bucket(Bucket=b)
        s3.put_bucket_policy(Bucket=b, Policy=doc({"Effect": "Allow", "Principal": reader,
                                                    "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{b}/*"}))
        s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "team", "Value": f"team-{i % 20}"}]})
        q = sqs.create_queue(QueueName=f"bench-queue-{i}", tags={"team": f"team-{i % 20}"})["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=q, Attributes={"Policy": doc({
            "Effect": "Allow", "Principal": reader, "Action": "sqs:SendMessage",
            "Resource": f"arn:aws:sqs:{REGION}:{acct}:bench-queue-{i}"})})
        t = sns.create_topic(Name=f"bench-topic-{i}", Tags=[{"Key": "team", "Value": f"team-{i % 20}"}])["TopicArn"]
        sns.set_topic_attributes(TopicArn=t, AttributeName="Policy", AttributeValue=doc({
            "Effect": "Allow", "Principal": reader, "Action": "sns:Publish", "Resource": t}))


def main():
    req = urllib.request.Request(f"{ENDPOINT}/moto-api/reset", method="POST", data=b"")
    urllib.request.urlopen(req).read()
    with ThreadPoolExecutor(len(ACCOUNTS)) as pool:
        list(pool.map(seed_account, ACCOUNTS))
    print(f"seeded moto at {ENDPOINT}: {len(ACCOUNTS)} accounts x {ROLES} roles (+ spoke role), "
          f"{ITEMS} buckets, queues and topics in {ACCOUNTS[0]}")


if __name__ == "__main__":
    main()
