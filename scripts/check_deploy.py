#!/usr/bin/env python3
"""Checks that deploy/aws/ grants exactly the AWS calls Latchkey makes.

Usage (from anywhere; exit 1 on a mismatch):

    python3 scripts/check_deploy.py             # check
    python3 scripts/check_deploy.py --list      # also print every call and where it is
    python3 scripts/check_deploy.py --sync-stackset
                                                # copy deploy/aws/spoke-role.yaml into the
                                                # StackSet's TemplateBody, then check

What it does:

1. Reads server/src (without the laptop CLI, server/src/cli/, whose calls use
   the user's own credentials, and without #[cfg(test)] items) and finds
   every AWS SDK operation: a builder chain ending in `.send()` or
   `.into_paginator()` whose receiver is an SDK client. The receiver's type
   is found the way a reader would: `aws_sdk_x::Client::new(..)` in place, a
   binding `name: &aws_sdk_x::Client`, `let name = <expr>` where <expr>
   builds one or calls a function that returns one (`spoke_iam`,
   `hub_sts`, `in_bucket_region`...), and `macro_rules!` bodies expanded at
   each invocation (apply/mod.rs calls IAM through `$iam.$put()`). In a file
   that touches the SDK, a chain whose receiver cannot be told is an error,
   so a new call cannot slip past.
2. Maps each operation to its IAM action: `service:PascalCase` unless the
   small tables below say otherwise, plus the permissions a call's
   parameters need (AssumeRole with SourceIdentity needs
   sts:SetSourceIdentity). Every action must exist in AWS's service
   authorization data (app/src/domain/policy/iam_catalogue.txt), which
   catches a wrong mapping.
3. Reads the CloudFormation templates and compares the actions their Allow
   statements grant (both branches of every Fn::If) with what the code
   calls: the hub role (hub-role.yaml) must grant exactly what is called
   with the hub's credentials, the spoke role (spoke-role.yaml, which is
   also the StackSet's TemplateBody, byte for byte) exactly what is called
   through the spoke role, and together exactly the whole set. It also
   checks each statement's resources against the action's resource types.

Run it with a Python that has PyYAML (cfn-lint's venv has it: scripts/test.sh
uses $LATCHKEY_CACHE/cfnlint/bin/python).
"""

import fnmatch
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "server", "src")
AWS_DIR = os.path.join(ROOT, "deploy", "aws")
CATALOGUE = os.path.join(ROOT, "app", "src", "domain", "policy", "iam_catalogue.txt")
HUB_TEMPLATE = "hub-role.yaml"
SPOKE_TEMPLATE = "spoke-role.yaml"
STACKSET_TEMPLATE = "spoke-role-stackset.yaml"

# Code that is not the server's: the `latchkey` CLI subcommands run on a
# person's laptop with the credentials Latchkey issued them (role chaining
# with -A, whoami), never with the hub's or the spoke role's.
SKIP_DIRS = ["cli"]

# The SDK crate (aws_sdk_<name>) -> the IAM service prefix of its actions.
# A crate missing here is an error: add it with its prefix.
SERVICE_PREFIX = {
    "account": "account",
    "ec2": "ec2",
    "iam": "iam",
    "organizations": "organizations",
    "resourcegroupstagging": "tag",  # Resource Groups Tagging API: tag:GetResources
    "s3": "s3",
    "sns": "sns",
    "sqs": "sqs",
    "sts": "sts",
}

# Operations whose IAM action is not `prefix:PascalCase(operation)`, or that
# need none. S3 is listed whole (its API and action names part ways often:
# ListBuckets is s3:ListAllMyBuckets, ListObjectsV2 is s3:ListBucket), so
# a new S3 call must be added here after looking its action up.
ACTION_OF = {
    # S3: every operation the code calls, with its action.
    ("s3", "list_buckets"): "s3:ListAllMyBuckets",
    ("s3", "get_bucket_location"): "s3:GetBucketLocation",
    ("s3", "get_bucket_policy"): "s3:GetBucketPolicy",
    ("s3", "put_bucket_policy"): "s3:PutBucketPolicy",
    ("s3", "get_bucket_tagging"): "s3:GetBucketTagging",
    ("s3", "put_bucket_tagging"): "s3:PutBucketTagging",
    ("s3", "list_objects_v2"): "s3:ListBucket",
    ("s3", "get_object"): "s3:GetObject",
    # The default rule gives these; listed because the service's API and
    # IAM names often part ways (the catalogue check confirms them).
    ("sqs", "list_queue_tags"): "sqs:ListQueueTags",
    ("resourcegroupstagging", "get_resources"): "tag:GetResources",
    ("account", "list_regions"): "account:ListRegions",
    # A batch call is authorized as the single action it batches.
    ("sqs", "delete_message_batch"): "sqs:DeleteMessage",
    # Needs no permission: STS answers it for any valid credentials, even
    # under an explicit Deny.
    ("sts", "get_caller_identity"): None,
}
EXPLICIT_ONLY = {"s3"}

# Permissions a call needs because of a parameter it is given, keyed on
# (service, operation, builder method). Not calls of their own.
IMPLIED_BY_PARAMETER = {
    # aws/sts.rs: users' sessions carry the user as SourceIdentity.
    ("sts", "assume_role", "source_identity"): ["sts:SetSourceIdentity"],
    # Session tags (not set today; here so that setting them is noticed).
    ("sts", "assume_role", "tags"): ["sts:TagSession"],
    ("sts", "assume_role", "set_tags"): ["sts:TagSession"],
    ("sts", "assume_role", "transitive_tag_keys"): ["sts:TagSession"],
}

# Permissions a call needs because of how the resource it reads is set up.
IMPLIED_BY_CALL = {
    # aws/cloudtrail.rs reads the trail's log files; an organization trail
    # usually encrypts them with SSE-KMS, and S3 then decrypts with the
    # reader's kms:Decrypt on the key (granted only when a key is given).
    ("s3", "get_object"): ["kms:Decrypt"],
}

# Whose credentials make the calls. The hub's own: every STS call that needs
# a permission (AssumeRole into the spoke role, aws/mod.rs; into users'
# roles, aws/sts.rs through broker.rs' client on the hub config) and the
# CloudTrail denial reads (aws/cloudtrail.rs) unless cloudtrail.read_as_account
# names an account, whose spoke role then reads them. Everything else goes
# through `Aws::spoke(account)`: the spoke role.
HUB_SERVICES = {"sts"}
HUB_AND_SPOKE_FILES = {"aws/cloudtrail.rs"}


def fail(msg):
    print(f"check_deploy: {msg}", file=sys.stderr)
    sys.exit(1)


# --------------------------------------------------------------------------
# Reading Rust: comments and literals blanked (positions kept), test items cut.

CHAR_LIT = re.compile(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])'")


def blank(text):
    """`text` with comments, string and char literal contents replaced by
    spaces (quotes kept), so parentheses inside them do not count."""
    out = list(text)
    i, n = 0, len(text)

    def wipe(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            wipe(i, j)
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            wipe(i, j)
            i = j
        elif re.match(r'b?r#*"', text[i:i + 8]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'(b?r)(#*)"', text[i:])
            hashes = m.group(2)
            start = i + len(m.group(0))
            end = text.find('"' + hashes, start)
            end = n if end < 0 else end
            wipe(start, end)
            i = end + 1 + len(hashes)
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            wipe(i + 1, j)
            i = j + 1
        elif c == "'":
            m = CHAR_LIT.match(text, i)
            if m:
                wipe(i + 1, m.end() - 1)
                i = m.end()
            else:
                i += 1  # a lifetime
        else:
            i += 1
    return "".join(out)


def match_forward(text, i, open_ch, close_ch):
    """Index of the bracket closing the one at `i`."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == open_ch:
            depth += 1
        elif text[j] == close_ch:
            depth -= 1
            if depth == 0:
                return j
    return len(text) - 1


def match_backward(text, i, open_ch, close_ch):
    """Index of the bracket opening the one closing at `i`."""
    depth = 0
    for j in range(i, -1, -1):
        if text[j] == close_ch:
            depth += 1
        elif text[j] == open_ch:
            depth -= 1
            if depth == 0:
                return j
    return 0


def cut_test_items(text):
    """`text` (already blanked) without the items under #[cfg(test)], and
    the names of test modules declared as files (`#[cfg(test)] mod tests;`)."""
    out, test_files, pos = [], [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]", text):
        if m.start() < pos:
            continue
        j = m.end()
        brace = text.find("{", j)
        semi = text.find(";", j)
        if semi >= 0 and (brace < 0 or semi < brace):
            mod = re.match(r"\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text[j:semi + 1])
            if mod:
                test_files.append(mod.group(1))
            end = semi
        else:
            end = match_forward(text, brace, "{", "}")
        out.append(text[pos:m.start()])
        out.append(re.sub(r"[^\n]", " ", text[m.start():end + 1]))
        pos = end + 1
    out.append(text[pos:])
    return "".join(out), test_files


def rust_sources():
    """(relative path, blanked text) of every server source that runs in the server."""
    files, skip = [], set()
    for dirpath, dirnames, filenames in os.walk(SRC):
        rel_dir = os.path.relpath(dirpath, SRC)
        dirnames[:] = sorted(d for d in dirnames
                             if os.path.normpath(os.path.join(rel_dir, d)) not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith(".rs"):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    text, tests = cut_test_items(blank(f.read()))
                for t in tests:
                    skip.add(os.path.normpath(os.path.join(rel_dir, t + ".rs")))
                    skip.add(os.path.normpath(os.path.join(rel_dir, t, "mod.rs")))
                files.append((os.path.normpath(os.path.relpath(path, SRC)), text))
    return [(p, t) for p, t in files if p not in skip]


# --------------------------------------------------------------------------
# Finding the SDK calls.

IDENT = r"[A-Za-z_$][A-Za-z0-9_$]*"
SDK_TYPE = re.compile(r"aws_sdk_(\w+)::Client\b")


def services_in(s):
    return sorted(set(SDK_TYPE.findall(s)))


def factories_of(files):
    """Functions (and `spoke_clients!` entries) that return one SDK client:
    name -> service, per file and for the whole crate."""
    per_file, crate = {}, {}
    for path, text in files:
        found = {}
        for m in re.finditer(r"\b(\w+)\s*->\s*aws_sdk_(\w+)::Client\b", text):
            found[m.group(1)] = m.group(2)  # spoke_clients! { spoke_iam -> aws_sdk_iam::Client }
        for m in re.finditer(r"\bfn\s+(\w+)\s*(?:<[^>{]*>)?\s*\(", text):
            close = match_forward(text, m.end() - 1, "(", ")")
            body = re.search(r"[{;]|\bwhere\b", text[close:])
            ret = text[close + 1:close + body.start()] if body else ""
            if "->" in ret:
                svcs = services_in(ret.split("->", 1)[1])
                if len(svcs) == 1:
                    found[m.group(1)] = svcs[0]
        per_file[path] = found
        for k, v in found.items():
            crate.setdefault(k, set()).add(v)
    return per_file, crate


def statement_after(text, i):
    """The text from `i` to the `;` that ends the statement (depth 0)."""
    depth = 0
    for j in range(i, len(text)):
        c = text[j]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return text[i:j]
        elif c == ";" and depth == 0:
            return text[i:j]
    return text[i:]


class Resolver:
    """Tells which SDK service a receiver expression is a client of."""

    NOT_SDK = "not-sdk"

    def __init__(self, path, text, factories, crate_factories):
        self.path, self.text = path, text
        used = re.findall(r"\buse\s+aws_sdk_(\w+)::(?:Client\b|\{[^}]*\bClient\b)", text)
        self.bare_client = used[0] if len(set(used)) == 1 else None
        self.factories = dict(factories)
        for name, svcs in crate_factories.items():
            if name not in self.factories and len(svcs) == 1:
                self.factories[name] = next(iter(svcs))

    def expr(self, expr, pos, depth=0):
        svcs = services_in(expr)
        if len(svcs) == 1 and re.search(r"aws_sdk_\w+::Client::(?:new|from_conf)\b", expr):
            return svcs[0]
        called = [self.factories[n] for n in re.findall(r"\b(\w+)\s*\(", expr) if n in self.factories]
        if len(set(called)) == 1:
            return called[0]
        m = re.fullmatch(r"\s*&?\s*(" + IDENT + r")\s*(?:\.clone\(\))?\s*", expr)
        if m and depth < 5:
            return self.ident(m.group(1), pos, depth + 1)
        if len(svcs) == 1:
            return svcs[0]
        return None

    @staticmethod
    def other_crate(expr):
        """Whether `expr` plainly builds something of a non-AWS crate."""
        return re.search(r"\b(?:reqwest|openidconnect|lettre|sqlx|tokio|std)::", expr) is not None

    def ident(self, name, pos, depth=0):
        """The service of the binding `name` nearest before `pos`."""
        t = self.text[:pos]
        n = re.escape(name)
        best = None  # (start, service)
        for m in re.finditer(r"(?<![\w$])" + n + r"\s*:\s*(?!:)", t):
            ty = statement_after(t + ",", m.end()).split(",")[0]
            svcs = services_in(ty)
            if not svcs and self.bare_client and re.search(r"(?<!::)\bClient\b", ty):
                svcs = [self.bare_client]  # `use aws_sdk_x::Client;`
            best = max(best or (-1, None), (m.start(), svcs[0] if len(svcs) == 1 else self.NOT_SDK))
        # A `let` whose value cannot be told stays unknown (an error where
        # it is the receiver of a call), unless it is plainly another crate's.
        for m in re.finditer(r"\blet\s+(?:mut\s+)?" + n + r"\b\s*(?::[^=;]*)?=(?!=)", t):
            e = statement_after(self.text, m.end())
            svc = self.expr(e, m.start(), depth) or (self.NOT_SDK if self.other_crate(e) else None)
            best = max(best or (-1, None), (m.start(), svc))
        for m in re.finditer(r"\blet\s*\(([^)]*)\)\s*=(?!=)", t):
            if re.search(r"(?<![\w$])" + n + r"\b", m.group(1)):
                e = statement_after(self.text, m.end())
                svc = self.expr(e, m.start(), depth) or (self.NOT_SDK if self.other_crate(e) else None)
                best = max(best or (-1, None), (m.start(), svc))
        return best[1] if best else None

    def chain(self, primary, segs, pos):
        """(service, index of the operation in segs) or (None/NOT_SDK, None)."""
        svc = None
        if primary is not None:
            if primary.startswith(("aws_sdk_", "<aws_sdk_")):
                svc = self.expr(primary, pos)
            elif re.fullmatch(IDENT, primary) and primary != "self":
                svc = self.ident(primary, pos) or None
            elif re.search(r"\w+::", primary):
                svc = self.expr(primary, pos) or self.NOT_SDK
        i = 0
        while svc is None and i < len(segs):
            kind, name, _ = segs[i]
            if kind == "call" and name in self.factories:
                svc = self.factories[name]
            elif kind == "field":
                svc = self.ident(name, pos)
            i += 1
        if svc in (None, self.NOT_SDK) or i >= len(segs) or segs[i][0] != "call":
            return (svc, None)
        return (svc, i)


def skip_space_back(text, i):
    """The index of the last non-space character at or before i (-1: none)."""
    while i >= 0 and text[i].isspace():
        i -= 1
    return i


def ident_before(text, end):
    """The identifier ending at text[end] (a match, or None) and the index of
    the non-space character before it."""
    m = re.search(IDENT + r"$", text[:end + 1])
    return m, (skip_space_back(text, m.start() - 1) if m else -1)


def chain_before(text, dot):
    """The method chain ending just before `text[dot]` (a '.'): its primary
    (receiver expression or None) and its segments [(kind, name, args)]."""
    segs, i = [], dot
    while True:
        j = skip_space_back(text, i - 1)
        if j < 0:
            return None, segs
        called = text[j] == ")"
        if called:
            k = match_backward(text, j, "(", ")")
            m, p = ident_before(text, skip_space_back(text, k - 1))
        else:
            m, p = ident_before(text, j)
        if not m:
            return None, segs
        if p >= 0 and text[p] == ".":
            segs.insert(0, ("call", m.group(0), text[k + 1:j]) if called else ("field", m.group(0), None))
            i = p
            continue
        if not called:
            return m.group(0), segs
        path = re.search(r"(?:<[^<>;{}]*>\s*::\s*|" + IDENT + r"\s*::\s*)*$", text[:m.start()])
        return text[path.start():j + 1], segs


CHAIN_END = re.compile(r"\.\s*(send|into_paginator)\s*\(\s*\)")


def calls_in(snippet, resolver, pos_of, strict, where):
    """SDK operations of the chains in `snippet`. pos_of(i): where in the
    file a receiver at snippet index i is resolved."""
    found, unknown = [], []
    for m in CHAIN_END.finditer(snippet):
        primary, segs = chain_before(snippet, m.start())
        if any("$" in (s[1] or "") for s in segs) or (primary or "").startswith("$"):
            continue  # a macro_rules! body: read at its invocations
        if m.group(1) == "send" and any(s[1] == "into_paginator" for s in segs):
            continue  # `.into_paginator().send()`: found at into_paginator
        svc, op_i = resolver.chain(primary, segs, pos_of(m.start()))
        line = resolver.text.count("\n", 0, pos_of(m.start())) + 1
        if op_i is None:
            if svc != Resolver.NOT_SDK and strict:
                names = ".".join(s[1] for s in segs)
                unknown.append(f"{where}:{line}: cannot tell the AWS service of `{primary}.{names}`")
            continue
        op = segs[op_i][1]
        params = [s[1] for s in segs[op_i + 1:] if s[0] == "call"]
        found.append((svc, op, params, f"{where}:{line}"))
    return found, unknown


def macro_expansions(text):
    """(expanded body, invocation position) for each macro_rules! invocation."""
    out = []
    for m in re.finditer(r"macro_rules!\s*(\w+)\s*\{", text):
        name = m.group(1)
        end = match_forward(text, m.end() - 1, "{", "}")
        rules = text[m.end():end]
        rm = re.match(r"\s*\(", rules)
        if not rm:
            continue
        mclose = match_forward(rules, rm.end() - 1, "(", ")")
        matcher = rules[rm.end():mclose]
        params = re.findall(r"\$(\w+)\s*:\s*\w+", matcher)
        bm = re.search(r"=>\s*\{", rules[mclose:])
        if not bm or not params or "$(" in matcher:
            continue
        bstart = mclose + bm.end() - 1
        body = rules[bstart + 1:match_forward(rules, bstart, "{", "}")]
        for inv in re.finditer(r"\b" + name + r"!\s*\(", text):
            close = match_forward(text, inv.end() - 1, "(", ")")
            args, depth, cur = [], 0, ""
            for c in text[inv.end():close]:
                if c in "([{":
                    depth += 1
                elif c in ")]}":
                    depth -= 1
                if c == "," and depth == 0:
                    args.append(cur.strip())
                    cur = ""
                else:
                    cur += c
            if cur.strip():
                args.append(cur.strip())
            if len(args) != len(params):
                continue
            bound = dict(zip(params, args))
            expanded = re.sub(r"\$(\w+)", lambda x: bound.get(x.group(1), x.group(0)), body)
            out.append((expanded, inv.start()))
    return out


def code_calls():
    """Every SDK operation the server calls: [(service, op, params, where)]."""
    files = rust_sources()
    factories, crate = factories_of(files)
    calls, unknown = [], []
    for path, text in files:
        r = Resolver(path, text, factories[path], crate)
        touches_sdk = "aws_sdk_" in text or any(
            re.search(r"\b" + f + r"\s*\(", text) for f in r.factories)
        found, unk = calls_in(text, r, lambda i: i, touches_sdk, path)
        calls += found
        unknown += unk
        for body, at in macro_expansions(text):
            found, unk = calls_in(body, r, lambda i, at=at: at, touches_sdk, path)
            calls += found
            unknown += unk
    if unknown:
        fail("\n  ".join(["receivers of unknown type (teach Resolver or name the client's type):"] + unknown))
    return calls


def crate_services():
    with open(os.path.join(ROOT, "server", "Cargo.toml"), encoding="utf-8") as f:
        return sorted(set(re.findall(r"^aws-sdk-(\w+)", f.read(), re.M)))


def pascal(op):
    return "".join(w[:1].upper() + w[1:] for w in op.split("_"))


def actions_of_call(svc, op, params):
    if svc not in SERVICE_PREFIX:
        fail(f"no IAM prefix for SDK crate aws_sdk_{svc}: add it to SERVICE_PREFIX")
    if (svc, op) in ACTION_OF:
        main = ACTION_OF[(svc, op)]
    elif svc in EXPLICIT_ONLY:
        return fail(f"{svc} operation {op}: look up its IAM action and add it to ACTION_OF")
    else:
        main = f"{SERVICE_PREFIX[svc]}:{pascal(op)}"
    out = [main] if main else []
    for p in params:
        out += IMPLIED_BY_PARAMETER.get((svc, op, p), [])
    out += IMPLIED_BY_CALL.get((svc, op), [])
    return out


# --------------------------------------------------------------------------
# AWS's service authorization data (as the policy checks use it).

def catalogue():
    """prefix -> (resource type patterns by index, {action: [pattern indexes]})."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = {}
    with open(CATALOGUE, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            prefix, types, actions = line.rstrip("\n").split("|")
            patterns = [t.split("=", 1)[1] for t in types.split(";") if t]
            acts, prev = {}, ""
            for a in actions.split(","):
                name, meta = a.rsplit(":", 1)
                name = prev[:digits.index(name[0])] + name[1:]
                prev = name
                idx = meta[1:]
                acts[name] = [patterns[int(i)] for i in idx.split(".")] if idx else []
            out[prefix] = (patterns, acts)
    return out


# --------------------------------------------------------------------------
# Reading the templates.

def load_yaml(text):
    try:
        import yaml  # noqa: PLC0415 - only this part needs it
    except ImportError:
        fail("needs PyYAML: run it with cfn-lint's venv python ($LATCHKEY_CACHE/cfnlint/bin/python)")

    class Loader(yaml.SafeLoader):
        pass

    def intrinsic(loader, suffix, node):
        name = "Ref" if suffix == "Ref" else ("Fn::GetAtt" if suffix == "GetAtt" else "Fn::" + suffix)
        if isinstance(node, yaml.ScalarNode):
            v = loader.construct_scalar(node)
            if suffix == "GetAtt":
                v = v.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            v = loader.construct_sequence(node, deep=True)
        else:
            v = loader.construct_mapping(node, deep=True)
        return {name: v}

    Loader.add_multi_constructor("!", lambda l, s, n: intrinsic(l, s, n))
    return yaml.load(text, Loader=Loader)  # noqa: S506 - SafeLoader subclass


class Renderer:
    """Evaluates a template's values with stand-ins for what only a
    deployment knows. Each value becomes a list of its possible values
    (both branches of Fn::If)."""

    ACCOUNT = "111122223333"
    # Values for parameters without a default, so that the resources built
    # from them can be checked against the actions' resource types.
    SAMPLES = {
        "HubRoleArn": "arn:aws:iam::999988887777:role/latchkey-hub",
        "CloudTrailQueueArn": "arn:aws:sqs:eu-west-1:999988887777:latchkey-denials",
        "CloudTrailBucketName": "org-trail-logs",
        "CloudTrailKmsKeyArn": "arn:aws:kms:eu-west-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    }

    def __init__(self, template):
        self.params = template.get("Parameters", {})

    def param(self, name):
        pseudo = {"AWS::Partition": "aws", "AWS::AccountId": self.ACCOUNT,
                  "AWS::Region": "us-east-1", "AWS::StackName": "stack",
                  "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": None}
        if name in pseudo:
            return pseudo[name]
        p = self.params.get(name)
        if p is None:
            return f"<{name}>"
        if p.get("Type", "").startswith("List<") or p.get("Type") == "CommaDelimitedList":
            return f"<{name}>"
        d = p.get("Default")
        if d in (None, ""):
            return self.SAMPLES.get(name, f"<{name}>")
        return str(d)

    def values(self, v):
        if isinstance(v, dict) and len(v) == 1:
            (k, a), = v.items()
            if k == "Ref":
                return [self.param(a)]
            if k == "Fn::Sub":
                s, extra = (a, {}) if isinstance(a, str) else (a[0], a[1])
                def sub(m):
                    key = m.group(1)
                    if key in extra:
                        return str(self.values(extra[key])[0])
                    if "." in key:
                        return f"<{key}>"
                    return str(self.param(key))
                return [re.sub(r"\$\{([^}!]+)\}", sub, s)]
            if k == "Fn::If":
                return self.values(a[1]) + self.values(a[2])
            if k == "Fn::Join":
                parts = [self.values(x)[0] for x in a[1]]
                return [a[0].join(str(p) for p in parts)]
            if k == "Fn::GetAtt":
                return [f"<{'.'.join(a)}>"]
            if k.startswith("Fn::"):
                return [f"<{k}>"]
        if isinstance(v, list):
            out = []
            for x in v:
                out += [y for y in self.values(x) if y is not None]
            return [out]
        return [v]


def flat(xs):
    out = []
    for x in xs:
        if isinstance(x, list):
            out += flat(x)
        elif x is not None:
            out.append(x)
    return out


def statements(template):
    """Every policy statement of the template's IAM resources, with the
    resource it belongs to: [(resource id, statement)] (Fn::If: both)."""
    r = Renderer(template)
    out = []
    for rid, res in template.get("Resources", {}).items():
        props = res.get("Properties", {})
        docs = []
        if res.get("Type") == "AWS::IAM::Role":
            for p in flat(r.values(props.get("Policies", []))):
                for doc in r.values(p.get("PolicyDocument")):
                    docs.append((f"{rid}/{p.get('PolicyName')}", doc))
        elif res.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            for doc in r.values(props.get("PolicyDocument")):
                docs.append((rid, doc))
        for where, doc in docs:
            for s in flat(r.values((doc or {}).get("Statement", []))):
                out.append((where, s))
    return out, r


def granted(template, cat, errors, name):
    """Actions the template's Allow statements grant; checks Deny actions
    exist and every Allow's resources fit its actions' resource types."""
    allow, deny = set(), set()
    stmts, r = statements(template)
    for where, s in stmts:
        effect = s.get("Effect")
        actions = flat(r.values(s.get("Action", [])))
        resources = flat(r.values(s.get("Resource", [])))
        if "NotAction" in s or "NotResource" in s:
            errors.append(f"{name} {where}: NotAction/NotResource: list actions and resources")
        for a in actions:
            prefix, _, act = a.partition(":")
            if "*" in a or prefix not in cat or act not in cat[prefix][1]:
                errors.append(f"{name} {where}: {a} is not an IAM action (wildcards are not allowed either)")
                continue
            (allow if effect == "Allow" else deny).add(a)
            if effect != "Allow":
                continue
            types = cat[prefix][1][act]
            for res in resources:
                if res == "*" or "<" in res:
                    continue  # "<...>": built from what only a deployment knows
                if not types:
                    errors.append(f"{name} {where}: {a} takes only Resource \"*\", not {res}")
                elif not any(fnmatch.fnmatchcase(res, "arn:aws:" + t) for t in types):
                    errors.append(f"{name} {where}: {a} cannot be scoped to {res} "
                                  f"(its resource types: {', '.join('arn:aws:' + t for t in types)})")
    return allow, deny


def stackset_body(text):
    """The StackSet's TemplateBody (its only StackSet resource)."""
    t = load_yaml(text)
    bodies = [res["Properties"]["TemplateBody"] for res in t.get("Resources", {}).values()
              if res.get("Type") == "AWS::CloudFormation::StackSet"]
    if len(bodies) != 1 or not isinstance(bodies[0], str):
        fail(f"{STACKSET_TEMPLATE}: expected one AWS::CloudFormation::StackSet with a TemplateBody string")
    return bodies[0]


def sync_stackset():
    """Rewrites the StackSet's TemplateBody block from spoke-role.yaml."""
    path = os.path.join(AWS_DIR, STACKSET_TEMPLATE)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    with open(os.path.join(AWS_DIR, SPOKE_TEMPLATE), encoding="utf-8") as f:
        spoke = f.read()
    start = next((i for i, l in enumerate(lines) if re.match(r"\s+TemplateBody:\s*\|\s*$", l)), None)
    if start is None:
        fail(f"{STACKSET_TEMPLATE}: no `TemplateBody: |` line")
    indent = len(lines[start]) - len(lines[start].lstrip()) + 2
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) >= indent):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    body = [(" " * indent + l) if l else "" for l in spoke.rstrip("\n").split("\n")]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines[:start + 1] + body + lines[end:]))


# --------------------------------------------------------------------------

def main(argv):
    if "--sync-stackset" in argv:
        sync_stackset()
    cat = catalogue()
    errors = []

    missing_prefix = [s for s in crate_services() if s not in SERVICE_PREFIX]
    if missing_prefix:
        errors.append(f"server/Cargo.toml uses aws-sdk-{missing_prefix}: add to SERVICE_PREFIX")

    hub_expected, spoke_expected, where = set(), set(), {}
    for svc, op, params, loc in code_calls():
        for a in actions_of_call(svc, op, params):
            prefix, _, act = a.partition(":")
            if prefix not in cat or act not in cat[prefix][1]:
                errors.append(f"{loc}: {svc}.{op} maps to {a}, which AWS does not define: fix ACTION_OF")
            where.setdefault(a, set()).add(f"{loc.split(':')[0]} ({svc}.{op})")
            file = loc.split(":")[0]
            if svc in HUB_SERVICES or file in HUB_AND_SPOKE_FILES:
                hub_expected.add(a)
            if svc not in HUB_SERVICES:
                spoke_expected.add(a)
    expected = hub_expected | spoke_expected

    if "--list" in argv:
        for a in sorted(expected):
            role = "+".join(x for x, s in (("hub", hub_expected), ("spoke", spoke_expected)) if a in s)
            print(f"{a:45} {role:9} {', '.join(sorted(where[a]))}")

    texts = {}
    for name in (HUB_TEMPLATE, SPOKE_TEMPLATE, STACKSET_TEMPLATE):
        with open(os.path.join(AWS_DIR, name), encoding="utf-8") as f:
            texts[name] = f.read()
    if stackset_body(texts[STACKSET_TEMPLATE]) != texts[SPOKE_TEMPLATE]:
        errors.append(f"{STACKSET_TEMPLATE}'s TemplateBody differs from {SPOKE_TEMPLATE}: "
                      "run python3 scripts/check_deploy.py --sync-stackset")

    hub, hub_deny = granted(load_yaml(texts[HUB_TEMPLATE]), cat, errors, HUB_TEMPLATE)
    spoke, spoke_deny = granted(load_yaml(texts[SPOKE_TEMPLATE]), cat, errors, SPOKE_TEMPLATE)
    for name, got, want in ((HUB_TEMPLATE, hub, hub_expected), (SPOKE_TEMPLATE, spoke, spoke_expected)):
        for a in sorted(want - got):
            errors.append(f"{name}: missing {a}, called in {', '.join(sorted(where[a]))}")
        for a in sorted(got - want):
            errors.append(f"{name}: grants {a}, which the code never calls with this role's credentials")
    for name, deny in ((HUB_TEMPLATE, hub_deny), (SPOKE_TEMPLATE, spoke_deny)):
        for a in sorted(deny - expected):
            errors.append(f"{name}: denies {a}, which the code never calls (a typo?)")
    union = hub | spoke
    if union != expected:
        errors.append(f"templates grant {len(union)} actions, the code calls {len(expected)}")

    if errors:
        fail("\n  ".join(["deploy/aws does not match the code:"] + errors))
    print(f"check_deploy: deploy/aws grants exactly the {len(expected)} actions the code calls "
          f"(hub {len(hub_expected)}, spoke {len(spoke_expected)})")


if __name__ == "__main__":
    main(sys.argv[1:])
