"""`binance-doctor signature verify|sign` through the CLI: one test per mistake it can name."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from binance_doctor.signature import signing
from binance_doctor.failure import ExitCode
from binance_doctor.signature.mistake import Kind
from support import private_pem, run_cli, signature_vectors
from support import check_golden

SPOT, _, USDM = signature_vectors()
SECRET, API_KEY = SPOT["secret"], SPOT["api_key"]
URL = "https://api.binance.com/api/v3/order"
BASE = SPOT["query"]                       # the LTCBTC order, 8 parameters
ENV = {"BINANCE_API_SECRET": SECRET}


@pytest.fixture(autouse=True)
def _no_real_credentials(monkeypatch):
    for name in ("BINANCE_API_KEY", "BINANCE_API_SECRET", "BINANCE_PRIVATE_KEY_FILE",
                 "BINANCE_PRIVATE_KEY_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)


def hmac_hex(payload: str, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def verify(*args: str, env: dict | None = None, input: str | None = None):
    """Run verify twice (plain and --json); check no secret leaks; return (run, result)."""
    env = ENV if env is None else env
    plain = run_cli("signature", "verify", *args, env=env, input=input)
    run = run_cli("signature", "verify", *args, "--json", env=env, input=input)
    for r in (plain, run):
        for secret in (SECRET, API_KEY, *(v for k, v in env.items() if "SECRET" in k)):
            assert secret not in r.stdout and secret not in r.stderr
        assert "Traceback" not in r.stderr
    assert plain.code == run.code
    return plain, (run.json()["result"] if run.stdout.startswith("{") else None)


def kinds(result: dict) -> list[str]:
    return [m["kind"] for m in result["mistakes"]]


def assert_named(kind: Kind, *args: str, env: dict | None = None, input: str | None = None,
                 detail: str | None = None) -> dict:
    plain, result = verify(*args, env=env, input=input)
    assert plain.code == ExitCode.SIGNATURE_MISMATCH, plain.stderr
    assert kinds(result)[0] == kind.value, kinds(result)
    assert f"Mistake: {kind.title}" in plain.stdout
    if detail:
        assert detail in result["mistakes"][0]["detail"]
    return result


# -- official vectors and correct requests ---------------------------------------------

@pytest.mark.parametrize("vector", signature_vectors(), ids=lambda v: v["name"])
def test_official_vector_verifies_and_signs(vector):
    env = {"BINANCE_API_SECRET": vector["secret"]}
    plain, result = verify(f"{vector['url']}&signature={vector['signature']}", env=env)
    assert plain.code == ExitCode.OK and result["correct"] is True
    assert "Signature is correct" in plain.stdout
    sign = run_cli("signature", "sign", "--query", vector["query"], "--json", env=env)
    assert sign.code == 0
    out = sign.json()["result"]
    assert out["payload"] == vector["payload"] and out["signature"] == vector["signature"]
    assert "$BINANCE_API_KEY" in out["curl"] and vector["secret"] not in sign.stdout


def test_upper_case_hmac_signature_is_still_correct():
    plain, _ = verify(f"{SPOT['url']}&signature={SPOT['signature'].upper()}")
    assert plain.code == ExitCode.OK


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_rsa_and_ed25519_round_trip_through_sign_and_verify(tmp_path, kind):
    pem = tmp_path / "key.pem"
    pem.write_bytes(private_pem(kind))
    signed = run_cli("signature", "sign", f"{URL}?{BASE}", "--private-key", str(pem), "--json")
    out = signed.json()["result"]
    assert out["algorithm"] == kind and out["signature_sent_as"] == quote(out["signature"],
                                                                          safe="")
    plain, result = verify(f"{URL}?{BASE}&signature={out['signature_sent_as']}",
                           "--private-key", str(pem), env={})
    assert plain.code == ExitCode.OK and result["algorithm"] == kind
    assert "PRIVATE KEY" not in plain.stdout


def test_no_known_mistake_points_to_check_key():
    plain, result = verify(f"{URL}?{BASE}&signature={hmac_hex(BASE, 'another-secret')}")
    assert plain.code == ExitCode.SIGNATURE_MISMATCH
    assert result["mistakes"] == [] and result["dig"] == "binance-doctor check-key"
    # 8 parameters have 40,320 orders, not all tried: the secret is not blamed yet.
    assert "the secret is not to blame yet" in plain.stdout and "Not covered" in plain.stdout
    assert "binance-doctor check-key" in plain.stdout
    assert result["expected"]["signature"] == SPOT["signature"]
    assert result["variants_tried"] > 1000


# -- one test per mistake class ----------------------------------------------------------

def test_unencoded_payload_signed():
    raw = "symbol=１２３４５６&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&" \
          "recvWindow=5000&timestamp=1499827319559"
    sent = signature_vectors()[1]["url"]
    result = assert_named(Kind.UNENCODED_PAYLOAD, f"{sent}&signature={hmac_hex(raw)}")
    assert result["mistakes"][0]["signed"] == raw
    diff = {d["param"]: d for d in result["mistakes"][0]["diff"]}
    assert diff["symbol"]["signed"] == "１２３４５６" and diff["symbol"]["change"] == "changed"


def test_double_encoded_payload_signed():
    sent = signature_vectors()[1]["url"]
    twice = quote(signature_vectors()[1]["payload"], safe="&=")
    assert_named(Kind.DOUBLE_ENCODED, f"{sent}&signature={hmac_hex(twice)}")


def test_parameters_signed_sorted():
    signed = "&".join(sorted(BASE.split("&")))
    result = assert_named(Kind.ORDER, f"{URL}?{BASE}&signature={hmac_hex(signed)}",
                          detail="sorted by name")
    assert any(d["change"].startswith("moved") for d in result["mistakes"][0]["diff"])


def test_parameter_moved_is_an_order_mistake():
    signed = "timestamp=1499827319559&" + BASE.replace("&timestamp=1499827319559", "")
    assert_named(Kind.ORDER, f"{URL}?{BASE}&signature={hmac_hex(signed)}",
                 detail="timestamp first")


def test_recv_window_appended_after_signing():
    signed = BASE.replace("&recvWindow=5000", "")
    result = assert_named(Kind.PARAM_ADDED, f"{URL}?{BASE}&signature={hmac_hex(signed)}",
                          detail="recvWindow=5000 was not in the signed string")
    rows = {d["param"]: d["change"] for d in result["mistakes"][0]["diff"]}
    assert rows["recvWindow"] == "not signed"


def test_parameter_signed_but_not_sent():
    sent = BASE.replace("&recvWindow=5000", "")
    assert_named(Kind.PARAM_NOT_SENT, f"{URL}?{sent}&signature={hmac_hex(BASE)}",
                 detail="recvWindow=5000 was signed but not sent")


def test_timestamp_refreshed_after_signing():
    signed = BASE.replace("1499827319559", "1499827318200")
    result = assert_named(Kind.PARAM_CHANGED, f"{URL}?{BASE}&signature={hmac_hex(signed)}",
                          detail="1359 ms earlier")
    rows = {d["param"]: d for d in result["mistakes"][0]["diff"]}
    assert rows["timestamp"]["signed"] == "1499827318200"


QUERY, BODY = "symbol=LTCBTC&side=BUY&type=LIMIT", \
    "timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"


def curl(signature: str) -> str:
    return (f"curl -s -H 'X-MBX-APIKEY: {API_KEY}' -X POST '{URL}?{QUERY}' \\\n"
            f"  -d '{BODY}&signature={signature}'")


@pytest.mark.parametrize("kind,signed", [
    (Kind.BODY_LEFT_OUT, QUERY),
    (Kind.QUERY_LEFT_OUT, BODY),
    (Kind.JOINED_WITH_AMPERSAND, f"{QUERY}&{BODY}"),
])
def test_query_and_body_mistakes_from_a_curl_command(kind, signed):
    result = assert_named(kind, curl(hmac_hex(signed)))
    assert result["request"]["source"] == "curl" and result["signature_location"] == "body"


def test_curl_with_the_right_signature_is_correct():
    plain, result = verify(curl(hmac_hex(QUERY + BODY)))
    assert plain.code == ExitCode.OK and result["expected"]["payload"] == QUERY + BODY


def test_signature_inside_the_signed_string():
    assert_named(Kind.SIGNATURE_SIGNED, f"{URL}?{BASE}&signature={hmac_hex(BASE + '&signature=')}")


def test_signature_not_last_with_params_after_it():
    signed = BASE.replace("&recvWindow=5000", "")
    sent = f"{URL}?{signed}&signature={hmac_hex(signed)}&recvWindow=5000"
    assert_named(Kind.SIGNATURE_NOT_LAST, sent, detail="recvWindow after it was not signed")


def test_float_rendered_differently():
    sent = BASE.replace("quantity=1", "quantity=0.00001")
    signed = BASE.replace("quantity=1", "quantity=1e-05")
    assert_named(Kind.FLOAT_FORMAT, f"{URL}?{sent}&signature={hmac_hex(signed)}",
                 detail="quantity was signed as 1e-05")


def test_numbers_quoted_when_signed():
    signed = BASE.replace("price=0.1", "price=%220.1%22")
    assert_named(Kind.NUMBER_QUOTED, f"{URL}?{BASE}&signature={hmac_hex(signed)}",
                 detail='price as "0.1" was signed in quotes')


def test_json_body_is_named_and_the_form_body_is_the_fix():
    body = json.dumps({"symbol": "LTCBTC", "side": "BUY", "quantity": 1, "price": 0.1})
    query = "timestamp=1499827319559"
    command = (f"curl -X POST -H 'Content-Type: application/json' '{URL}?{query}&signature="
               f"{hmac_hex(query + body)}' -d '{body}'")
    result = assert_named(Kind.JSON_BODY, command)
    assert result["expected"]["body"] == "symbol=LTCBTC&side=BUY&quantity=1&price=0.1"
    assert any(m["detail"] == "the JSON text was signed as the body" for m in result["mistakes"])


@pytest.mark.parametrize("bad,detail", [(SECRET + "\n", "a trailing newline"),
                                        (SECRET + " ", "a trailing space"),
                                        (f'"{SECRET}"', "double quotes")])
def test_secret_with_whitespace_or_quotes(bad, detail):
    assert_named(Kind.SECRET_WHITESPACE, f"{URL}?{BASE}&signature={hmac_hex(BASE, bad)}",
                 detail=detail)


def test_truncated_secret():
    result = assert_named(Kind.SECRET_TRUNCATED,
                          f"{URL}?{BASE}&signature={hmac_hex(BASE, SECRET[:40])}",
                          detail="first 40 of the secret's 64 characters")
    assert SECRET[:40] not in json.dumps(result)


def test_case_changed_secret():
    assert_named(Kind.SECRET_CASE, f"{URL}?{BASE}&signature={hmac_hex(BASE, SECRET.upper())}",
                 detail="upper case")


def test_api_key_used_as_secret():
    sent = f"{URL}?{BASE}&signature={hmac_hex(BASE, API_KEY)}"
    assert_named(Kind.API_KEY_AS_SECRET, sent, "--api-key", API_KEY)
    assert_named(Kind.API_KEY_AS_SECRET,
                 f"curl -H 'X-MBX-APIKEY: {API_KEY}' '{sent}'")      # key from the header


def _ed25519_signature_with(tmp_path, char: str) -> tuple[str, str, str]:
    """An Ed25519 key file, and a query whose signature holds `char` (tries timestamps)."""
    pem = tmp_path / "ed.pem"
    pem.write_bytes(private_pem("ed25519"))
    key = signing.load_private_key(private_pem("ed25519"))
    for stamp in range(1499827319559, 1499827319559 + 500):
        query = BASE.replace("1499827319559", str(stamp))
        sig = signing.sign(key, query)
        if char in sig:
            return str(pem), query, sig
    raise AssertionError("no signature with that character")


def test_base64_signature_not_percent_encoded(tmp_path):
    pem, query, sig = _ed25519_signature_with(tmp_path, "+")
    result = assert_named(Kind.SIGNATURE_NOT_ENCODED, f"{URL}?{query}&signature={sig}",
                          "--private-key", pem, env={})
    assert result["signature_matches"] is True and " " in result["received_signature"]


def test_base64_signature_percent_encoded_twice(tmp_path):
    pem, query, sig = _ed25519_signature_with(tmp_path, "/")
    twice = quote(quote(sig, safe=""), safe="")
    assert_named(Kind.SIGNATURE_DOUBLE_ENCODED, f"{URL}?{query}&signature={twice}",
                 "--private-key", pem, env={})


def test_wrong_algorithm_hmac_base64(tmp_path):
    digest = hmac.new(SECRET.encode(), BASE.encode(), hashlib.sha256).digest()
    sig = quote(base64.b64encode(digest).decode(), safe="")
    assert_named(Kind.WRONG_ALGORITHM, f"{URL}?{BASE}&signature={sig}",
                 detail="base64-encoded instead of hex")


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_wrong_algorithm_hex_signature_for_an_asymmetric_key(tmp_path, kind):
    pem = tmp_path / "key.pem"
    pem.write_bytes(private_pem(kind))
    assert_named(Kind.WRONG_ALGORITHM, f"{URL}?{BASE}&signature={SPOT['signature']}",
                 "--private-key", str(pem), env={}, detail="shape of an HMAC-SHA256")


def test_every_mistake_kind_has_a_cli_test():
    """Exhaustiveness: each Kind is asserted by name in this module or the search tests."""
    source = open(__file__, encoding="utf-8").read() + open(
        __file__.replace("test_signature_verify", "test_signature_search"),
        encoding="utf-8").read()
    for kind in Kind:
        assert f"Kind.{kind.name}" in source.replace("Kind.{kind.name}", ""), kind


# -- input forms and bad input ------------------------------------------------------------

def test_query_and_body_options_and_stdin_agree():
    sig = hmac_hex(QUERY + BODY)
    by_options, _ = verify("--query", QUERY, "--body", f"{BODY}&signature={sig}")
    by_stdin, _ = verify(input=curl(sig))
    by_dash, _ = verify("-", input=f"{URL}?{BASE}&signature={SPOT['signature']}")
    assert by_options.code == by_stdin.code == by_dash.code == ExitCode.OK


def test_signature_given_separately():
    plain, _ = verify("--query", BASE, "--signature", SPOT["signature"])
    assert plain.code == ExitCode.OK


def test_no_signature_is_bad_input():
    run = run_cli("signature", "verify", f"{URL}?{BASE}", env=ENV)
    assert run.code == ExitCode.BAD_INPUT and "no signature" in run.stderr


def test_no_secret_is_secret_missing():
    run = run_cli("signature", "verify", f"{URL}?{BASE}&signature=ab", env={})
    assert run.code == ExitCode.SECRET_MISSING and "BINANCE_API_SECRET" in run.stderr


def test_secret_on_the_command_line_warns_and_is_never_printed():
    run = run_cli("signature", "sign", "--query", BASE, "--secret", SECRET, env={})
    assert run.code == 0 and "shell history" in run.stderr
    assert SECRET not in run.stdout + run.stderr and SPOT["signature"] in run.stdout


def test_url_and_query_together_is_a_usage_error():
    run = run_cli("signature", "verify", f"{URL}?{BASE}", "--query", BASE, env=ENV)
    assert run.code == ExitCode.USAGE


@pytest.mark.parametrize("text", ["curl -d @body.txt https://x/y", "curl 'unclosed",
                                  "curl -s", ""])
def test_unreadable_curl_commands_are_bad_input(text):
    run = run_cli("signature", "verify", text, env=ENV)
    assert run.code == ExitCode.BAD_INPUT and run.stderr.startswith("binance-doctor: error:")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), st.sampled_from(["", "curl ", "https://h/p?", "?"]))
def test_arbitrary_input_never_tracebacks(text, prefix):
    run = run_cli("signature", "verify", "--json", input=prefix + text, env=ENV)
    assert run.code in {ExitCode.OK, ExitCode.BAD_INPUT, ExitCode.SIGNATURE_MISMATCH}, run
    assert "Traceback" not in run.stderr and SECRET not in run.stdout + run.stderr


def test_golden_verify_screen():
    raw = "symbol=１２３４５６&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&" \
          "recvWindow=5000&timestamp=1499827319559"
    run = run_cli("signature", "verify", f"{signature_vectors()[1]['url']}&signature="
                  f"{hmac_hex(raw)}", env=ENV)
    check_golden("signature_verify_unencoded.txt", run.stdout)
