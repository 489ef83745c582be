"""`python -m infra.local.moto_server ARGS`: moto's server (same arguments as `python -m
moto.server`) with the transaction fix of `moto_transactions`, for benchmarks that keep the table
in a process of its own."""

from __future__ import annotations

import sys

from moto import server

from infra.local.moto_transactions import copy_tables_once_per_transaction

if __name__ == "__main__":
    copy_tables_once_per_transaction()
    server.main(sys.argv[1:])
