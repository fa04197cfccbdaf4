"""The ``--executor`` and ``--address`` options of ``fakebench run`` and ``fakebench embed``."""

from __future__ import annotations

import click

from . import EXECUTORS

executor_option = click.option(
    "--executor", type=click.Choice(list(EXECUTORS)), default="local", show_default=True,
    help="Where embeddings, audio-detector scores and seeds are computed: this process, or a Ray cluster "
         "(pip install fakebench[ray]; docs/distributed.md).")
address_option = click.option(
    "--address", default=None, metavar="ADDRESS",
    help="Ray cluster for --executor ray: auto (a running cluster), HOST:PORT, or ray://HOST:10001 (Ray Client) "
         "[default: $RAY_ADDRESS, a cluster started on this machine, or a new local instance].")


def check_address(executor: str | None, address: str | None) -> None:
    """``--address`` only means something with ``--executor ray``."""
    if address and (executor or "local") != "ray":
        from ..errors import ConfigError

        raise ConfigError(f"--address {address} needs --executor ray", hint="add --executor ray, or drop --address")
