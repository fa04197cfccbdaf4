"""``fakebench info``, ``fakebench prepare`` and ``fakebench download``: look at, index and fetch datasets."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from .common import data_root_option, json_option

_BASE = ("class", "system", "speaker")


def _dataset_options(f):
    f = click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Dataset parameter (repeatable).")(f)
    f = click.option("--check-audio", is_flag=True,
                     help="Open every file's header: report missing and unreadable files and the total duration.")(f)
    f = click.option("--allow-missing", is_flag=True, help="Skip files listed but absent (and count them).")(f)
    f = click.option("--seed", type=int, default=0, show_default=True)(f)
    f = click.option("--protocol", default=None, help="Split protocol.")(f)
    return data_root_option(f)


def _dataset(dataset, data_root, protocol, seed, allow_missing, sets):
    from ..config import parse_sets
    from ..registry import Registry

    cls = Registry().dataset(dataset)
    params = {"root": data_root, "seed": seed, "allow_missing": allow_missing, **parse_sets(sets)}
    if protocol:
        params["protocol"] = protocol
    return cls, cls.from_params(params)


def _attributes(cls) -> tuple[str, ...]:
    return _BASE + tuple(a for a in getattr(cls, "attributes", ()) if a not in _BASE)


def _summary(name, cls, ds, splits, check_audio: bool, progress: bool = False) -> dict:
    from ..dataset import summarize

    summary = {"dataset": name, "protocol": ds.protocol_name, "splits": summarize(splits, _attributes(cls))}
    missing = getattr(ds, "missing_", None)
    if missing:
        summary["skipped_missing"] = int(missing)
    if check_audio:
        summary["audio"] = check_files(splits, progress=progress)
    return summary


def check_files(splits, progress: bool = False) -> dict:
    """Read every clip's header: total hours, missing files, unreadable files (first 20 of each)."""
    from tqdm.auto import tqdm

    from ..audio import audio_info
    from ..errors import AudioError

    clips = [c for v in splits.values() for c in v]
    missing, bad, seconds = [], [], 0.0
    for c in tqdm(clips, desc="checking audio", unit="file", disable=not progress, leave=False):
        if not Path(c.path).is_file():
            missing.append(str(c.path))
            continue
        try:
            frames, sr, _ = audio_info(c.path)
            seconds += frames / sr
        except AudioError as e:
            bad.append(str(e))
    return {"files": len(clips), "hours": round(seconds / 3600, 4), "missing": len(missing),
            "unreadable": len(bad), "missing_files": missing[:20], "errors": bad[:20]}


def _echo_summary(summary: dict, attrs) -> None:
    click.echo(f"{summary['dataset']} (protocol {summary['protocol']})")
    for split, s in summary["splits"].items():
        hours = f", {s['hours']:.2f} h" if "hours" in s else ""
        click.echo(f"  {split:<5} {s['n']:>7} clips: {s['real']} real, {s['fake']} fake{hours}")
        for a in attrs:
            if a in s and len(s[a]) <= 60:
                click.echo(f"        {a}: " + ", ".join(f"{k} {v}" for k, v in s[a].items()))
            elif a in s:
                click.echo(f"        {a}: {len(s[a])} distinct values")
    if summary.get("skipped_missing"):
        click.echo(f"  skipped {summary['skipped_missing']} missing file(s) (--allow-missing)")
    if "audio" in summary:
        a = summary["audio"]
        click.echo(f"  audio: {a['files']} files, {a['hours']:.2f} h, {a['missing']} missing, {a['unreadable']} unreadable")
        for path in a["missing_files"]:
            click.echo(f"    missing: {path}")
        for e in a["errors"]:
            click.echo(f"    {e}")


@click.command("info")
@click.argument("dataset")
@_dataset_options
@json_option
def info_cmd(dataset, data_root, protocol, seed, allow_missing, check_audio, sets, as_json):
    """Counts per split, label, class, system/attack and condition of DATASET; optionally check the audio."""
    cls, ds = _dataset(dataset, data_root, protocol, seed, allow_missing, sets)
    splits = ds.load()
    summary = _summary(dataset, cls, ds, splits, check_audio, progress=not as_json)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        _echo_summary(summary, _attributes(cls))


@click.command("prepare")
@click.argument("dataset")
@_dataset_options
@json_option
def prepare_cmd(dataset, data_root, protocol, seed, allow_missing, check_audio, sets, as_json):
    """Parse DATASET's protocol files once and cache the index, then report what was found.

    The index lives under $FAKEBENCH_HOME/index and is reused while the protocol files are
    unchanged; later runs load it instead of parsing again.
    """
    from ..dataset_index import index_root

    cls, ds = _dataset(dataset, data_root, protocol, seed, allow_missing, sets)
    before = {p: p.stat().st_mtime_ns for p in index_root().glob("*.npz")} if index_root().is_dir() else {}
    t0 = time.perf_counter()
    splits = ds.load()
    first = time.perf_counter() - t0
    written = [p for p in index_root().glob("*.npz") if before.get(p) != p.stat().st_mtime_ns] \
        if index_root().is_dir() else []
    summary = _summary(dataset, cls, ds, splits, check_audio, progress=not as_json)
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
    _echo_summary(summary, _attributes(cls))
    ix = summary["index"]
    n = sum(s["n"] for s in summary["splits"].values())
    if written:
        click.echo(f"  index: {len(written)} file(s), {ix['bytes'] / 1e6:.1f} MB in {ix['folder']}")
    else:
        click.echo(f"  index: up to date in {ix['folder']} (or {dataset} has no protocol files to index)")
    click.echo(f"  loaded {n} clips in {first:.2f} s; next load {again:.2f} s")


@click.command("download")
@click.argument("dataset")
@data_root_option
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Dataset parameter (repeatable).")
def download_cmd(dataset, data_root, sets):
    """Fetch DATASET into the data root (verified, resumable), or say how to get it."""
    import inspect

    from ..config import parse_sets
    from ..dataset import default_data_root
    from ..registry import Registry

    cls = Registry().dataset(dataset)
    target = Path(data_root).expanduser() if data_root else default_data_root()
    ds = cls.from_params({"root": str(target), **parse_sets(sets)})
    kwargs = {"progress": True} if "progress" in inspect.signature(ds.download).parameters else {}
    folder = ds.download(target, **kwargs)
    click.echo(f"{dataset} is ready in {folder}")
    click.echo(f"next: fakebench prepare {dataset} --data-root {target}")
