"""``fakebench info``: what a dataset holds (and the dataset options ``prepare`` shares)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import data_root_option, json_option

_BASE = ("class", "system", "speaker")


def dataset_options(f):
    f = click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Dataset parameter (repeatable).")(f)
    f = click.option("--check-audio", is_flag=True,
                     help="Open every file's header: report missing and unreadable files and the total duration.")(f)
    f = click.option("--allow-missing", is_flag=True, help="Skip files listed but absent (and count them).")(f)
    f = click.option("--seed", type=int, default=0, show_default=True)(f)
    f = click.option("--protocol", default=None, help="Split protocol.")(f)
    return data_root_option(f)


def dataset_argument(f):
    """DATASET as a positional argument or as ``--dataset/-D`` (the form ``run`` takes);
    the command receives it as ``dataset``."""
    f = click.option("--dataset", "-D", "dataset_opt", metavar="DATASET", default=None,
                     help="The dataset (the same as the DATASET argument, as `fakebench run` spells it).")(f)
    return click.argument("dataset", required=False)(f)


def resolve_dataset(dataset: str | None, dataset_opt: str | None) -> str:
    """The one dataset named by the argument and/or ``--dataset``; a usage error otherwise."""
    if dataset and dataset_opt and dataset != dataset_opt:
        raise click.UsageError(f"two datasets given: {dataset!r} (argument) and {dataset_opt!r} (--dataset); "
                               "name one")
    name = dataset or dataset_opt
    if not name:
        raise click.UsageError("Missing argument 'DATASET' (or --dataset DATASET).")
    return name


def load_dataset(dataset, data_root, protocol, seed, allow_missing, sets):
    from ..config import parse_sets
    from ..registry import Registry

    cls = Registry().dataset(dataset)
    params = {"root": data_root, "seed": seed, "allow_missing": allow_missing, **parse_sets(sets)}
    if protocol:
        params["protocol"] = protocol
    return cls, cls.from_params(params)


def attributes_of(cls) -> tuple[str, ...]:
    return _BASE + tuple(a for a in getattr(cls, "attributes", ()) if a not in _BASE)


def summary_of(name, cls, ds, splits, check_audio: bool, progress: bool = False) -> dict:
    from ..data.splits import summarize

    summary = {"dataset": name, "protocol": ds.protocol_name, "splits": summarize(splits, attributes_of(cls))}
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


def echo_summary(summary: dict, attrs) -> None:
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
@dataset_argument
@dataset_options
@json_option
def info_cmd(dataset, dataset_opt, data_root, protocol, seed, allow_missing, check_audio, sets, as_json):
    """Counts per split, label, class, system/attack and condition of DATASET; optionally check the audio."""
    dataset = resolve_dataset(dataset, dataset_opt)
    cls, ds = load_dataset(dataset, data_root, protocol, seed, allow_missing, sets)
    splits = ds.load()
    summary = summary_of(dataset, cls, ds, splits, check_audio, progress=not as_json)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        echo_summary(summary, attributes_of(cls))
