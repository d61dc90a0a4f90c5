"""The -1022 search by structure, through the CLI: each mistake from issue 16, and a property test.

Every request here is built the way a bot builds it (a dict, an encoder, a
retry), signed with one rendering and sent with another; `signature verify`
must name the mistake, never the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from binance_doctor.failure import ExitCode
from binance_doctor.signature.kinds import Kind
from support import run_cli, signature_vectors

SPOT = signature_vectors()[0]
SECRET = SPOT["secret"]
ENV = {"BINANCE_API_SECRET": SECRET}
URL = "https://api.binance.com/api/v3/order"
# An ordinary order, as a bot's dict holds it (the docs' table order).
ORDER = [("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"),
         ("quantity", "0.002"), ("price", "43250.5"), ("newClientOrderId", "bot-7"),
         ("recvWindow", "5000"), ("timestamp", "1764000000000")]


@pytest.fixture(autouse=True)
def _no_real_credentials(monkeypatch):
    for name in ("BINANCE_API_KEY", "BINANCE_API_SECRET", "BINANCE_PRIVATE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)


def sig(payload: str) -> str:
    return hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()


def q(pairs) -> str:
    return "&".join(f"{k}={v}" for k, v in pairs)


def verify(*args: str, input: str | None = None) -> tuple[int, dict, str]:
    run = run_cli("signature", "verify", *args, "--json", env=ENV, input=input)
    assert "Traceback" not in run.stderr and SECRET not in run.stdout + run.stderr
    return run.code, (run.json()["result"] if run.stdout.startswith("{") else {}), run.stderr


def kinds(result: dict) -> list[str]:
    return [m["kind"] for m in result["mistakes"]]


def named(kind: Kind, *args: str, input: str | None = None) -> dict:
    code, result, err = verify(*args, input=input)
    assert code == ExitCode.SIGNATURE_MISMATCH, err
    assert kind.value in kinds(result), kinds(result)
    assert result["unexplained"] is None
    return result


# -- orders -----------------------------------------------------------------------

def test_eight_parameters_signed_in_insertion_order_and_sent_sorted():
    pairs = ORDER[:5] + ORDER[6:]                      # 8 parameters
    sent = q(sorted(pairs))
    result = named(Kind.ORDER, f"{URL}?{sent}&signature={sig(q(pairs))}")
    assert "Binance's parameter tables" in result["mistakes"][0]["detail"]


@pytest.mark.parametrize("size", [10, 12])
def test_long_orders_with_one_parameter_moved(size):
    pairs = ORDER + [("stopPrice", "43000"), ("icebergQty", "0.001"),
                     ("newOrderRespType", "FULL")][:size - len(ORDER)]
    signed = pairs[:2] + [pairs[-1]] + pairs[2:-1]
    named(Kind.ORDER, f"{URL}?{q(pairs)}&signature={sig(q(signed))}")


# -- numbers --------------------------------------------------------------------------

def test_float_noise_signed_rounded_value_sent():
    noisy = repr(0.1 + 0.2)                            # 0.30000000000000004
    sent = q(ORDER).replace("price=43250.5", "price=0.3")
    signed = q(ORDER).replace("price=43250.5", f"price={noisy}")
    result = named(Kind.FLOAT_FORMAT, f"{URL}?{sent}&signature={sig(signed)}")
    assert noisy in result["mistakes"][0]["detail"]


def test_trailing_zeros_signed():
    signed = q(ORDER).replace("quantity=0.002", "quantity=0.00200000")
    named(Kind.FLOAT_FORMAT, f"{URL}?{q(ORDER)}&signature={sig(signed)}")


def test_two_of_three_numbers_quoted():
    pairs = ORDER + [("stopPrice", "43000")]
    signed = [(k, f"%22{v}%22" if k in ("quantity", "stopPrice") else v) for k, v in pairs]
    result = named(Kind.NUMBER_QUOTED, f"{URL}?{q(pairs)}&signature={sig(q(signed))}")
    assert "quantity" in result["mistakes"][0]["detail"]
    assert "stopPrice" in result["mistakes"][0]["detail"]


def test_every_string_value_json_dumped_when_signing():
    strings = {"symbol", "side", "type", "timeInForce", "newClientOrderId"}
    signed = urlencode([(k, json.dumps(v) if k in strings else v) for k, v in ORDER])
    named(Kind.STRING_QUOTED, f"{URL}?{q(ORDER)}&signature={sig(signed)}")


# -- encoding --------------------------------------------------------------------------

def _with_note(value: str) -> list[tuple[str, str]]:
    return ORDER[:6] + [("newClientOrderId", value)] + ORDER[7:]


def test_space_signed_raw_and_sent_as_plus():
    sent = q(_with_note("grid+bot"))
    result = named(Kind.ENCODING, f"{URL}?{sent}&signature={sig(q(_with_note('grid bot')))}")
    assert "space signed raw but sent '+'" in result["mistakes"][0]["detail"]


def test_space_signed_as_percent_20_and_sent_as_plus():
    sent = q(_with_note("grid+bot"))
    named(Kind.ENCODING, f"{URL}?{sent}&signature={sig(q(_with_note('grid%20bot')))}")


def test_at_sign_signed_raw_but_sent_encoded():
    sent = q(_with_note("me%40bot"))
    named(Kind.ENCODING, f"{URL}?{sent}&signature={sig(q(_with_note('me@bot')))}")


def test_list_parameter_signed_raw_but_sent_encoded():
    raw = '["BTCUSDT","ETHUSDT"]'
    pairs = [("symbols", raw), ("timestamp", "1764000000000")]
    sent = q([("symbols", quote(raw, safe="")), ("timestamp", "1764000000000")])
    named(Kind.ENCODING, f"https://api.binance.com/api/v3/account/commission?{sent}"
          f"&signature={sig(q(pairs))}")


def test_raw_json_signed_and_sent_as_is_is_uncertain_not_invalid():
    orders = '[{"symbol":"BTCUSDT","side":"BUY","type":"MARKET","quantity":"0.001"}]'
    payload = f"batchOrders={orders}&timestamp=1764000000000"
    code, result, _ = verify(f"https://fapi.binance.com/fapi/v1/batchOrders?{payload}"
                             f"&signature={sig(payload)}", "-X", "POST")
    assert code == ExitCode.OK and result["mistakes"] == []
    assert "do not say" in result["uncertain"] and "'['" in result["uncertain"]
    plain = run_cli("signature", "verify", f"https://fapi.binance.com/fapi/v1/batchOrders?"
                    f"{payload}&signature={sig(payload)}", env=ENV)
    assert "uncertain" in plain.stdout and "invalid" not in plain.stdout.lower()


def test_raw_non_ascii_signed_and_sent_as_is_is_the_documented_rejection():
    payload = "symbol=１２３４５６&side=BUY&timestamp=1764000000000"
    result = named(Kind.UNENCODED_PAYLOAD, f"{URL}?{payload}&signature={sig(payload)}")
    assert result["mistakes"][0]["sent"] == payload


# -- the parameter set and the timestamp ---------------------------------------------------

def test_timestamp_refreshed_six_and_a_half_seconds_after_signing():
    signed = q(ORDER).replace("1764000000000", "1763999993500")
    result = named(Kind.PARAM_CHANGED, f"{URL}?{q(ORDER)}&signature={sig(signed)}")
    assert "6500 ms earlier" in result["mistakes"][0]["detail"]


@pytest.mark.parametrize("signed_at", ["1763999941000", "1764000059999"])
def test_timestamp_anywhere_within_a_minute(signed_at):
    signed = q(ORDER).replace("1764000000000", signed_at)
    named(Kind.PARAM_CHANGED, f"{URL}?{q(ORDER)}&signature={sig(signed)}")


def test_signature_first_with_an_unsigned_recv_window_after_it():
    signed = q([p for p in ORDER if p[0] != "recvWindow"])
    sent = f"signature={sig(signed)}&{signed}&recvWindow=5000"
    result = named(Kind.SIGNATURE_NOT_LAST, f"{URL}?{sent}")
    assert kinds(result)[:2] == [Kind.SIGNATURE_NOT_LAST.value, Kind.PARAM_ADDED.value]
    assert "sent first" in result["mistakes"][0]["detail"]


def test_two_mistakes_reordered_and_re_encoded():
    pairs = _with_note("grid+bot")
    signed = sorted(_with_note("grid%20bot"))
    result = named(Kind.ORDER, f"{URL}?{q(pairs)}&signature={sig(q(signed))}")
    assert Kind.ENCODING.value in kinds(result)


def test_two_mistakes_sorted_and_recv_window_appended():
    signed = sorted(p for p in ORDER if p[0] != "recvWindow")
    result = named(Kind.ORDER, f"{URL}?{q(ORDER)}&signature={sig(q(signed))}")
    assert Kind.PARAM_ADDED.value in kinds(result)


# -- inputs -------------------------------------------------------------------------------

def test_json_body_with_its_own_signature():
    body = dict(ORDER)
    body["signature"] = sig(q(ORDER))
    command = (f"curl -X POST -H 'Content-Type: application/json' '{URL}' "
               f"-d '{json.dumps(body)}'")
    code, result, err = verify(command)
    assert code == ExitCode.SIGNATURE_MISMATCH, err
    assert result["signature_location"] == "JSON body" and result["signature_matches"] is True
    assert kinds(result) == [Kind.JSON_BODY.value]


def test_raw_http_request_as_a_proxy_shows_it():
    query, body = q(ORDER[:3]), q(ORDER[3:])
    text = (f"POST /api/v3/order?{query} HTTP/1.1\r\nHost: api.binance.com\r\n"
            f"X-MBX-APIKEY: abc\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"
            f"{body}&signature={sig(query + body)}\r\n")
    code, result, err = verify(input=text)
    assert code == ExitCode.OK, err
    assert result["request"]["source"] == "http" and result["request"]["method"] == "POST"
    assert result["request"]["url"] == URL and result["signature_location"] == "body"


def test_url_with_body_option():
    query, body = q(ORDER[:3]), q(ORDER[3:])
    code, result, err = verify(f"{URL}?{query}", "--body", f"{body}&signature="
                               f"{sig(query + body)}")
    assert code == ExitCode.OK, err
    assert result["request"]["method"] == "POST" and result["request"]["body"].startswith("time")


def test_two_signature_parameters_are_an_error_naming_both():
    first, second = sig(q(ORDER)), sig("other")
    run = run_cli("signature", "verify", f"{URL}?{q(ORDER)}&signature={first}", "--body",
                  f"signature={second}", env=ENV)
    assert run.code == ExitCode.BAD_INPUT
    assert first in run.stderr and second in run.stderr and "Traceback" not in run.stderr


def test_empty_piece_signed_as_sent_is_correct():
    sent = q(ORDER[:4]) + "&&" + q(ORDER[4:])
    code, result, _ = verify(f"{URL}?{sent}&signature={sig(sent)}")
    assert code == ExitCode.OK and result["correct"] is True


def test_empty_piece_sent_but_not_signed_is_named():
    sent = q(ORDER[:4]) + "&&" + q(ORDER[4:])
    named(Kind.EMPTY_PIECE, f"{URL}?{sent}&signature={sig(q(ORDER))}")


# -- honest conclusions ------------------------------------------------------------------------

def test_short_request_fully_searched_blames_the_secret():
    pairs = ORDER[:4] + [ORDER[-1]]
    code, result, _ = verify(f"{URL}?{q(pairs)}&signature={'ab' * 32}")
    assert code == ExitCode.SIGNATURE_MISMATCH and result["mistakes"] == []
    assert result["not_covered"] == []
    assert "does not belong to this API key" in result["unexplained"]


def test_long_request_says_what_was_not_covered_instead_of_blaming_the_secret():
    code, result, _ = verify(f"{URL}?{q(ORDER)}&signature={'ab' * 32}")
    assert code == ExitCode.SIGNATURE_MISMATCH and result["mistakes"] == []
    assert "does not belong" not in result["unexplained"]
    assert any(item.startswith("parameter order: not every order of 9") for item in
               result["not_covered"])
    plain = run_cli("signature", "verify", f"{URL}?{q(ORDER)}&signature={'ab' * 32}", env=ENV)
    assert "Not covered" in plain.stdout and "does not belong" not in plain.stdout


# -- property: any order of 3-12 parameters, one mistake from the list --------------------------

_POOL = [("symbol", "BTCUSDT"), ("side", "SELL"), ("type", "LIMIT"), ("timeInForce", "GTC"),
         ("quantity", "0.3"), ("price", "27000.1"), ("stopPrice", "26950"),
         ("newClientOrderId", "grid bot"), ("icebergQty", "0.05"),
         ("newOrderRespType", "RESULT"), ("recvWindow", "5000")]


def _float_noise(value: str) -> str:
    return repr(math.nextafter(float(value), math.inf))


def _apply(mistake: str, pairs: list, data) -> tuple[list, Kind]:
    """The signed pairs for one mistake (encoded values), and the kind verify must name."""
    if mistake == "sorted":
        return sorted(pairs), Kind.ORDER
    if mistake == "reversed":
        return pairs[::-1], Kind.ORDER
    if mistake == "moved":
        i = data.draw(st.integers(0, len(pairs) - 1))
        j = data.draw(st.integers(0, len(pairs) - 1))
        moved = pairs[:i] + pairs[i + 1:]
        moved.insert(j, pairs[i])
        return moved, Kind.ORDER
    if mistake == "timestamp_last":
        return [p for p in pairs if p[0] != "timestamp"] + \
            [p for p in pairs if p[0] == "timestamp"], Kind.ORDER
    if mistake == "added":
        i = data.draw(st.integers(0, len(pairs) - 1))
        return pairs[:i] + pairs[i + 1:], Kind.PARAM_ADDED
    if mistake == "timestamp":
        delta = data.draw(st.integers(-60_000, 60_000).filter(bool))
        return [(k, str(int(v) - delta) if k == "timestamp" else v) for k, v in pairs], \
            Kind.PARAM_CHANGED
    numeric = [k for k, v in pairs if k in ("quantity", "price", "stopPrice", "icebergQty")]
    if mistake == "noise":
        name = data.draw(st.sampled_from(numeric))
        return [(k, _float_noise(v) if k == name else v) for k, v in pairs], Kind.FLOAT_FORMAT
    if mistake == "quoted":
        chosen = data.draw(st.sets(st.sampled_from(numeric), min_size=1))
        return [(k, f"%22{v}%22" if k in chosen else v) for k, v in pairs], Kind.NUMBER_QUOTED
    if mistake == "space":
        return [(k, v.replace("+", "%20")) for k, v in pairs], Kind.ENCODING
    raise AssertionError(mistake)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_any_order_and_one_mistake_is_named(data):
    mistake = data.draw(st.sampled_from(["sorted", "reversed", "moved", "timestamp_last",
                                         "added", "timestamp", "noise", "quoted", "space"]))
    size = data.draw(st.integers(3, 12))
    chosen = data.draw(st.permutations(_POOL).map(lambda p: list(p[:size - 1])))
    if mistake in ("noise", "quoted"):
        chosen = [p for p in chosen if p[0] != "quantity"][:size - 2] + [("quantity", "0.3")]
    if mistake == "space":
        chosen = [p for p in chosen if p[0] != "newClientOrderId"][:size - 2] + \
            [("newClientOrderId", "grid bot")]
    pairs = [(k, v.replace(" ", "+")) for k, v in chosen] + [("timestamp", "1764000000000")]
    pairs = data.draw(st.permutations(pairs))
    signed, kind = _apply(mistake, list(pairs), data)
    assume(q(signed) != q(pairs))
    code, result, err = verify(f"{URL}?{q(pairs)}&signature={sig(q(signed))}")
    assert code == ExitCode.SIGNATURE_MISMATCH, err
    assert kind.value in kinds(result), (mistake, q(pairs), q(signed), kinds(result))


def test_microsecond_timestamp_refreshed_is_named_in_microseconds():
    sent = q(ORDER).replace("1764000000000", "1764000000000123")
    signed = q(ORDER).replace("1764000000000", "1764000000000000")
    result = named(Kind.PARAM_CHANGED, f"{URL}?{sent}&signature={sig(signed)}")
    assert "123 µs earlier" in result["mistakes"][0]["detail"]


# -- mistakes outside the pieces: booleans, the URL, a line end, the key -------------------------

def test_boolean_signed_as_python_writes_it():
    pairs = ORDER + [("reduceOnly", "true")]
    signed = q(pairs).replace("reduceOnly=true", "reduceOnly=True")
    named(Kind.BOOLEAN_FORMAT, f"https://fapi.binance.com/fapi/v1/order?{q(pairs)}"
          f"&signature={sig(signed)}")


@pytest.mark.parametrize("prefix", ["/api/v3/order?", f"{URL}?"])
def test_path_or_url_signed_with_the_query(prefix):
    result = named(Kind.URL_SIGNED, f"{URL}?{q(ORDER)}&signature={sig(prefix + q(ORDER))}")
    assert result["mistakes"][0]["signed"] == prefix + q(ORDER)


def test_payload_signed_with_echo_newline():
    named(Kind.PAYLOAD_NEWLINE, f"{URL}?{q(ORDER)}&signature={sig(q(ORDER) + chr(10))}")


def test_secret_base64_decoded_before_use():
    import base64
    key = base64.b64decode(SECRET)
    signature = hmac.new(key, q(ORDER).encode(), hashlib.sha256).hexdigest()
    named(Kind.SECRET_DECODED, f"{URL}?{q(ORDER)}&signature={signature}")


@pytest.mark.parametrize("digest,detail", [
    (lambda: hashlib.sha256((SECRET + q(ORDER)).encode()).hexdigest(), "no HMAC"),
    (lambda: hmac.new(q(ORDER).encode(), SECRET.encode(), hashlib.sha256).hexdigest(),
     "arguments swapped")])
def test_hash_built_without_hmac_or_with_swapped_arguments(digest, detail):
    result = named(Kind.WRONG_ALGORITHM, f"{URL}?{q(ORDER)}&signature={digest()}")
    assert detail in result["mistakes"][0]["detail"]


def test_curl_with_body_option_is_a_usage_error():
    run = run_cli("signature", "verify", f"curl -X POST '{URL}?{q(ORDER)}'", "--body", "a=1",
                  env=ENV)
    assert run.code == ExitCode.USAGE and "--body goes with a URL" in run.stderr


@pytest.mark.parametrize("text", ["POST /api/v3/order HTTP/1.1\nHost api.binance.com\n\nx=1",
                                  "GET /api/v3/order?a=1&signature=ab HTTP/1.1\r\n\r\n"])
def test_raw_http_request_edge_cases(text):
    run = run_cli("signature", "verify", "--json", "-", input=text, env=ENV)
    assert "Traceback" not in run.stderr
    assert run.code in (ExitCode.BAD_INPUT, ExitCode.SIGNATURE_MISMATCH)


def test_two_far_apart_parameters_swapped():
    signed = [ORDER[-2]] + ORDER[1:-2] + [ORDER[0], ORDER[-1]]        # symbol <-> recvWindow
    result = named(Kind.ORDER, f"{URL}?{q(ORDER)}&signature={sig(q(signed))}")
    assert "in each other's places" in result["mistakes"][0]["detail"]
