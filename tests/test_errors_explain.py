"""`binance-doctor explain` driven through the CLI as a user would."""

from __future__ import annotations

import json

import pytest

from binance_doctor.failure import ExitCode
from support import run_cli


def findings(run) -> list[dict]:
    assert run.code == 0, run.stderr
    return run.json()["result"]["findings"]


@pytest.mark.parametrize("args", [["-2010"], ["2010"], ["--json", "--", "-2010"], ["+2010"]])
def test_negative_code_dropped_sign_and_double_dash_all_work(args):
    run = run_cli("explain", *args, *([] if "--json" in args else ["--json"]))
    (f,) = findings(run)
    assert f["code"] == -2010 and f["name"] == "NEW_ORDER_REJECTED"


def test_plain_output_names_the_code_and_has_no_escape_codes():
    run = run_cli("explain", "-2010")
    assert run.code == 0
    assert "-2010 NEW_ORDER_REJECTED" in run.stdout
    assert "\x1b[" not in run.stdout
    assert run.stderr == ""


def test_a_code_with_several_meanings_shows_each_labelled_by_product():
    run = run_cli("explain", "-2026", "--json")
    result = run.json()["result"]
    assert result["ambiguous"] is True
    by_name = {f["name"]: set(f["products"]) for f in result["findings"]}
    assert by_name == {"ORDER_ARCHIVED": {"spot", "sapi"},
                       "REDUCE_ONLY_ORDER_TYPE_NOT_SUPPORTED": {"usdm", "coinm", "papi"}}
    text = run_cli("explain", "-2026").stdout
    assert "means 2 different things" in text and "USDⓈ-M futures" in text


def test_product_narrows_to_one_meaning():
    (f,) = findings(run_cli("explain", "-2026", "--product", "usdm", "--json"))
    assert f["name"] == "REDUCE_ONLY_ORDER_TYPE_NOT_SUPPORTED" and f["products"] == ["usdm"]


def test_product_without_that_code_says_where_it_exists():
    run = run_cli("explain", "-2026", "--product", "options")
    assert run.code == ExitCode.NOT_FOUND
    assert "not documented for options" in run.stderr and "usdm" in run.stderr


def test_error_json_on_stdin_uses_the_message_to_refine():
    body = {"code": -1021,
            "msg": "Timestamp for this request was 1000ms ahead of the server's time."}
    (f,) = findings(run_cli("explain", "--json", input=json.dumps(body)))
    assert f["code"] == -1021 and f["dig"] == "binance-doctor clock"
    assert f["matched_template"] == body["msg"]
    assert any("no recvWindow" in fact["value"] for fact in f["facts"])


def test_dash_reads_stdin_too():
    (f,) = findings(run_cli("explain", "-", "--json", input='{"code":-1022,"msg":"x"}'))
    assert f["code"] == -1022 and f["dig"] == "binance-doctor signature verify"


def test_matching_engine_message_refines_2010():
    body = {"code": -2010, "msg": "Account has insufficient balance for requested action."}
    # The spot meaning, refined by the message, comes first; no other product is dropped.
    f, *others = findings(run_cli("explain", "--json", input=json.dumps(body)))
    assert f["code"] == -2010 and f["products"] == ["spot"]
    assert all(o["detail"] is None for o in others)
    assert f["detail"]["kind"] == "message"
    assert f["detail"]["messages"] == [body["msg"]]
    assert f["detail"]["category"] == "balance"


def test_message_text_alone_is_matched():
    (f,) = findings(run_cli("explain", "Filter failure: LOT_SIZE", "--json"))
    assert f["kind"] == "filter" and f["filter"] == "LOT_SIZE"
    assert "stepSize" in " ".join(f["fixes"] + [f["meaning"]])


def test_unquoted_message_words_are_joined():
    (f,) = findings(run_cli("explain", "Order", "would", "immediately", "match", "and",
                            "take.", "--json"))
    assert f["kind"] == "message"


def test_ip_ban_shows_end_time_and_time_left(monkeypatch):
    monkeypatch.setattr("time.time", lambda: 1_700_000_000 - 300)
    body = {"code": -1003, "msg": "Way too much request weight used; IP banned until "
            "1700000000000. Please use WebSocket Streams for live updates to avoid bans."}
    # Every product with -1003 stays (no product is named); the one whose wording the
    # message matches comes first and carries the values.
    f = findings(run_cli("explain", "--json", input=json.dumps(body)))[0]
    assert "spot" in f["products"] and "usdm" not in f["products"]
    facts = {x["label"]: x["value"] for x in f["facts"]}
    assert facts["Ban ends"] == "2023-11-14 22:13:20 UTC: 5 min 0 s from now"


def test_weight_limit_is_shown():
    msg = ("Too much request weight used; current limit is 6000 request weight per 1 MINUTE. "
           "Please use WebSocket Streams for live updates to avoid polling the API.")
    f = findings(run_cli("explain", "--json", input=json.dumps({"code": -1003, "msg": msg})))[0]
    facts = {x["label"]: x["value"] for x in f["facts"]}
    assert facts["Limit"] == "6000 request weight per 1 MINUTE"


def test_request_ip_is_named_for_2015():
    body = {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action, "
            "request ip: 203.0.113.7"}
    result = findings(run_cli("explain", "--json", input=json.dumps(body)))
    for f in result:
        facts = {x["label"]: x["value"] for x in f["facts"]}
        assert facts["Request IP"].startswith("203.0.113.7:")
        assert f["dig"] == "binance-doctor check-key"


def test_min_notional_is_shown_for_4164():
    body = {"code": -4164, "msg": "Order's notional must be no smaller than 100 "
            "(unless you choose reduce only)"}
    result = findings(run_cli("explain", "--json", input=json.dumps(body)))
    assert {p for f in result for p in f["products"]} == {"usdm", "papi"}
    facts = {x["label"]: x["value"] for x in result[0]["facts"]}
    assert facts["Minimum notional"].startswith("100 ")


@pytest.mark.parametrize("status,policy", [("418", "wait"), ("429", "wait"),
                                           ("451", "fix_first"), ("403", None),
                                           ("408", "check_first"), ("409", None)])
def test_http_statuses_without_a_code(status, policy):
    result = findings(run_cli("explain", status, "--json"))
    assert all(f["kind"] == "http" and f["status"] == status for f in result)
    if policy:
        assert result[0]["retry"]["policy"] == policy


def test_503_shows_every_variant_and_unknown_status_warns_about_duplicates():
    result = findings(run_cli("explain", "503", "--json"))
    assert len(result) == 5
    unknown = [f for f in result if f["messages"][0].startswith("Unknown error")]
    assert unknown[0]["retry"]["policy"] == "check_first"
    # Without a product it may be spot's or margin's 503, whose execution is unknown.
    (generic,) = [f for f in result if f["status"] == "5xx"]
    assert {"spot", "sapi"} <= set(generic["products"])
    assert generic["retry"]["policy"] == "check_first"
    for code in ("500", "502", "HTTP 504"):
        (f,) = findings(run_cli("explain", code, "--json"))
        assert f["status"] == "5xx" and "duplicate" in f["retry"]["advice"]


@pytest.mark.parametrize("code", ["-1006", "-1007"])
def test_unknown_execution_status_advice_on_screen(code):
    run = run_cli("explain", code)
    assert "UNKNOWN" in run.stdout and "duplicate" in run.stdout


@pytest.mark.parametrize("product,policy", [("spot", "check_first"), ("sapi", "check_first"),
                                            ("usdm", "now"), ("coinm", "now"), ("papi", "now"),
                                            ("options", "now")])
def test_1001_is_resent_freely_only_where_the_docs_call_it_a_failure(product, policy):
    # The derivatives general-info pages call this message a failed operation; spot treats
    # any 5XX as an unknown execution status and the SAPI docs make no exception for -1001.
    (f,) = findings(run_cli("explain", "-1001", "--product", product, "--json"))
    assert f["retry"]["policy"] == policy
    if policy == "check_first":
        assert "duplicate" in f["retry"]["advice"]
        assert "unknown execution status" in f["meaning"]


def test_the_swapped_wording_binance_has_sent_is_read_as_the_disabled_action_message():
    # Seen in real -2010 replies; errors.md gave it until 2022-04-12, when the typo was
    # fixed to "This action is disabled ..." (data/history.json).
    run = run_cli("explain", "--json",
                  "APIError(code=-2010): This action disabled is on this account.")
    f = findings(run)[0]
    assert (f["code"], f["products"]) == (-2010, ["spot"])
    assert f["detail"]["category"] == "account"
    assert "This action is disabled on this account." in f["detail"]["messages"]


def test_451_body_with_code_zero_is_matched_by_message():
    body = {"code": 0, "msg": "Service unavailable from a restricted location according to "
            "'b. Eligibility' in https://www.binance.com/en/terms. Please contact customer "
            "service if you believe you received this message in error."}
    (f,) = findings(run_cli("explain", "--json", input=json.dumps(body)))
    assert f["kind"] == "http" and f["status"] == "451"


def test_unknown_code_says_so_suggests_near_codes_and_exits_not_found():
    run = run_cli("explain", "-1019")
    assert run.code == ExitCode.NOT_FOUND
    assert "-1019 is not in Binance's documented error codes" in run.stderr
    assert "-1021" in run.stderr and "-1020" in run.stderr and run.stdout == ""


def test_unknown_message_suggests_similar_ones():
    run = run_cli("explain", "Timestamp for this request is outside the recvWindow")
    assert run.code == ExitCode.NO_ERROR_FOUND
    assert "Timestamp for this request is outside of the recvWindow." in run.stderr


def test_unknown_code_in_json_mode_is_an_error_envelope():
    run = run_cli("explain", "-1019", "--json")
    assert run.code == ExitCode.NOT_FOUND
    body = run.json()
    assert body["ok"] is False and body["result"]["exit_name"] == "NOT_FOUND"


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02binary"])
def test_bad_stdin_is_a_clear_error(data):
    run = run_cli("explain", input=data)
    assert run.code == ExitCode.BAD_INPUT
    assert run.stderr.startswith("binance-doctor: error:")
    assert "Traceback" not in run.stderr + run.stdout


def test_json_without_code_or_msg_is_bad_input():
    run = run_cli("explain", input='{"hello": 1}')
    assert run.code == ExitCode.BAD_INPUT


def test_bad_product_is_a_usage_error():
    run = run_cli("explain", "-2010", "--product", "moon")
    assert run.code == ExitCode.USAGE and "moon" in run.stderr


def test_unknown_option_is_still_a_usage_error():
    run = run_cli("explain", "-2010", "--bogus")
    assert run.code == ExitCode.USAGE


def test_json_envelope_is_versioned():
    body = run_cli("explain", "-1021", "--json").json()
    assert body["schema"] == "binance-doctor/1" and body["command"] == "explain"
    assert body["ok"] is True
    finding = body["result"]["findings"][0]
    for key in ("kind", "products", "code", "name", "messages", "meaning", "causes", "fixes",
                "category", "retry", "dig", "facts", "values", "matched_template", "detail"):
        assert key in finding


def test_codes_lists_one_product_and_searches():
    body = run_cli("codes", "--product", "spot", "--json").json()["result"]
    assert body["count"] == 110   # 106 on errors.md + the retired -1167 and -1999 + -1099 and -1131 (change log only)
    assert all(e["products"] == ["spot"] for e in body["entries"])
    found = run_cli("codes", "--search", "recvWindow", "--json").json()["result"]["entries"]
    assert -1021 in {e["code"] for e in found}
    text = run_cli("codes", "--product", "usdm", "--search", "reduce").stdout
    assert "-2026" in text and "REDUCE_ONLY_ORDER_TYPE_NOT_SUPPORTED" in text


def test_codes_kinds():
    http = run_cli("codes", "--kind", "http", "--json").json()["result"]
    assert {"418", "429", "451", "5xx", "503"} <= {e["status"] for e in http["entries"]}
    assert run_cli("codes", "--kind", "nope").code == ExitCode.USAGE


def test_version_and_help_examples():
    assert run_cli("--version").stdout.startswith("binance-doctor ")
    help_text = run_cli("explain", "--help").stdout
    assert "binance-doctor explain -2010" in help_text


@pytest.mark.parametrize("typed,shown", [("-2008", "-2008"), ("400002", "400002")])
def test_codes_only_ccxt_knows_are_flagged_as_undocumented(typed, shown):
    run = run_cli("explain", typed)
    assert run.code == ExitCode.NOT_FOUND
    assert f"{shown} is not in Binance's documented error codes" in run.stderr
    assert "ccxt maps it to" in run.stderr


def test_2008_points_to_check_key():
    assert "check-key" in run_cli("explain", "-2008").stderr


# -- a 5xx on a product without its own variants: the generic entry, never another's --

@pytest.mark.parametrize("status", ["503", "500", "502", "504"])
@pytest.mark.parametrize("product", ["spot", "sapi"])
def test_5xx_on_spot_and_sapi_falls_back_to_the_generic_5xx_entry(status, product):
    (f,) = findings(run_cli("explain", status, "--product", product, "--json"))
    assert f["status"] == "5xx" and product in f["products"]
    assert f["retry"]["policy"] == "check_first" and "duplicate" in f["retry"]["advice"]
    text = run_cli("explain", status, "--product", product).stdout
    assert "Safe to retry now" not in text and "futures/options backend" not in text


def test_503_on_futures_keeps_its_documented_variants():
    result = findings(run_cli("explain", "503", "--product", "usdm", "--json"))
    assert {f["status"] for f in result} == {"503"} and len(result) == 4


# -- one meaning shown once: no false "means N different things" ---------------------

@pytest.mark.parametrize("body,products", [
    ({"code": -1105, "msg": "Parameter 'orderId' was empty."}, 6),
    ({"code": -1101, "msg": "Too many parameters; expected 'symbol' and received 'symbols'."}, 6),
    ({"code": -1101, "msg": "Duplicate values for a parameter detected."}, 6),
])
def test_equal_meanings_are_one_finding_not_a_false_ambiguity(body, products):
    run = run_cli("explain", json.dumps(body), "--json")
    result = run.json()["result"]
    assert result["ambiguous"] is False
    (f,) = result["findings"]
    assert len(f["products"]) == products
    assert "different things" not in run_cli("explain", json.dumps(body)).stdout


def test_a_message_ranks_products_but_never_drops_one():
    """No product named: the meaning whose wording the message matches comes first, and
    the products where -1008 means something else stay (the text does not rule them out)."""
    body = {"code": -1008, "msg": "Server is currently overloaded with other requests. "
                                  "Please try again in a few minutes."}
    first, *rest = run_cli("explain", json.dumps(body), "--json").json()["result"]["findings"]
    assert first["matched_template"] and "spot" in first["products"]
    assert {"options", "papi"} <= {p for f in rest for p in f["products"]}
    assert all(f["matched_template"] is None for f in rest)


def test_minus_1008_still_names_its_real_differences():
    """Spot's overload, the futures throttle (reduce-only exempt) and options' rate limit."""
    result = run_cli("explain", "--json", "--", "-1008").json()["result"]
    groups = sorted(sorted(f["products"]) for f in result["findings"])
    assert groups == [["coinm", "papi", "usdm"], ["options"], ["sapi", "spot"]]


def test_minus_2021_is_one_meaning_on_spot_and_sapi():
    """The cancel-replace result reads the same on spot and SAPI; futures' -2021 differs."""
    result = run_cli("explain", "--json", "--", "-2021").json()["result"]
    groups = sorted(sorted(f["products"]) for f in result["findings"])
    assert groups == [["coinm", "papi", "usdm"], ["sapi", "spot"]]


@pytest.mark.parametrize("code,message", [(-1131, "recvWindow must be less than 60000"),
                                          (-1099, "Not found, authenticated, or authorized")])
def test_change_log_only_spot_codes_keep_spot(code, message):
    """-1099 and -1131 are in the spot change log (2019-08-15), not in errors.md: a spot or
    Binance.US paste keeps spot, and --product spot explains them."""
    body = f'{{"code":{code},"msg":"{message}"}} GET https://api.binance.us/api/v3/account'
    result = run_cli("explain", body, "--json").json()["result"]
    assert [f["products"] for f in result["findings"]] == [["spot"]]
    spot = run_cli("explain", str(code), "--product", "spot", "--json").json()["result"]
    assert spot["findings"][0]["products"] == ["spot"]
    assert spot["findings"][0]["messages"] == [message]


def test_1106_names_fix_tags_only_on_spot():
    result = run_cli("explain", "-1106", "--json").json()["result"]
    assert not result["ambiguous"]
    for finding in result["findings"]:
        text = " ".join([finding["meaning"], *finding["causes"], *finding["fixes"]])
        assert ("FIX" in text) == (finding["products"] == ["spot"]), finding["products"]
