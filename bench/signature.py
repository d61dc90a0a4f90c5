"""How long `signature verify` takes to find the mistake behind a -1022, per mistake class.

A typical new-order request (10 parameters) is signed wrongly in each of the
ways binance-doctor knows (issue 16's list included: float noise, quoted
subsets, encodings, a timestamp refreshed up to a minute later, two mistakes
at once), then diagnosed in-process (parsing, signing and the variant search;
no process start-up). Prints the median over several runs for each class, the
variants tried, the baseline of a correct request, and the full search (no
mistake found) for HMAC, RSA and Ed25519 keys. The target is the full HMAC
search under 200 ms.

    python bench/signature.py [--runs 15]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import statistics
import time
from urllib.parse import quote

from binance_doctor.signature import mistake
from binance_doctor.signature import request
from binance_doctor.signature import signing

SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
URL = "https://api.binance.com/api/v3/order"
QUERY = ("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00001&price=43250.5"
         "&newClientOrderId=bench-1&newOrderRespType=RESULT&recvWindow=5000"
         "&timestamp=1700000000123")


def hx(payload: str, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def cases() -> dict[str, str]:
    """Mistake class -> the request as sent (URL or curl)."""
    q, b = QUERY.split("&quantity")[0], "quantity" + QUERY.split("&quantity")[1]
    drop = QUERY.replace("&recvWindow=5000", "")
    accented = QUERY.replace("bench-1", "b%C3%A9nch")
    return {
        "correct": f"{URL}?{QUERY}&signature={hx(QUERY)}",
        "unencoded payload": f"{URL}?{accented}&signature={hx(QUERY.replace('bench-1', 'bénch'))}",
        "double encoded": f"{URL}?{accented}&signature={hx(quote(accented, safe='&='))}",
        "order (sorted)": f"{URL}?{QUERY}&signature={hx('&'.join(sorted(QUERY.split('&'))))}",
        "param added (recvWindow)": f"{URL}?{QUERY}&signature={hx(drop)}",
        "param signed not sent": f"{URL}?{drop}&signature={hx(QUERY)}",
        "timestamp changed (-4 s)": f"{URL}?{QUERY}&signature="
                                    f"{hx(QUERY.replace('1700000000123', '1699999996123'))}",
        "body left out": f"curl -X POST '{URL}?{q}' -d '{b}&signature={hx(q)}'",
        "query left out": f"curl -X POST '{URL}?{q}' -d '{b}&signature={hx(b)}'",
        "joined with &": f"curl -X POST '{URL}?{q}' -d '{b}&signature={hx(q + '&' + b)}'",
        "signature signed": f"{URL}?{QUERY}&signature={hx(QUERY + '&signature=')}",
        "signature not last": f"{URL}?{drop}&signature={hx(drop)}&recvWindow=5000",
        "float format": f"{URL}?{QUERY}&signature={hx(QUERY.replace('0.00001', '1e-05'))}",
        "number quoted": f"{URL}?{QUERY}&signature="
                         f"{hx(QUERY.replace('43250.5', '%2243250.5%22'))}",
        "json body": f"curl -X POST -H 'Content-Type: application/json' '{URL}?{q}&signature="
                     f"{hx(q)}' -d '{{\"quantity\": \"0.00001\"}}'",
        "secret trailing newline": f"{URL}?{QUERY}&signature={hx(QUERY, SECRET + chr(10))}",
        "secret truncated (32)": f"{URL}?{QUERY}&signature={hx(QUERY, SECRET[:32])}",
        "secret case": f"{URL}?{QUERY}&signature={hx(QUERY, SECRET.lower())}",
        "api key as secret": f"curl -H 'X-MBX-APIKEY: {API_KEY}' '{URL}?{QUERY}&signature="
                             f"{hx(QUERY, API_KEY)}'",
        "wrong algorithm (sha512)": f"{URL}?{QUERY}&signature="
                                    + hmac.new(SECRET.encode(), QUERY.encode(),
                                               hashlib.sha512).hexdigest(),
        "order (docs order, sorted)": f"{URL}?{'&'.join(sorted(QUERY.split('&')))}&signature="
                                      f"{hx(QUERY)}",
        "float noise (0.1+0.2)": f"{URL}?{QUERY.replace('43250.5', '0.3')}&signature="
                                 f"{hx(QUERY.replace('43250.5', repr(0.1 + 0.2)))}",
        "2 of 3 numbers quoted": f"{URL}?{QUERY}&signature="
                                 f"{hx(QUERY.replace('0.00001', '%220.00001%22').replace('5000', '%225000%22'))}",
        "space signed raw, sent +": f"{URL}?{QUERY.replace('bench-1', 'grid+bot')}&signature="
                                    f"{hx(QUERY.replace('bench-1', 'grid bot'))}",
        "timestamp changed (-6.5 s)": f"{URL}?{QUERY}&signature="
                                      f"{hx(QUERY.replace('1700000000123', '1699999993623'))}",
        "timestamp changed (-59 s)": f"{URL}?{QUERY}&signature="
                                     f"{hx(QUERY.replace('1700000000123', '1699999941123'))}",
        "pair: sorted + re-encoded": f"{URL}?{QUERY.replace('bench-1', 'grid+bot')}&signature="
                                     f"{hx('&'.join(sorted(QUERY.replace('bench-1', 'grid%20bot').split('&'))))}",
        "pair: sorted + recvWindow": f"{URL}?{QUERY}&signature={hx('&'.join(sorted(drop.split('&'))))}",
        "none found (wrong secret)": f"{URL}?{QUERY}&signature={hx(QUERY, 'x' * 64)}",
    }


CPU: list[float] = []       # the CPU-time median of the last median_ms call


def median_ms(fn, runs: int) -> float:
    """Median wall time in ms; the CPU-time median goes to CPU[0] (steadier on a busy host)."""
    fn()
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[:] = [statistics.median(cpu) * 1000]
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    key = signing.hmac_key(SECRET)
    print(f"{'class':<27} {'named':<36} {'tried':>6} {'median ms':>10} {'cpu ms':>7}")
    floor = median_ms(lambda: mistake.verify(request.parse(cases()["correct"]), key), args.runs)
    print(f"{'(baseline: a correct request)':<27} {'':<36} {0:>6} {floor:>10.1f} "
          f"{CPU[0]:>7.1f}")
    # This machine's speed: plain HMAC-SHA256 of 100,000 payloads, the unit every variant costs.
    raw = median_ms(lambda: [hx(QUERY[:-6] + str(i)) for i in range(100_000)], 3)
    print(f"{'(baseline: 100k plain HMACs)':<27} {'':<36} {100000:>6} {raw:>10.1f} "
          f"{CPU[0]:>7.1f}")
    for name, text in cases().items():
        verdict = mistake.verify(request.parse(text), key)
        named = ",".join(m.kind.value for m in verdict.mistakes) or (
            "(correct)" if verdict.ok else "(none)")
        ms = median_ms(lambda: mistake.verify(request.parse(text), key), args.runs)
        print(f"{name:<27} {named[:36]:<36} {verdict.tried:>6} {ms:>10.1f} {CPU[0]:>7.1f}"
              f"{'  (' + format(ms / raw, '.2f') + ' x 100k HMACs)' if ms > 50 else ''}")
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    for label, private in (("rsa", rsa.generate_private_key(65537, 2048)),
                           ("ed25519", ed25519.Ed25519PrivateKey.generate())):
        asym = signing.SigningKey(signing.Algorithm(label), private)
        for case, signed in (("none found", QUERY + "&x=1"),
                             ("timestamp changed",
                              QUERY.replace("1700000000123", "1699999996123"))):
            sent = request.parse(f"{URL}?{QUERY}&signature="
                                 f"{quote(signing.sign(asym, signed), safe='')}")
            verdict = mistake.verify(sent, asym)
            named = ",".join(m.kind.value for m in verdict.mistakes) or "(none)"
            ms = median_ms(lambda: mistake.verify(sent, asym), max(3, args.runs // 3))
            print(f"{case + ' (' + label + ')':<27} {named[:36]:<36} {verdict.tried:>6} "
                  f"{ms:>10.1f} {CPU[0]:>7.1f}")


if __name__ == "__main__":
    main()
