"""doctor: every check between this machine and Binance in one run, as a checklist.

host (DNS, TCP, TLS, ping, time, limits per product host), findings (check
lines, their order and the exit code), checkup (the run, in one deadline) and
view (blocks and JSON). The clock and key checks are clock/ and key/, reused.
"""
