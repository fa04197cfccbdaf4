"""Options shared by several commands."""

from __future__ import annotations

import click

data_root_option = click.option(
    "--data-root", type=click.Path(file_okay=True, dir_okay=True), envvar="FAKEBENCH_DATA", show_envvar=True,
    help="Folder holding the datasets (one folder per corpus), or the corpus folder itself.")
cache_option = click.option(
    "--cache-dir", type=click.Path(file_okay=False), envvar="FAKEBENCH_CACHE", show_envvar=True,
    help="Embedding cache folder [default: ~/.fakebench/cache].")
results_option = click.option(
    "--results", "results_dir", type=click.Path(file_okay=False), envvar="FAKEBENCH_RESULTS", show_envvar=True,
    help="Results store folder [default: ~/.fakebench/results].")
device_option = click.option(
    "--device", default="auto", show_default=True, help="cpu, cuda, cuda:N or auto.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
