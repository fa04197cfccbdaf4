"""``fakebench download``: fetch a dataset (verified, resumable), or say how to get it."""

from __future__ import annotations

from pathlib import Path

import click

from .common import data_root_option
from .info import dataset_argument, resolve_dataset


@click.command("download")
@dataset_argument
@data_root_option
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Dataset parameter (repeatable).")
def download_cmd(dataset, dataset_opt, data_root, sets):
    """Fetch DATASET into the data root (verified, resumable), or say how to get it."""
    import inspect

    dataset = resolve_dataset(dataset, dataset_opt)
    from ..config import parse_sets
    from ..paths import data_root as default_data_root
    from ..registry import Registry

    cls = Registry().dataset(dataset)
    target = Path(data_root).expanduser() if data_root else default_data_root()
    ds = cls.from_params({"root": str(target), **parse_sets(sets)})
    kwargs = {"progress": True} if "progress" in inspect.signature(ds.download).parameters else {}
    folder = ds.download(target, **kwargs)
    click.echo(f"{dataset} is ready in {folder}")
    click.echo(f"next: fakebench prepare {dataset} --data-root {target}")
