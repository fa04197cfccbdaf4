"""``fakebench prepare``: parse a dataset's protocol files once and cache the index."""

from __future__ import annotations

import json
import time

import click

from .common import json_option
from .info import (attributes_of, dataset_argument, dataset_options, echo_summary, load_dataset, resolve_dataset,
                   summary_of)


@click.command("prepare")
@dataset_argument
@dataset_options
@json_option
def prepare_cmd(dataset, dataset_opt, data_root, protocol, seed, allow_missing, check_audio, sets, as_json):
    """Parse DATASET's protocol files once and cache the index, then report what was found.

    The index lives under $FAKEBENCH_HOME/index and is reused while the protocol files are
    unchanged; later runs load it instead of parsing again.
    """
    from ..data.protocol_tables import index_root

    dataset = resolve_dataset(dataset, dataset_opt)
    cls, ds = load_dataset(dataset, data_root, protocol, seed, allow_missing, sets)
    before = {p: p.stat().st_mtime_ns for p in index_root().glob("*.npz")} if index_root().is_dir() else {}
    t0 = time.perf_counter()
    splits = ds.load()
    first = time.perf_counter() - t0
    written = [p for p in index_root().glob("*.npz") if before.get(p) != p.stat().st_mtime_ns] \
        if index_root().is_dir() else []
    summary = summary_of(dataset, cls, ds, splits, check_audio, progress=not as_json)
    del splits  # the timed second load below should not hold two copies of a large dataset
    t0 = time.perf_counter()
    cls.from_params(ds.get_params()).load()
    again = time.perf_counter() - t0
    summary["index"] = {"folder": str(index_root()), "written": sorted(str(p) for p in written),
                        "bytes": sum(p.stat().st_size for p in written), "first_load_s": round(first, 3),
                        "cached_load_s": round(again, 3)}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    echo_summary(summary, attributes_of(cls))
    ix = summary["index"]
    n = sum(s["n"] for s in summary["splits"].values())
    if written:
        click.echo(f"  index: {len(written)} file(s), {ix['bytes'] / 1e6:.1f} MB in {ix['folder']}")
    else:
        click.echo(f"  index: up to date in {ix['folder']} (or {dataset} has no protocol files to index)")
    click.echo(f"  loaded {n} clips in {first:.2f} s; next load {again:.2f} s")
