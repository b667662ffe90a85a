"""Conformance of the SnapDeploy sandbox, driven by boto3: an independent client built from
AWS's own service models, strict about requests where the Rust SDK is strict about responses.

Run by crates/sandbox/tests/conformance.rs with SANDBOX_URL set; exits non-zero on failure.
"""

import base64
import concurrent.futures
import hashlib
import io
import json
import os
import sys
import time
import urllib.error
import urllib.request
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

URL = os.environ["SANDBOX_URL"]
REGION = "us-east-1"
HUB = ("AKIASANDBOXHUBKEY001", "sandbox-hub-secret-not-a-real-key-000000")
DEV_ROLE = "arn:aws:iam::111111111111:role/SnapDeployAccess"
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def client(service, key, secret, token=None, config=None):
    return boto3.client(
        service,
        endpoint_url=URL,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=config,
    )


def error_code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError(f"{fn.__name__} should have failed")


def sandbox_clock(**change):
    """Stops, restarts or moves on the sandbox's clock (/_sandbox/clock), so a state that lasts
    a while (Creating, Versioning, InProgress, Deleting) is seen for certain, however slow the
    machine, and then seen to end."""
    req = urllib.request.Request(f"{URL}/_sandbox/clock", data=json.dumps(change).encode(), method="PUT",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


# How long the sandbox under test keeps Lex work in progress (crates/sandbox/tests/conformance.rs).
SETTLE_MS = 400


def make_zip(text):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("main.py", text)
    return buf.getvalue()


def code_sha(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def patience(seconds=60):
    """Yields until `seconds` have passed: a poll loop waits on state, however slow the machine."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        yield


def wait_updated(lam, name):
    for _ in patience():
        c = lam.get_function_configuration(FunctionName=name)
        if c["State"] == "Active" and c["LastUpdateStatus"] == "Successful":
            return c
        time.sleep(0.02)
    raise AssertionError(f"{name} never finished updating")


def control(method, path, body=None):
    req = urllib.request.Request(f"{URL}/_sandbox/{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"content-type": "application/json"})
    return urllib.request.urlopen(req)


def main():
    # --- STS -----------------------------------------------------------------------------
    sts = client("sts", *HUB)
    ident = sts.get_caller_identity()
    assert ident["Account"] == "100000000000", ident
    assert error_code(client("sts", "AKIAUNKNOWNKEY000000", "x").get_caller_identity)[0] == "InvalidClientTokenId"
    # A known key signed with the wrong secret: the signature is checked, as AWS does.
    assert error_code(client("sts", HUB[0], "not-the-secret").get_caller_identity) == ("SignatureDoesNotMatch", 403)
    code, status = error_code(sts.assume_role, RoleArn=DEV_ROLE, RoleSessionName="conformance", ExternalId="wrong-id")
    assert (code, status) == ("AccessDenied", 403), (code, status)
    assert error_code(sts.assume_role, RoleArn=DEV_ROLE, RoleSessionName="conformance")[0] == "AccessDenied"
    assert error_code(sts.assume_role, RoleArn=DEV_ROLE, RoleSessionName="conformance", ExternalId="snapdeploy-demo-dev", DurationSeconds=43200)[0] == "ValidationError"
    creds = sts.assume_role(RoleArn=DEV_ROLE, RoleSessionName="conformance", ExternalId="snapdeploy-demo-dev", DurationSeconds=900)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and creds["Expiration"].tzinfo is not None
    session = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assumed = client("sts", *session).get_caller_identity()
    assert assumed["Account"] == "111111111111" and ":assumed-role/SnapDeployAccess/conformance" in assumed["Arn"], assumed
    # The temporary key without its session token is refused.
    assert error_code(client("sts", session[0], session[1]).get_caller_identity)[0] == "InvalidClientTokenId"

    # --- Lambda --------------------------------------------------------------------------
    lam = client("lambda", *session)
    # The JSON services name a wrong signature InvalidSignatureException; a right one passes
    # with query parameters that need encoding ($LATEST, an ARN) in the path and the query.
    wrong = client("lambda", session[0], "not-the-secret", session[2])
    assert error_code(wrong.list_functions) == ("InvalidSignatureException", 403)
    assert error_code(client("connect", session[0], "not-the-secret", session[2]).list_instances) == ("InvalidSignatureException", 403)
    assert error_code(lam.get_function, FunctionName="arn:aws:lambda:us-east-1:111111111111:function:ghost", Qualifier="$LATEST")[0] == "ResourceNotFoundException"
    lam.list_functions(FunctionVersion="ALL", MaxItems=3)
    role = "arn:aws:iam::111111111111:role/conformance"
    v1 = make_zip("def handler(e, c):\n    return 1\n")
    # Layers: a function may only name a version of its own account's layer that exists.
    layer = lam.publish_layer_version(LayerName="l", Content={"ZipFile": make_zip("x = 1\n")},
                                      CompatibleRuntimes=["python3.12"])
    assert layer["Version"] == 1 and layer["LayerVersionArn"] == "arn:aws:lambda:us-east-1:111111111111:layer:l:1", layer
    assert lam.get_layer_version_by_arn(Arn=layer["LayerVersionArn"])["Version"] == 1
    assert error_code(lam.get_layer_version_by_arn, Arn="arn:aws:lambda:us-east-1:111111111111:layer:l:2")[0] == "ResourceNotFoundException"
    assert error_code(lam.create_function, FunctionName="conf-nolayer", Runtime="python3.12", Role=role,
                      Handler="main.handler", Code={"ZipFile": v1},
                      Layers=["arn:aws:lambda:us-east-1:111111111111:layer:missing:1"])[0] == "InvalidParameterValueException"
    created = lam.create_function(FunctionName="conf-fn", Runtime="python3.12", Role=role, Handler="main.handler",
                                  Code={"ZipFile": v1}, Timeout=5, MemorySize=256,
                                  Environment={"Variables": {"STAGE": "dev"}}, Tags={"team": "qa"},
                                  Layers=["arn:aws:lambda:us-east-1:111111111111:layer:l:1"],
                                  DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:111111111111:dlq"},
                                  TracingConfig={"Mode": "Active"}, EphemeralStorage={"Size": 1024},
                                  Architectures=["arm64"])
    assert created["CodeSha256"] == code_sha(v1) and created["State"] == "Pending", created
    assert error_code(lam.create_function, FunctionName="conf-fn", Runtime="python3.12", Role=role,
                      Handler="main.handler", Code={"ZipFile": v1}) == ("ResourceConflictException", 409)
    assert error_code(lam.create_function, FunctionName="conf-bad", Runtime="python3.12", Role=role,
                      Handler="main.handler", Code={"ZipFile": v1}, Timeout=901)[0] == "InvalidParameterValueException"
    assert error_code(lam.create_function, FunctionName="conf-bad", Runtime="python3.12",
                      Role="arn:aws:iam::222222222222:role/other", Handler="main.handler",
                      Code={"ZipFile": v1})[0] == "InvalidParameterValueException"
    assert error_code(lam.create_function, FunctionName="conf-bad", Runtime="python3.12", Role=role,
                      Handler="main.handler", Code={"ZipFile": b"not a zip"})[0] == "InvalidParameterValueException"
    wait_updated(lam, "conf-fn")

    got = lam.get_function(FunctionName="conf-fn")
    assert got["Tags"] == {"team": "qa"}
    assert got["Configuration"]["Layers"][0]["Arn"].endswith(":layer:l:1")
    assert got["Configuration"]["EphemeralStorage"] == {"Size": 1024}
    # Asynchronous-invocation settings: none, set, read back, removed.
    assert error_code(lam.get_function_event_invoke_config, FunctionName="conf-fn")[0] == "ResourceNotFoundException"
    lam.put_function_event_invoke_config(FunctionName="conf-fn", MaximumRetryAttempts=1,
                                         DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:111111111111:dlq"}})
    eic = lam.get_function_event_invoke_config(FunctionName="conf-fn")
    assert eic["MaximumRetryAttempts"] == 1 and eic["DestinationConfig"]["OnFailure"]["Destination"].endswith(":dlq"), eic
    assert error_code(lam.put_function_event_invoke_config, FunctionName="conf-fn", MaximumRetryAttempts=3)[0] in ("ValidationException", "ParamValidationError", "InvalidParameterValueException")
    lam.delete_function_event_invoke_config(FunctionName="conf-fn")
    assert error_code(lam.get_function_event_invoke_config, FunctionName="conf-fn")[0] == "ResourceNotFoundException"
    with urllib.request.urlopen(got["Code"]["Location"]) as r:
        assert code_sha(r.read()) == got["Configuration"]["CodeSha256"]

    # An update leaves LastUpdateStatus InProgress; a second update must wait for it.
    upd = lam.update_function_configuration(FunctionName="conf-fn", Timeout=30, Environment={"Variables": {"STAGE": "qa"}})
    assert upd["LastUpdateStatus"] == "InProgress", upd
    assert error_code(lam.update_function_configuration, FunctionName="conf-fn", Timeout=31)[0] == "ResourceConflictException"
    wait_updated(lam, "conf-fn")
    v2 = make_zip("def handler(e, c):\n    return 2\n")
    assert lam.update_function_code(FunctionName="conf-fn", ZipFile=v2)["CodeSha256"] == code_sha(v2)
    wait_updated(lam, "conf-fn")

    p1 = lam.publish_version(FunctionName="conf-fn", Description="first")
    assert p1["Version"] == "1" and p1["FunctionArn"].endswith(":conf-fn:1")
    assert lam.publish_version(FunctionName="conf-fn")["Version"] == "1", "unchanged code publishes no new version"
    lam.update_function_configuration(FunctionName="conf-fn", MemorySize=512)
    wait_updated(lam, "conf-fn")
    assert lam.publish_version(FunctionName="conf-fn")["Version"] == "2"
    page = lam.list_versions_by_function(FunctionName="conf-fn", MaxItems=2)
    assert [v["Version"] for v in page["Versions"]] == ["$LATEST", "1"] and "NextMarker" in page
    rest = lam.list_versions_by_function(FunctionName="conf-fn", Marker=page["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["2"] and "NextMarker" not in rest

    alias = lam.create_alias(FunctionName="conf-fn", Name="live", FunctionVersion="1")
    assert alias["AliasArn"].endswith(":conf-fn:live")
    assert error_code(lam.create_alias, FunctionName="conf-fn", Name="bad", FunctionVersion="9")[0] == "ResourceNotFoundException"
    lam.update_alias(FunctionName="conf-fn", Name="live", FunctionVersion="2",
                     RoutingConfig={"AdditionalVersionWeights": {"1": 0.1}})
    assert lam.get_alias(FunctionName="conf-fn", Name="live")["FunctionVersion"] == "2"
    assert [a["Name"] for a in lam.list_aliases(FunctionName="conf-fn")["Aliases"]] == ["live"]
    assert lam.get_function(FunctionName="conf-fn", Qualifier="live")["Configuration"]["Version"] == "2"

    arn = got["Configuration"]["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"stage": "dev"})
    lam.untag_resource(Resource=arn, TagKeys=["team"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"stage": "dev"}

    assert lam.put_function_concurrency(FunctionName="conf-fn", ReservedConcurrentExecutions=7)["ReservedConcurrentExecutions"] == 7
    assert lam.get_function_concurrency(FunctionName="conf-fn")["ReservedConcurrentExecutions"] == 7
    assert error_code(lam.put_function_concurrency, FunctionName="conf-fn", ReservedConcurrentExecutions=950)[0] == "InvalidParameterValueException"
    lam.delete_function_concurrency(FunctionName="conf-fn")
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="conf-fn")

    assert error_code(lam.get_policy, FunctionName="conf-fn")[0] == "ResourceNotFoundException"
    st = lam.add_permission(FunctionName="conf-fn", StatementId="connect", Action="lambda:InvokeFunction",
                            Principal="connect.amazonaws.com",
                            SourceArn="arn:aws:connect:us-east-1:111111111111:instance/abc", SourceAccount="111111111111")
    assert json.loads(st["Statement"])["Condition"]["ArnLike"]["AWS:SourceArn"].endswith("instance/abc")
    assert error_code(lam.add_permission, FunctionName="conf-fn", StatementId="connect", Action="lambda:InvokeFunction",
                      Principal="connect.amazonaws.com")[0] == "ResourceConflictException"
    policy = json.loads(lam.get_policy(FunctionName="conf-fn")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["connect"]
    lam.remove_permission(FunctionName="conf-fn", StatementId="connect")
    assert error_code(lam.remove_permission, FunctionName="conf-fn", StatementId="connect")[0] == "ResourceNotFoundException"

    for i in range(3):
        lam.create_function(FunctionName=f"conf-page-{i}", Runtime="python3.12", Role=role, Handler="main.handler", Code={"ZipFile": v1})
    names = [f["FunctionName"] for p in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}) for f in p["Functions"]]
    assert names == ["conf-fn", "conf-page-0", "conf-page-1", "conf-page-2"], names
    assert error_code(lam.list_functions, Marker="garbage")[0] == "InvalidParameterValueException"
    everything = [(f["FunctionName"], f["Version"]) for f in lam.list_functions(FunctionVersion="ALL")["Functions"]]
    assert everything[:3] == [("conf-fn", "$LATEST"), ("conf-fn", "1"), ("conf-fn", "2")], everything

    assert error_code(lam.delete_function, FunctionName="conf-fn", Qualifier="2")[0] == "ResourceConflictException"
    lam.delete_function(FunctionName="conf-fn")
    assert error_code(lam.get_function, FunctionName="conf-fn") == ("ResourceNotFoundException", 404)

    # --- Lex V2 models -------------------------------------------------------------------
    lex = client("lexv2-models", *session)
    bot_role = "arn:aws:iam::111111111111:role/lex-bot"
    # A bot is Creating for a while, as in AWS: changes wait until it is Available.
    sandbox_clock(stopped=True)
    created = lex.create_bot(botName="ConfBot", roleArn=bot_role, dataPrivacy={"childDirected": False},
                             idleSessionTTLInSeconds=300, botTags={"team": "qa"})
    bot_id = created["botId"]
    assert created["botStatus"] == "Creating" and len(bot_id) == 10
    assert error_code(lex.create_bot, botName="ConfBot", roleArn=bot_role, dataPrivacy={"childDirected": False},
                      idleSessionTTLInSeconds=300)[0] == "PreconditionFailedException"
    assert error_code(lex.create_bot, botName="Bad Name", roleArn=bot_role, dataPrivacy={"childDirected": False},
                      idleSessionTTLInSeconds=300)[0] == "ValidationException"
    assert lex.describe_bot(botId=bot_id)["botStatus"] == "Creating"
    assert [b["botStatus"] for b in lex.list_bots()["botSummaries"]] == ["Creating"]
    assert error_code(lex.update_bot, botId=bot_id, botName="ConfBot", roleArn=bot_role, dataPrivacy={"childDirected": False},
                      idleSessionTTLInSeconds=600)[0] == "PreconditionFailedException"
    sandbox_clock(advance_ms=SETTLE_MS)
    assert lex.describe_bot(botId=bot_id)["botStatus"] == "Available"
    sandbox_clock(stopped=False)
    lex.update_bot(botId=bot_id, botName="ConfBot", description="updated", roleArn=bot_role,
                   dataPrivacy={"childDirected": False}, idleSessionTTLInSeconds=600)
    assert lex.describe_bot(botId=bot_id)["idleSessionTTLInSeconds"] == 600
    lex.tag_resource(resourceARN=f"arn:aws:lex:us-east-1:111111111111:bot/{bot_id}", tags={"stage": "dev"})
    assert [b["botName"] for b in lex.list_bots()["botSummaries"]] == ["ConfBot"]
    assert lex.list_tags_for_resource(resourceARN=f"arn:aws:lex:us-east-1:111111111111:bot/{bot_id}")["tags"] == {"team": "qa", "stage": "dev"}
    lex.untag_resource(resourceARN=f"arn:aws:lex:us-east-1:111111111111:bot/{bot_id}", tagKeys=["stage"])
    assert lex.list_tags_for_resource(resourceARN=f"arn:aws:lex:us-east-1:111111111111:bot/{bot_id}")["tags"] == {"team": "qa"}

    # A LexJson archive imported over the empty bot, as a promotion does.
    archive = io.BytesIO()
    intent = {"name": "Greet", "identifier": "GREET00001", "sampleUtterances": [{"utterance": "hello"}]}
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("Manifest.json", json.dumps({"metadata": {"schemaVersion": "1", "fileFormat": "LexJson", "resourceType": "Bot"}}))
        z.writestr("ConfBot/Bot.json", json.dumps({"name": "ConfBot", "version": "DRAFT", "description": "imported", "dataPrivacy": {"childDirected": False}, "idleSessionTTLInSeconds": 300}))
        z.writestr("ConfBot/BotLocales/en_US/BotLocale.json", json.dumps({"identifier": "en_US", "nluConfidenceThreshold": 0.4, "voiceSettings": {"voiceId": "Danielle"}}))
        z.writestr("ConfBot/BotLocales/en_US/Intents/Greet/Intent.json", json.dumps(intent))
        z.writestr("ConfBot/BotLocales/en_US/Intents/Greet/Slots/Name/Slot.json", json.dumps({"name": "Name", "slotTypeName": "AMAZON.FirstName"}))
    upload = lex.create_upload_url()
    put = urllib.request.Request(upload["uploadUrl"], data=archive.getvalue(), method="PUT")
    assert urllib.request.urlopen(put).status == 200
    started = lex.start_import(importId=upload["importId"], mergeStrategy="Overwrite",
                               resourceSpecification={"botImportSpecification": {"botName": "ConfBot", "roleArn": bot_role,
                                                      "dataPrivacy": {"childDirected": False}, "idleSessionTTLInSeconds": 300}})
    assert started["importStatus"] == "InProgress"
    for _ in patience():
        imp = lex.describe_import(importId=upload["importId"])
        if imp["importStatus"] != "InProgress":
            break
        time.sleep(0.02)
    assert imp["importStatus"] == "Completed" and imp["importedResourceId"] == bot_id, imp

    loc = lex.describe_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="en_US")
    assert loc["botLocaleStatus"] == "NotBuilt" and loc["intentsCount"] == 1, loc
    assert error_code(lex.create_bot_version, botId=bot_id,
                      botVersionLocaleSpecification={"en_US": {"sourceBotVersion": "DRAFT"}})[0] == "PreconditionFailedException"
    assert lex.build_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="en_US")["botLocaleStatus"] == "Building"
    for _ in patience():
        loc = lex.describe_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="en_US")
        if loc["botLocaleStatus"] != "Building":
            break
        time.sleep(0.02)
    assert loc["botLocaleStatus"] == "Built", loc
    assert [l["localeId"] for l in lex.list_bot_locales(botId=bot_id, botVersion="DRAFT")["botLocaleSummaries"]] == ["en_US"]
    intents = lex.list_intents(botId=bot_id, botVersion="DRAFT", localeId="en_US")["intentSummaries"]
    assert [(i["intentId"], i["intentName"]) for i in intents] == [("GREET00001", "Greet")], intents
    greet = lex.describe_intent(botId=bot_id, botVersion="DRAFT", localeId="en_US", intentId="GREET00001")
    assert greet["sampleUtterances"] == [{"utterance": "hello"}]
    slots = lex.list_slots(botId=bot_id, botVersion="DRAFT", localeId="en_US", intentId="GREET00001")["slotSummaries"]
    assert [(s["slotName"], s["slotTypeId"]) for s in slots] == [("Name", "AMAZON.FirstName")], slots
    assert lex.describe_slot(botId=bot_id, botVersion="DRAFT", localeId="en_US", intentId="GREET00001", slotId=slots[0]["slotId"])["slotName"] == "Name"
    assert lex.list_slot_types(botId=bot_id, botVersion="DRAFT", localeId="en_US")["slotTypeSummaries"] == []
    assert error_code(lex.describe_slot_type, botId=bot_id, botVersion="DRAFT", localeId="en_US", slotTypeId="NOPE000000")[0] == "ResourceNotFoundException"
    # A version is Versioning for a while; no alias may point at it until it is Available.
    sandbox_clock(stopped=True)
    ver = lex.create_bot_version(botId=bot_id, botVersionLocaleSpecification={"en_US": {"sourceBotVersion": "DRAFT"}})
    assert ver["botVersion"] == "1" and ver["botStatus"] == "Versioning"
    assert lex.describe_bot_version(botId=bot_id, botVersion="1")["botStatus"] == "Versioning"
    assert error_code(lex.create_bot_alias, botId=bot_id, botAliasName="early", botVersion="1")[0] == "PreconditionFailedException"
    sandbox_clock(advance_ms=SETTLE_MS)
    assert lex.describe_bot_version(botId=bot_id, botVersion="1")["botStatus"] == "Available"
    assert [v["botVersion"] for v in lex.list_bot_versions(botId=bot_id)["botVersionSummaries"]] == ["DRAFT", "1"]

    hook = {"lambdaCodeHook": {"lambdaARN": "arn:aws:lambda:us-east-1:111111111111:function:conf-page-0", "codeHookInterfaceVersion": "1.0"}}
    alias = lex.create_bot_alias(botId=bot_id, botAliasName="live", botVersion="1",
                                 botAliasLocaleSettings={"en_US": {"enabled": True, "codeHookSpecification": hook}})
    alias_id = alias["botAliasId"]
    assert alias["botAliasStatus"] == "Creating"
    assert lex.describe_bot_alias(botId=bot_id, botAliasId=alias_id)["botAliasStatus"] == "Creating"
    sandbox_clock(advance_ms=SETTLE_MS)
    assert lex.describe_bot_alias(botId=bot_id, botAliasId=alias_id)["botAliasStatus"] == "Available"
    sandbox_clock(stopped=False)
    assert error_code(lex.create_bot_alias, botId=bot_id, botAliasName="live", botVersion="1")[0] == "ConflictException"
    assert error_code(lex.create_bot_alias, botId=bot_id, botAliasName="other", botVersion="7")[0] == "ResourceNotFoundException"
    described = lex.describe_bot_alias(botId=bot_id, botAliasId=alias_id)
    assert described["botAliasLocaleSettings"]["en_US"]["codeHookSpecification"] == hook and described["botVersion"] == "1"
    lex.update_bot_alias(botId=bot_id, botAliasId=alias_id, botAliasName="live", botVersion="DRAFT")
    assert lex.describe_bot_alias(botId=bot_id, botAliasId=alias_id)["botVersion"] == "DRAFT"
    assert sorted(a["botAliasName"] for a in lex.list_bot_aliases(botId=bot_id)["botAliasSummaries"]) == ["TestBotAlias", "live"]
    lex.update_bot_alias(botId=bot_id, botAliasId=alias_id, botAliasName="live", botVersion="1")
    assert error_code(lex.delete_bot_version, botId=bot_id, botVersion="1")[0] == "PreconditionFailedException"

    # An export is InProgress for a while, with no download URL until it is Completed.
    sandbox_clock(stopped=True)
    export = lex.create_export(resourceSpecification={"botExportSpecification": {"botId": bot_id, "botVersion": "1"}}, fileFormat="LexJson")
    assert export["exportStatus"] == "InProgress"
    pending = lex.describe_export(exportId=export["exportId"])
    assert pending["exportStatus"] == "InProgress" and "downloadUrl" not in pending, pending
    sandbox_clock(advance_ms=SETTLE_MS)
    done = lex.describe_export(exportId=export["exportId"])
    assert done["exportStatus"] == "Completed"
    sandbox_clock(stopped=False)
    with urllib.request.urlopen(done["downloadUrl"]) as r:
        names = sorted(zipfile.ZipFile(io.BytesIO(r.read())).namelist())
    assert names == ["ConfBot/Bot.json", "ConfBot/BotLocales/en_US/BotLocale.json", "ConfBot/BotLocales/en_US/Intents/Greet/Intent.json",
                     "ConfBot/BotLocales/en_US/Intents/Greet/Slots/Name/Slot.json", "Manifest.json"], names

    # A file that is not a Lex export fails the import, and the bot is left as it was.
    bad = lex.create_upload_url()
    urllib.request.urlopen(urllib.request.Request(bad["uploadUrl"], data=b"not a zip", method="PUT"))
    lex.start_import(importId=bad["importId"], mergeStrategy="Overwrite",
                     resourceSpecification={"botImportSpecification": {"botName": "ConfBot", "roleArn": bot_role,
                                            "dataPrivacy": {"childDirected": False}}})
    for _ in patience():
        imp = lex.describe_import(importId=bad["importId"])
        if imp["importStatus"] != "InProgress":
            break
        time.sleep(0.02)
    assert imp["importStatus"] == "Failed" and imp["failureReasons"], imp
    assert lex.describe_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="en_US")["intentsCount"] == 1
    assert error_code(lex.describe_bot, botId="NOSUCHBOT0") == ("ResourceNotFoundException", 404)
    # Deletes pass through Deleting, as in AWS: the bot (an alias, a version) is still there,
    # and cannot be changed, until it is gone.
    sandbox_clock(stopped=True)
    spare = lex.create_bot(botName="SpareBot", roleArn=bot_role, dataPrivacy={"childDirected": False}, idleSessionTTLInSeconds=300)
    sandbox_clock(advance_ms=SETTLE_MS)
    spare_alias = lex.create_bot_alias(botId=spare["botId"], botAliasName="gone", botVersion="DRAFT")["botAliasId"]
    sandbox_clock(advance_ms=SETTLE_MS)
    assert lex.delete_bot_alias(botId=spare["botId"], botAliasId=spare_alias, skipResourceInUseCheck=True)["botAliasStatus"] == "Deleting"
    assert lex.describe_bot_alias(botId=spare["botId"], botAliasId=spare_alias)["botAliasStatus"] == "Deleting"
    sandbox_clock(advance_ms=SETTLE_MS)
    assert error_code(lex.describe_bot_alias, botId=spare["botId"], botAliasId=spare_alias)[0] == "ResourceNotFoundException"
    assert lex.delete_bot(botId=spare["botId"], skipResourceInUseCheck=True)["botStatus"] == "Deleting"
    assert lex.describe_bot(botId=spare["botId"])["botStatus"] == "Deleting"
    assert error_code(lex.create_bot, botName="SpareBot", roleArn=bot_role, dataPrivacy={"childDirected": False},
                      idleSessionTTLInSeconds=300)[0] == "PreconditionFailedException"
    sandbox_clock(advance_ms=SETTLE_MS)
    assert error_code(lex.describe_bot, botId=spare["botId"])[0] == "ResourceNotFoundException"
    sandbox_clock(stopped=False)

    # --- Connect -------------------------------------------------------------------------
    con = client("connect", *session)
    instances = con.list_instances()["InstanceSummaryList"]
    assert [(i["InstanceAlias"], i["InstanceStatus"]) for i in instances] == [("acme-dev", "ACTIVE")], instances
    iid = instances[0]["Id"]
    assert con.describe_instance(InstanceId=iid)["Instance"]["Arn"].endswith(f":instance/{iid}")
    assert error_code(con.describe_instance, InstanceId="nope") == ("ResourceNotFoundException", 404)
    # A new instance has what AWS puts in every one, and those items cannot be deleted.
    default_flows = {f["Name"]: f for f in con.list_contact_flows(InstanceId=iid)["ContactFlowSummaryList"]}
    assert {"Default customer queue", "Default customer hold", "Default customer whisper", "Default agent hold",
            "Default agent whisper", "Default agent transfer", "Default queue transfer", "Default outbound"} <= set(default_flows)
    assert default_flows["Default customer queue"]["ContactFlowType"] == "CUSTOMER_QUEUE"
    default_queues = {q["Name"]: q for q in con.list_queues(InstanceId=iid)["QueueSummaryList"]}
    assert set(default_queues) == {"BasicQueue"}
    assert [h["Name"] for h in con.list_hours_of_operations(InstanceId=iid)["HoursOfOperationSummaryList"]] == ["Basic Hours"]
    basic_profile = con.list_routing_profiles(InstanceId=iid)["RoutingProfileSummaryList"]
    assert [r["Name"] for r in basic_profile] == ["Basic Routing Profile"]
    assert [q["QueueName"] for q in con.list_routing_profile_queues(
        InstanceId=iid, RoutingProfileId=basic_profile[0]["Id"])["RoutingProfileQueueConfigSummaryList"]] == ["BasicQueue", "BasicQueue"]
    default_prompts = {p["Name"] for p in con.list_prompts(InstanceId=iid)["PromptSummaryList"]}
    assert {"CustomerQueue.wav", "CustomerHold.wav", "Beep.wav"} <= default_prompts
    assert error_code(con.delete_contact_flow, InstanceId=iid, ContactFlowId=default_flows["Default customer queue"]["Id"])[0] == "InvalidRequestException"
    assert error_code(con.delete_queue, InstanceId=iid, QueueId=default_queues["BasicQueue"]["Id"])[0] == "InvalidRequestException"
    hours = con.create_hours_of_operation(InstanceId=iid, Name="Office", TimeZone="UTC", Config=[
        {"Day": "MONDAY", "StartTime": {"Hours": 9, "Minutes": 0}, "EndTime": {"Hours": 17, "Minutes": 0}}])
    assert error_code(con.create_queue, InstanceId=iid, Name="Q", HoursOfOperationId="missing")[0] == "ResourceNotFoundException"
    queue = con.create_queue(InstanceId=iid, Name="Support", HoursOfOperationId=hours["HoursOfOperationId"], MaxContacts=10)
    assert error_code(con.create_queue, InstanceId=iid, Name="Support", HoursOfOperationId=hours["HoursOfOperationId"]) == ("DuplicateResourceException", 409)
    first = con.create_prompt(InstanceId=iid, Name="Greeting", S3Uri="s3://bucket/greeting.wav")
    url = con.get_prompt_file(InstanceId=iid, PromptId=first["PromptId"])["PromptPresignedUrl"]
    copied = con.create_prompt(InstanceId=iid, Name="Greeting copy", S3Uri=url)
    assert copied["PromptARN"].endswith(copied["PromptId"])
    queue_arn = queue["QueueArn"]
    content = json.dumps({"Version": "2019-10-30", "StartAction": "a", "Actions": [
        {"Identifier": "a", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": queue_arn}, "Transitions": {"NextAction": "b"}},
        {"Identifier": "b", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]})
    module = con.create_contact_flow_module(InstanceId=iid, Name="Common", Content=content)
    assert con.describe_contact_flow_module(InstanceId=iid, ContactFlowModuleId=module["Id"])["ContactFlowModule"]["Status"] == "PUBLISHED"
    flow = con.create_contact_flow(InstanceId=iid, Name="Entry", Type="CONTACT_FLOW", Content=content, Status="SAVED")
    fid = flow["ContactFlowId"]
    bad = content.replace(queue["QueueId"], "missing-queue")
    try:
        con.update_contact_flow_content(InstanceId=iid, ContactFlowId=fid, Content=bad)
        raise AssertionError("publishing a dangling reference must fail")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidContactFlowException" and e.response["problems"], e.response
    con.update_contact_flow_content(InstanceId=iid, ContactFlowId=f"{fid}:$SAVED", Content=bad)
    assert con.describe_contact_flow(InstanceId=iid, ContactFlowId=f"{fid}:$SAVED")["ContactFlow"]["Content"] == bad
    con.update_contact_flow_content(InstanceId=iid, ContactFlowId=fid, Content=content)
    described = con.describe_contact_flow(InstanceId=iid, ContactFlowId=fid)["ContactFlow"]
    assert described["Status"] == "PUBLISHED" and described["Content"] == content and described["State"] == "ACTIVE"
    con.update_contact_flow_metadata(InstanceId=iid, ContactFlowId=fid, Name="Entry point", Description="main")
    transfer = con.create_contact_flow(InstanceId=iid, Name="To Support", Type="QUEUE_TRANSFER", Content=content)
    qc = con.create_quick_connect(InstanceId=iid, Name="QC Support", QuickConnectConfig={
        "QuickConnectType": "QUEUE", "QueueConfig": {"QueueId": queue["QueueId"], "ContactFlowId": transfer["ContactFlowId"]}})
    assert error_code(con.associate_queue_quick_connects, InstanceId=iid, QueueId=queue["QueueId"], QuickConnectIds=[qc["QuickConnectId"]] * 51)[0] == "InvalidParameterException"
    con.associate_queue_quick_connects(InstanceId=iid, QueueId=queue["QueueId"], QuickConnectIds=[qc["QuickConnectId"]])
    assert [q["Name"] for q in con.list_queue_quick_connects(InstanceId=iid, QueueId=queue["QueueId"])["QuickConnectSummaryList"]] == ["QC Support"]
    rp = con.create_routing_profile(InstanceId=iid, Name="Agents", Description="all", DefaultOutboundQueueId=queue["QueueId"],
                                    MediaConcurrencies=[{"Channel": "VOICE", "Concurrency": 1}])
    ref = {"QueueReference": {"QueueId": queue["QueueId"], "Channel": "VOICE"}, "Priority": 1, "Delay": 0}
    assert error_code(con.associate_routing_profile_queues, InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"], QueueConfigs=[ref] * 11)[0] == "InvalidParameterException"
    def agents():
        return next(r for r in con.search_routing_profiles(InstanceId=iid)["RoutingProfiles"] if r["Name"] == "Agents")
    assert agents()["AssociatedQueueIds"] == []
    modified = agents()["LastModifiedTime"]
    time.sleep(0.01)
    con.associate_routing_profile_queues(InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"], QueueConfigs=[ref])
    assert con.list_routing_profile_queues(InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"])["RoutingProfileQueueConfigSummaryList"][0]["QueueName"] == "Support"
    described = con.describe_routing_profile(InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"])["RoutingProfile"]
    assert described["NumberOfAssociatedQueues"] == 1
    # As AWS documents: only Search carries AssociatedQueueIds; the association moves the time.
    assert "AssociatedQueueIds" not in described
    assert agents()["AssociatedQueueIds"] == [queue["QueueId"]] and agents()["LastModifiedTime"] > modified
    lambda_arn = "arn:aws:lambda:us-east-1:111111111111:function:conf-page-0"
    con.associate_lambda_function(InstanceId=iid, FunctionArn=lambda_arn)
    assert error_code(con.associate_lambda_function, InstanceId=iid, FunctionArn="arn:aws:lambda:us-east-1:111111111111:function:ghost")[0] == "InvalidRequestException"
    assert con.list_lambda_functions(InstanceId=iid)["LambdaFunctions"] == [lambda_arn]
    alias_arn = f"arn:aws:lex:us-east-1:111111111111:bot-alias/{bot_id}/{alias_id}"
    con.associate_bot(InstanceId=iid, LexV2Bot={"AliasArn": alias_arn})
    assert con.list_bots(InstanceId=iid, LexVersion="V2")["LexBots"] == [{"LexV2Bot": {"AliasArn": alias_arn}}]
    # List and Search calls: summaries, and full objects (flow content included).
    assert {f["Name"] for f in con.list_contact_flows(InstanceId=iid)["ContactFlowSummaryList"]} == {"Entry point", "To Support"} | set(default_flows)
    assert [m["Name"] for m in con.list_contact_flow_modules(InstanceId=iid)["ContactFlowModulesSummaryList"]] == ["Common"]
    assert {q["Name"] for q in con.list_queues(InstanceId=iid)["QueueSummaryList"]} == {"Support", "BasicQueue"}
    assert {h["Name"] for h in con.list_hours_of_operations(InstanceId=iid)["HoursOfOperationSummaryList"]} == {"Office", "Basic Hours"}
    assert len(con.list_prompts(InstanceId=iid)["PromptSummaryList"]) == 2 + len(default_prompts)
    assert {r["Name"] for r in con.list_routing_profiles(InstanceId=iid)["RoutingProfileSummaryList"]} == {"Agents", "Basic Routing Profile"}
    assert [q["Name"] for q in con.list_quick_connects(InstanceId=iid)["QuickConnectSummaryList"]] == ["QC Support"]
    searched = con.search_contact_flows(InstanceId=iid, MaxResults=1)
    assert len(searched["ContactFlows"]) == 1 and "Content" in searched["ContactFlows"][0] and "NextToken" in searched
    assert error_code(con.search_contact_flows, InstanceId=iid, MaxResults=101)[0] in ("InvalidParameterException", "ValidationException")
    for call, key in [(con.search_queues, "Queues"), (con.search_hours_of_operations, "HoursOfOperations"), (con.search_prompts, "Prompts"),
                      (con.search_routing_profiles, "RoutingProfiles"), (con.search_quick_connects, "QuickConnects"), (con.search_contact_flow_modules, "ContactFlowModules")]:
        assert len(call(InstanceId=iid)[key]) >= 1, key
    # Updates and disassociations, as a deploy and a rollback use them.
    con.update_hours_of_operation(InstanceId=iid, HoursOfOperationId=hours["HoursOfOperationId"], Name="Office hours", TimeZone="Europe/London")
    assert con.describe_hours_of_operation(InstanceId=iid, HoursOfOperationId=hours["HoursOfOperationId"])["HoursOfOperation"]["TimeZone"] == "Europe/London"
    hours2 = con.create_hours_of_operation(InstanceId=iid, Name="Late", TimeZone="UTC", Config=[
        {"Day": "FRIDAY", "StartTime": {"Hours": 18, "Minutes": 0}, "EndTime": {"Hours": 23, "Minutes": 0}}])
    con.update_queue_hours_of_operation(InstanceId=iid, QueueId=queue["QueueId"], HoursOfOperationId=hours2["HoursOfOperationId"])
    con.update_queue_max_contacts(InstanceId=iid, QueueId=queue["QueueId"], MaxContacts=25)
    con.update_queue_name(InstanceId=iid, QueueId=queue["QueueId"], Name="Support", Description="renamed")
    con.update_queue_outbound_caller_config(InstanceId=iid, QueueId=queue["QueueId"], OutboundCallerConfig={"OutboundCallerIdName": "Acme"})
    q = con.describe_queue(InstanceId=iid, QueueId=queue["QueueId"])["Queue"]
    assert (q["HoursOfOperationId"], q["MaxContacts"], q["Description"], q["OutboundCallerConfig"]["OutboundCallerIdName"]) == (hours2["HoursOfOperationId"], 25, "renamed", "Acme"), q
    con.create_queue(InstanceId=iid, Name="Billing", HoursOfOperationId=hours2["HoursOfOperationId"])
    assert error_code(con.update_queue_name, InstanceId=iid, QueueId=queue["QueueId"], Name="Billing") == ("DuplicateResourceException", 409)
    con.update_prompt(InstanceId=iid, PromptId=first["PromptId"], Description="new words", S3Uri=url)
    con.update_routing_profile_concurrency(InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"], MediaConcurrencies=[{"Channel": "VOICE", "Concurrency": 1}, {"Channel": "CHAT", "Concurrency": 3}])
    con.update_routing_profile_default_outbound_queue(InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"], DefaultOutboundQueueId=queue["QueueId"])
    con.update_routing_profile_name(InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"], Name="Agents", Description="all agents")
    con.update_routing_profile_queues(InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"], QueueConfigs=[{**ref, "Priority": 5}])
    assert con.list_routing_profile_queues(InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"])["RoutingProfileQueueConfigSummaryList"][0]["Priority"] == 5
    con.disassociate_routing_profile_queues(InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"], QueueReferences=[{"QueueId": queue["QueueId"], "Channel": "VOICE"}])
    assert con.list_routing_profile_queues(InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"])["RoutingProfileQueueConfigSummaryList"] == []
    con.update_quick_connect_name(InstanceId=iid, QuickConnectId=qc["QuickConnectId"], Name="QC Support", Description="to support")
    con.update_quick_connect_config(InstanceId=iid, QuickConnectId=qc["QuickConnectId"], QuickConnectConfig={"QuickConnectType": "PHONE_NUMBER", "PhoneConfig": {"PhoneNumber": "+15555550100"}})
    assert con.describe_quick_connect(InstanceId=iid, QuickConnectId=qc["QuickConnectId"])["QuickConnect"]["QuickConnectConfig"]["QuickConnectType"] == "PHONE_NUMBER"
    con.disassociate_queue_quick_connects(InstanceId=iid, QueueId=queue["QueueId"], QuickConnectIds=[qc["QuickConnectId"]])
    assert con.list_queue_quick_connects(InstanceId=iid, QueueId=queue["QueueId"])["QuickConnectSummaryList"] == []
    con.tag_resource(resourceArn=queue_arn, tags={"team": "support"})
    con.untag_resource(resourceArn=queue_arn, tagKeys=["team"])
    con.tag_resource(resourceArn=queue_arn, tags={"stage": "dev"})
    assert con.describe_queue(InstanceId=iid, QueueId=queue["QueueId"])["Queue"]["Tags"] == {"stage": "dev"}
    con.disassociate_lambda_function(InstanceId=iid, FunctionArn=lambda_arn)
    assert con.list_lambda_functions(InstanceId=iid)["LambdaFunctions"] == []
    con.disassociate_bot(InstanceId=iid, LexV2Bot={"AliasArn": alias_arn})
    assert con.list_bots(InstanceId=iid, LexVersion="V2")["LexBots"] == []
    con.update_contact_flow_module_content(InstanceId=iid, ContactFlowModuleId=module["Id"], Content=content.replace('"a"', '"start"'))
    con.update_contact_flow_module_metadata(InstanceId=iid, ContactFlowModuleId=module["Id"], Name="Common", Description="shared", State="ACTIVE")
    m = con.describe_contact_flow_module(InstanceId=iid, ContactFlowModuleId=module["Id"])["ContactFlowModule"]
    assert ('"start"' in m["Content"], m["Description"]) == (True, "shared"), m
    # A flow never published has only saved content: saving replaces it.
    stub = con.create_contact_flow(InstanceId=iid, Name="Stub", Type="CONTACT_FLOW", Content=content, Status="SAVED")
    con.update_contact_flow_content(InstanceId=iid, ContactFlowId=f"{stub['ContactFlowId']}:$SAVED", Content=bad)
    s = con.describe_contact_flow(InstanceId=iid, ContactFlowId=stub["ContactFlowId"])["ContactFlow"]
    assert (s["Status"], s["Content"]) == ("SAVED", bad), s
    con.delete_routing_profile(InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"])
    billing = [q for q in con.list_queues(InstanceId=iid)["QueueSummaryList"] if q["Name"] == "Billing"][0]
    con.delete_queue(InstanceId=iid, QueueId=billing["Id"])
    con.delete_prompt(InstanceId=iid, PromptId=copied["PromptId"])
    con.delete_hours_of_operation(InstanceId=iid, HoursOfOperationId=hours["HoursOfOperationId"])
    assert {q["Name"] for q in con.list_queues(InstanceId=iid)["QueueSummaryList"]} == {"Support", "BasicQueue"}
    assert len(con.list_prompts(InstanceId=iid)["PromptSummaryList"]) == 1 + len(default_prompts)
    assert error_code(con.describe_routing_profile, InstanceId=iid, RoutingProfileId=rp["RoutingProfileId"])[0] == "ResourceNotFoundException"
    con.delete_quick_connect(InstanceId=iid, QuickConnectId=qc["QuickConnectId"])
    con.delete_contact_flow_module(InstanceId=iid, ContactFlowModuleId=module["Id"])
    assert error_code(con.describe_quick_connect, InstanceId=iid, QuickConnectId=qc["QuickConnectId"])[0] == "ResourceNotFoundException"
    con.delete_contact_flow(InstanceId=iid, ContactFlowId=fid)
    assert error_code(con.describe_contact_flow, InstanceId=iid, ContactFlowId=fid)[0] == "ResourceNotFoundException"

    # Quotas: past 15 control-plane calls per second the sandbox answers 429 as Lambda does.
    control("PUT", "quotas", {"enabled": True})
    strict = client("lambda", *session, config=NO_RETRY)
    def attempt(_):
        try:
            strict.list_functions()
        except ClientError as e:
            return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        return None

    # With the sandbox's clock stopped the bucket does not refill: exactly the burst of 15 goes
    # through, however long the 80 calls take.
    sandbox_clock(stopped=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(attempt, range(80)))
    sandbox_clock(stopped=False)
    assert codes.count(("TooManyRequestsException", 429)) == 80 - 15, codes
    control("PUT", "quotas", {"enabled": False})

    # Connect: a bucket per operation by default (2/s, burst 5, as its API reference states),
    # or, switched, one bucket per account + region for every operation. Clock stopped again.
    control("PUT", "quotas", {"enabled": True})
    strict_con = client("connect", *session, config=NO_RETRY)
    def connect_code(call):
        try:
            call(InstanceId=iid)
        except ClientError as e:
            return (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        return None
    sandbox_clock(stopped=True)
    per_op = [connect_code(strict_con.list_queues) for _ in range(5)] + [connect_code(strict_con.list_prompts) for _ in range(5)]
    assert per_op == [None] * 10, per_op
    assert connect_code(strict_con.list_queues) == ("ThrottlingException", 429)
    control("PUT", "quotas", {"connect": {"mode": "shared"}})
    shared = [connect_code(strict_con.list_queues if i % 2 else strict_con.list_prompts) for i in range(6)]
    assert shared == [None] * 5 + [("ThrottlingException", 429)], shared
    control("PUT", "quotas", {"enabled": False, "connect": {"mode": "per_operation"}})
    sandbox_clock(stopped=False)

    # Fault injection: the next GetFunctionConfiguration fails as asked, the one after works.
    control("POST", "faults", {"service": "lambda", "operation": "GetFunctionConfiguration", "status": 503,
                               "error_code": "ServiceException", "message": "injected"})
    assert error_code(strict.get_function_configuration, FunctionName="conf-page-0") == ("ServiceException", 503)
    strict.get_function_configuration(FunctionName="conf-page-0")
    counters = json.loads(control("GET", "counters").read())
    assert counters["lambda:GetFunctionConfiguration"]["faulted"] == 1, counters
    assert counters["lambda:ListFunctions"]["throttled"] >= 1, counters
    # --- IAM, SQS, SNS: what a promotion checks a function's role and DLQ against --------
    iam = client("iam", *session)
    assert error_code(iam.get_role, RoleName="conf-role") == ("NoSuchEntity", 404)
    iam.create_role(RoleName="conf-role", AssumeRolePolicyDocument="{}")
    assert iam.get_role(RoleName="conf-role")["Role"]["Arn"] == "arn:aws:iam::111111111111:role/conf-role"
    sqs = client("sqs", *session)
    assert error_code(sqs.get_queue_url, QueueName="conf-q")[0] in ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")
    url = sqs.create_queue(QueueName="conf-q")["QueueUrl"]
    assert url == "https://sqs.us-east-1.amazonaws.com/111111111111/conf-q", url
    assert sqs.get_queue_url(QueueName="conf-q", QueueOwnerAWSAccountId="111111111111")["QueueUrl"] == url
    sns = client("sns", *session)
    topic = "arn:aws:sns:us-east-1:111111111111:conf-t"
    assert error_code(sns.get_topic_attributes, TopicArn=topic) == ("NotFound", 404)
    assert sns.create_topic(Name="conf-t")["TopicArn"] == topic
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["TopicArn"] == topic

    print("boto3 conformance: all checks passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        import traceback
        traceback.print_exc()
        sys.exit(1)
