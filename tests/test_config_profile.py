"""Profiles: config.toml under a temporary XDG_CONFIG_HOME feeds doctor, clock, check-key,
order-status and check-order.

Every test writes its own config file, points XDG_CONFIG_HOME at it and drives
the CLI; loopback servers stand in for Binance and NTP.
"""

from __future__ import annotations

import os

import pytest

from binance_doctor.failure import ExitCode
from fake.account import FakeAccounts, FakeKey
from fake.exchange import FakeExchange, FakeOrderAccount
from fake.market import FakeMarket
from fake.orders import FakeOrders
from fake.server import FakeBinance
from support import run_cli

SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
KEY = ("Prof5" * 13)[:64]
CLEAN = {"BINANCE_API_KEY": None, "BINANCE_API_SECRET": None, "BINANCE_PRIVATE_KEY_FILE": None,
         "BINANCE_DOCTOR_PROFILE": None}


@pytest.fixture
def config(tmp_path):
    """write(text, mode=0o600) writes config.toml; .env is the environment that finds it."""
    class Config:
        env = {**CLEAN, "XDG_CONFIG_HOME": str(tmp_path)}
        path = tmp_path / "binance-doctor" / "config.toml"

        def write(self, text: str, mode: int = 0o600) -> None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(text, encoding="utf-8")
            os.chmod(self.path, mode)

    return Config()


@pytest.fixture
def exchange():
    with FakeBinance() as server:
        FakeMarket(server)
        FakeAccounts(server, [FakeKey(KEY, SECRET)])
        yield server


def loopback_profile(url: str, ntp: str, extra: str = "") -> str:
    return f"""default = "loop"

[profiles.loop]
base_url = "{url}"
futures_base_url = "{url}"
delivery_base_url = "{url}"
recv_window = 7000
ntp_servers = ["{ntp}"]
{extra}
"""


# -- config show -----------------------------------------------------------------------

def test_config_show_without_a_file(config):
    run = run_cli("config", "show", env=config.env)
    assert run.code == ExitCode.OK
    assert "No profile in use" in run.stdout and "(does not exist)" in run.stdout
    assert "  recv_window        5000  (built-in default)" in run.stdout


def test_config_show_masks_secrets_and_names_sources(config):
    config.write(f"""default = "main"
[profiles.main]
base_url = "https://api.binance.com"
recv_window = 9000
api_key = "{KEY}"
secret = "{SECRET}"
""")
    run = run_cli("config", "show", env=config.env)
    assert run.code == ExitCode.OK, run.stderr
    assert "Profile main (default in config.toml)" in run.stdout
    assert "recv_window        9000  (profile main)" in run.stdout
    assert "futures_base_url   https://fapi.binance.com  (built-in default)" in run.stdout
    assert "*** inline in the profile" in run.stdout
    assert SECRET not in run.stdout + run.stderr and KEY not in run.stdout + run.stderr
    assert run.stderr == ""                                 # 0600: no warning
    shown = run_cli("config", "show", "--json", env=config.env).json()["result"]
    assert shown["profile"] == "main" and shown["settings"]["recv_window"] == {
        "value": 9000, "source": "profile main"}
    assert SECRET not in str(shown)


def test_inline_secret_in_a_readable_file_warns(config):
    config.write(f'[profiles.p]\nsecret = "{SECRET}"\n', mode=0o644)
    run = run_cli("config", "show", "--profile", "p", env=config.env)
    assert run.code == ExitCode.OK
    assert f"warning: {config.path} holds a secret and others can read it" in run.stderr
    assert f"chmod 600 {config.path}" in run.stderr and SECRET not in run.stderr


def test_profile_choice_flag_beats_env_beats_default(config):
    config.write('default = "a"\n[profiles.a]\nrecv_window = 1000\n'
                 '[profiles.b]\nrecv_window = 2000\n[profiles.c]\nrecv_window = 3000\n')

    def chosen(*args: str, **env: str) -> tuple[str, str]:
        result = run_cli("config", "show", "--json", *args,
                         env={**config.env, **env}).json()["result"]
        return result["profile"], result["chosen_by"]

    assert chosen() == ("a", "default in config.toml")
    assert chosen(BINANCE_DOCTOR_PROFILE="b") == ("b", "BINANCE_DOCTOR_PROFILE")
    assert chosen("--profile", "c", BINANCE_DOCTOR_PROFILE="b") == ("c", "--profile")


@pytest.mark.parametrize("text,words", [
    ("[profiles.a\n", "is not valid TOML"),
    ('[profiles.a]\nbase_url = "ftp://x"\n', "base_url: not an http(s) URL"),
    ("[profiles.a]\nrecv_window = 70000\n", "recv_window 70000 is out of range"),
    ('[profiles.a]\nrecv_window = "5000"\n', "recv_window must be a whole number"),
    ("[profiles.a]\ntestnet = 1\n", "testnet must be true or false"),
    ('[profiles.a]\nbase_urls = "https://x"\n', "unknown field 'base_urls'"),
    ('[profiles.a]\nntp_servers = ["host:99999"]\n', "ntp_servers: not a host[:port]"),
    ('colour = "red"\n', "unknown top-level key 'colour'"),
])
def test_a_wrong_config_is_exit_30(config, text, words):
    config.write(text)
    run = run_cli("config", "show", "--profile", "a", env=config.env)
    assert run.code == ExitCode.CONFIG_INVALID, run.stdout
    assert words in run.stderr and str(config.path) in run.stderr


def test_a_missing_profile_is_exit_30_and_lists_the_others(config):
    config.write("[profiles.main]\n[profiles.test]\n")
    run = run_cli("doctor", env={**config.env, "BINANCE_DOCTOR_PROFILE": "prod"})
    assert run.code == ExitCode.CONFIG_INVALID
    assert "no profile 'prod'" in run.stderr and "profiles there: main, test" in run.stderr
    config.path.unlink()
    run = run_cli("clock", "--profile", "prod", env=config.env)
    assert run.code == ExitCode.CONFIG_INVALID and "does not exist" in run.stderr


# -- profiles feed the commands --------------------------------------------------------

def test_profile_feeds_doctor_and_flags_win(config, exchange, ntp):
    config.write(loopback_profile(exchange.url, ntp.address,
                                  'api_key_env = "LOOP_KEY"\nsecret_env = "LOOP_SECRET"'))
    env = {**config.env, "LOOP_KEY": KEY, "LOOP_SECRET": SECRET}
    run = run_cli("doctor", "--json", env=env)
    assert run.code == ExitCode.OK, run.stdout
    result = run.json()["result"]
    assert {h["url"] for h in result["hosts"]} == {exchange.url}
    assert next(c for c in result["checks"] if c["name"] == "key")["status"] == "ok"
    assert "recvWindow 7000" in next(c for c in result["checks"]
                                     if c["name"] == "clock")["detail"]
    assert ntp.queries >= 1
    with FakeBinance() as other:
        FakeMarket(other)
        run = run_cli("doctor", "--json", "--product", "spot", "--base-url", other.url,
                      env={**config.env})
        assert run.json()["result"]["hosts"][0]["url"] == other.url
        assert other.requests("/api/v3/ping")


def test_profile_feeds_clock(config, exchange, ntp):
    config.write(loopback_profile(exchange.url, ntp.address))
    run = run_cli("clock", "--product", "usdm", "--json", env=config.env)
    assert run.code == ExitCode.OK, run.stdout
    result = run.json()["result"]
    assert result["verdict"]["recv_window_ms"] == 7000
    assert result["binance"]["url"] == exchange.url + "/fapi/v1/time"
    assert run_cli("clock", "--json", "-w", "6000",
                   env=config.env).json()["result"]["verdict"]["recv_window_ms"] == 6000


@pytest.mark.parametrize("source", ["env", "inline", "file"])
def test_profile_feeds_check_key(config, exchange, tmp_path, source):
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET)
    os.chmod(secret_file, 0o600)
    lines = {"env": 'secret_env = "LOOP_SECRET"', "inline": f'secret = "{SECRET}"',
             "file": f'secret_file = "{secret_file}"'}
    config.write(loopback_profile(exchange.url, "127.0.0.1:1",
                                  f'api_key = "{KEY}"\n{lines[source]}'))
    run = run_cli("check-key", "--json", env={**config.env, "LOOP_SECRET": SECRET})
    assert run.code == ExitCode.OK, run.stdout
    result = run.json()["result"]
    assert result["network"] == "mainnet" and result["weight"]["total"] == 30
    where = {"env": "LOOP_SECRET", "inline": "profile loop in", "file": "file"}[source]
    assert result["key"]["source"].startswith(where)
    assert SECRET not in run.stdout + run.stderr and KEY not in run.stdout + run.stderr


def test_testnet_profile_checks_the_key_on_its_urls(config, ntp):
    with FakeBinance() as test:
        FakeAccounts(test, [FakeKey(KEY, SECRET)], sapi=False)
        config.write(loopback_profile(test.url, ntp.address, "testnet = true"))
        run = run_cli("check-key", "--json", "--product", "usdm",
                      env={**config.env, "BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET})
    assert run.code == ExitCode.OK, run.stdout
    assert run.json()["result"]["network"] == "testnet"


def test_profile_feeds_order_status_and_a_flag_wins(config, binance):
    orders = FakeOrders(binance, [FakeKey(KEY, secret=SECRET)])
    orders.add("BTCUSDT", "prof-1", status="FILLED", api_key=KEY)
    config.write(loopback_profile(binance.url, "127.0.0.1:1",
                                  'api_key_env = "LOOP_KEY"\nsecret_env = "LOOP_SECRET"'))
    env = {**config.env, "LOOP_KEY": KEY, "LOOP_SECRET": SECRET}
    run = run_cli("order-status", "BTCUSDT", "-c", "prof-1", "--json", env=env)
    assert run.code == ExitCode.OK, run.stderr
    assert run.json()["result"]["order"]["status"] == "FILLED"
    assert binance.requests("/api/v3/order")[0].headers["x-mbx-apikey"] == KEY
    assert SECRET not in run.stdout + run.stderr and KEY not in run.stdout + run.stderr
    # --base-url beats the profile's host: nothing listens on port 9
    run = run_cli("order-status", "BTCUSDT", "-c", "prof-1", "--base-url",
                  "http://127.0.0.1:9", env=env)
    assert run.code == ExitCode.UNREACHABLE and "127.0.0.1" in run.stderr, run.stdout
    assert len(binance.requests("/api/v3/order")) == 1


def test_profile_feeds_check_order_account(config, binance):
    FakeExchange(binance).reference["BTCUSDT"] = "30000"
    state = FakeOrderAccount(binance, FakeAccounts(binance, [FakeKey(KEY, secret=SECRET)]))
    state.balances["USDT"] = "20.00000000"
    config.write(loopback_profile(binance.url, "127.0.0.1:1",
                                  f'api_key = "{KEY}"\nsecret_env = "LOOP_SECRET"\ntimeout = 5'))
    run = run_cli("check-order", "BTCUSDT", "BUY", "LIMIT", "--quantity", "0.001", "--price",
                  "30000", "--time-in-force", "GTC", "--account", "--json",
                  env={**config.env, "LOOP_SECRET": SECRET})
    assert run.code == ExitCode.ORDER_WOULD_FAIL, run.stderr
    balance = next(c for c in run.json()["result"]["checks"] if c["filter"] == "BALANCE")
    assert balance["ok"] is False and balance["code"] == -2010
    sent = binance.requests("/api/v3/account")[0]
    assert sent.headers["x-mbx-apikey"] == KEY and "signature=" in sent.raw_query
    assert binance.requests("/api/v3/exchangeInfo")
    assert SECRET not in run.stdout + run.stderr
