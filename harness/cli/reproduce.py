"""``fakebench reproduce``: run a published study's recipe and compare with the paper."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import cache_option, data_root_option, device_option, results_option


@click.command("reproduce")
@click.argument("recipe", required=False)
@click.option("--list", "list_", is_flag=True, help="List the recipes and exit.")
@data_root_option
@device_option
@click.option("--runs", type=int, default=None, help="Number of runs (seeds 0..N-1) [default: the recipe's].")
@click.option("--run", "only", multiple=True, metavar="ID", help="Only this run of the recipe (repeatable).")
@click.option("--dry-run", is_flag=True,
              help="Print the plan, the weights and data each run needs and whether they are here; run nothing.")
@click.option("--substitute", multiple=True, metavar="KIND=NAME",
              help="Swap a component for every run, e.g. embedder=sfx. The result is a substitute run, "
                   "not a reproduction, and says so.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override a parameter in every run (e.g. epochs=2); the result is then not a reproduction.")
@click.option("--fad-table", type=click.Path(dir_okay=False), default=None,
              help="CSV of per-system FAD (system,fad[,track]) for correlation rows [default: the recipe's table].")
@click.option("--no-rtf", is_flag=True, help="Skip the inference-time measurements.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for report.md and report.html [default: RESULTS/reproduce/RECIPE].")
@click.option("--json", "as_json", is_flag=True, help="Print the plan (with --dry-run) or the rows as JSON.")
@cache_option
@results_option
def reproduce_cmd(recipe, list_, data_root, device, runs, only, dry_run, substitute, sets, fad_table, no_rtf, out_dir,
                  as_json, cache_dir, results_dir):
    """Run RECIPE (a study fakebench reproduces) and print paper vs fakebench.

    \b
    Examples:
      fakebench reproduce --list
      fakebench reproduce ouajdi2024 --dry-run --data-root DATA
      fakebench reproduce ouajdi2024 --data-root DATA --device cuda --runs 10
      fakebench reproduce ouajdi2024 --data-root DATA --substitute embedder=sfx --runs 2 --set epochs=2
    """
    from ..config import parse_sets
    from ..errors import ConfigError
    from ..recipes import check, load_recipe, parse_substitutions, plan, recipe_paths

    if list_:
        for name, path in recipe_paths().items():
            r = load_recipe(path)
            click.echo(f"{name:16s} {r.title}  [{r.status}; {len(r.run_decls)} runs x {r.runs} seeds; "
                       f"{sum(c.paper is not None for c in r.comparisons)} published values]")
        return
    if not recipe:
        raise ConfigError("name a recipe", hint="see `fakebench reproduce --list`")
    rec = load_recipe(recipe)
    the_plan = plan(rec, runs=runs, substitute=parse_substitutions(substitute), sets=parse_sets(sets),
                    only=list(only) or None)
    if dry_run:
        from ..recipes.report import plan_text

        check(the_plan, data_root=data_root)
        if as_json:
            click.echo(json.dumps(_plan_json(the_plan), indent=2))
        else:
            click.echo(plan_text(the_plan))
        return
    from ..recipes.execute import reproduce
    from ..recipes.report import outcome_text, write
    from ..results import ResultStore

    outcome = reproduce(the_plan, data_root=data_root, device=device, cache_dir=cache_dir, results_dir=results_dir,
                        fad=fad_table, measure_rtf=not no_rtf, progress=not as_json)
    folder = Path(out_dir) if out_dir else ResultStore(results_dir).root / "reproduce" / rec.name
    md, page = write(outcome, folder)
    if as_json:
        click.echo(json.dumps({"status": "reproduction" if the_plan.is_reproduction else "substitute",
                               "departures": the_plan.departures(),
                               "rows": [r.__dict__ for r in outcome.rows]}, indent=2, default=str))
    else:
        click.echo(outcome_text(outcome))
        click.echo(f"\nreport written to {md} and {page}")


def _plan_json(p) -> dict:
    return {
        "recipe": p.recipe.name, "reproduction": p.is_reproduction, "departures": p.departures(),
        "runs": [{"id": r.decl.id, "pipeline": r.pipeline, "dataset": r.dataset, "protocol": r.protocol,
                  "length": r.length, "seeds": r.seeds, "sets": r.sets,
                  "substituted": {k: list(v) for k, v in r.substituted.items()},
                  "weights": [{"what": c.what, "present": c.ok, "detail": c.detail} for c in r.weights]}
                 for r in p.runs],
        "data": [{"what": c.what, "present": c.ok, "detail": c.detail} for c in p.data],
    }
