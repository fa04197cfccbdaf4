"""``fakebench list``: what is installed."""

from __future__ import annotations

import json

import click

from .common import json_option

KIND_CHOICES = ("datasets", "embedders", "detectors", "metrics", "conditions")


def describe(cls, kind: str, params: bool = False) -> dict:
    entry = {"name": cls.name, "description": (getattr(cls, "description", "") or "").strip()}
    if kind == "embedders":
        entry.update(sample_rate=cls.sample_rate, dim=cls.dim)
    if kind == "detectors":
        entry["inputs"] = list(cls.inputs)
    if kind == "metrics":
        entry["higher_is_better"] = cls.higher_is_better
    if kind == "datasets":
        entry["protocols"] = list(cls.protocols)
    if kind == "conditions":
        entry.update(random=cls.random, positional=cls.positional, extra=cls.extra)
    if params and hasattr(cls, "param_defaults"):
        from ..params import to_json_safe

        entry["params"] = {k: {"default": to_json_safe(v), "range": cls.param_spec(k).describe()}
                           for k, v in cls.param_defaults().items() if k not in ("root", "device")}
    return entry


@click.command("list")
@click.argument("kind", required=False, type=click.Choice(KIND_CHOICES))
@click.option("--params", is_flag=True, help="Show each plugin's parameters and defaults.")
@json_option
def list_cmd(kind, params, as_json):
    """List installed datasets, embedders, detectors, metrics and conditions."""
    from ..registry import Registry

    reg = Registry()
    kinds = [kind] if kind else list(KIND_CHOICES)
    data = {}
    for k in kinds:
        entries = []
        for name, cls in reg.table(k).items():
            e = describe(cls, k, params)
            e["plugin"] = reg.origin(k, name)
            entries.append(e)
        data[k] = entries
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for k in kinds:
        click.echo(f"{k}:")
        width = max((len(e["name"]) for e in data[k]), default=0)
        for e in data[k]:
            extra = ""
            if k == "embedders":
                extra = f"  [{e['sample_rate']} Hz, {e['dim']}-d]"
            click.echo(f"  {e['name']:<{width}}  {e['description']}{extra}")
            if params and e.get("params"):
                for p, v in e["params"].items():
                    click.echo("  " + " " * width + f"    {p}={json.dumps(v['default'])}  ({v['range']})")
        click.echo()
