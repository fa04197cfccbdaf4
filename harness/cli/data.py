"""``fakebench info`` and ``fakebench download``: look at and fetch datasets."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import data_root_option, json_option


@click.command("info")
@click.argument("dataset")
@data_root_option
@click.option("--protocol", default=None, help="Split protocol.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--allow-missing", is_flag=True, help="Skip files listed but absent (and count them).")
@click.option("--check-audio", is_flag=True, help="Open every file's header and report unreadable ones.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Dataset parameter (repeatable).")
@json_option
def info_cmd(dataset, data_root, protocol, seed, allow_missing, check_audio, sets, as_json):
    """Counts per split, label, class and system of DATASET; optionally check the audio."""
    from ..config import parse_sets
    from ..dataset import summarize
    from ..registry import Registry

    cls = Registry().dataset(dataset)
    params = {"root": data_root, "seed": seed, "allow_missing": allow_missing, **parse_sets(sets)}
    if protocol:
        params["protocol"] = protocol
    ds = cls.from_params(params)
    splits = ds.load()
    attrs = ("class", "system", "speaker") + tuple(a for a in getattr(cls, "attributes", ()) if a not in
                                                    ("class", "system", "speaker"))
    summary = {"dataset": dataset, "protocol": ds.protocol_name, "splits": summarize(splits, attrs)}
    if check_audio:
        from ..audio import audio_info
        from ..errors import AudioError

        bad = []
        seconds = 0.0
        for clips in splits.values():
            for c in clips:
                try:
                    frames, sr, _ = audio_info(c.path)
                    seconds += frames / sr
                except AudioError as e:
                    bad.append(str(e))
        summary["audio"] = {"hours": round(seconds / 3600, 4), "unreadable": len(bad), "errors": bad[:20]}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{dataset} (protocol {ds.protocol_name})")
    for split, s in summary["splits"].items():
        hours = f", {s['hours']:.2f} h" if "hours" in s else ""
        click.echo(f"  {split:<5} {s['n']:>7} clips: {s['real']} real, {s['fake']} fake{hours}")
        for a in attrs:
            if a in s and len(s[a]) <= 60:
                click.echo(f"        {a}: " + ", ".join(f"{k} {v}" for k, v in s[a].items()))
            elif a in s:
                click.echo(f"        {a}: {len(s[a])} distinct values")
    if "audio" in summary:
        a = summary["audio"]
        click.echo(f"  audio: {a['hours']:.2f} h, {a['unreadable']} unreadable")
        for e in a["errors"]:
            click.echo(f"    {e}")


@click.command("download")
@click.argument("dataset")
@data_root_option
def download_cmd(dataset, data_root):
    """Fetch DATASET into the data root (verified, resumable), or say how to get it."""
    from ..dataset import default_data_root
    from ..registry import Registry

    cls = Registry().dataset(dataset)
    target = Path(data_root).expanduser() if data_root else default_data_root()
    ds = cls.from_params({"root": str(target)})
    folder = ds.download(target)
    click.echo(f"{dataset} is ready in {folder}")
