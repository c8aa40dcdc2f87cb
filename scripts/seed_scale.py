#!/usr/bin/env python3
"""Seeds moto with a simulated AWS Organization for the scale bench
(issue #14 item 6): the hub account is the management account, N member
accounts are created through Organizations (so Latchkey discovers them with
ListAccounts), and each holds the spoke role and ~50 roles (10 an engineer
may use, with an inline policy and a tag each).

Usage: seed_scale.py http://127.0.0.1:5400 1000   (resets moto first)
"""
import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3

ENDPOINT = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5400"
ACCOUNTS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
ROLES = int(sys.argv[3]) if len(sys.argv) > 3 else 50
HUB = "123456789012"
SPOKE_ROLE = "LatchkeySpoke"
REGION = "us-east-1"
KEYS = dict(aws_access_key_id="testing", aws_secret_access_key="testing")


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


HUB_TRUST = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{HUB}:root"}, "Action": "sts:AssumeRole"})


def seed_account(acct):
    sts = boto3.client("sts", endpoint_url=ENDPOINT, region_name=REGION, **KEYS)
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{acct}:role/OrganizationAccountAccessRole",
                        RoleSessionName="seed")["Credentials"]
    iam = boto3.client("iam", endpoint_url=ENDPOINT, region_name=REGION,
                       aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                       aws_session_token=c["SessionToken"])
    iam.create_role(RoleName=SPOKE_ROLE, AssumeRolePolicyDocument=HUB_TRUST)
    for i in range(ROLES):
        name = f"eng-role-{i}" if i < 10 else f"svc-role-{i}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=HUB_TRUST,
                        Tags=[{"Key": "team", "Value": f"team-{i % 20}"}])
        iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=doc(
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"arn:aws:s3:::data-{acct}-{i}/*"}))


def main():
    req = urllib.request.Request(f"{ENDPOINT}/moto-api/reset", method="POST", data=b"")
    urllib.request.urlopen(req).read()
    org = boto3.client("organizations", endpoint_url=ENDPOINT, region_name=REGION, **KEYS)
    org.create_organization(FeatureSet="ALL")
    ids = []
    for i in range(ACCOUNTS):
        r = org.create_account(Email=f"member-{i}@example.com", AccountName=f"member-{i:04d}")
        ids.append(r["CreateAccountStatus"]["AccountId"])
    boto3.client("iam", endpoint_url=ENDPOINT, region_name=REGION, **KEYS).create_role(
        RoleName=SPOKE_ROLE, AssumeRolePolicyDocument=HUB_TRUST)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(seed_account, ids))
    print(f"seeded moto at {ENDPOINT}: an organization of {ACCOUNTS} member accounts "
          f"x {ROLES} roles (+ the spoke role)")


if __name__ == "__main__":
    main()
