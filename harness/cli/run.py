"""``fakebench run``: train and evaluate one pipeline on one dataset."""

from __future__ import annotations

import json

import click

from .common import cache_option, data_root_option, device_option, json_option, results_option


@click.command("run")
@click.option("--detector", "-d", required=True,
              help="Detector or pipeline: clap-mlp = embedder clap + detector mlp; aasist needs no embedder.")
@click.option("--dataset", "-D", required=True, help="Dataset name; comma-separated test sets with --train-dataset.")
@click.option("--embedder", "-e", default=None, help="Embedder, when not part of --detector.")
@click.option("--train-dataset", default=None, help="Fit on this dataset and score every --dataset (cross-dataset).")
@data_root_option
@click.option("--protocol", default=None, help="Split protocol of the dataset (see `fakebench list datasets`).")
@device_option
@click.option("--seed", type=int, default=0, show_default=True, help="First seed.")
@click.option("--runs", type=int, default=1, show_default=True, help="Number of seeds: seed, seed+1, ...")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Plugin parameter, e.g. --set epochs=10 --set embedder.layer=6 (repeatable).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="TOML config file.")
@click.option("--length", default=None, help="Clip length policy: full, crop:N, pad:N, repeat:N, center:N.")
@click.option("--batch-size", type=int, default=None, help="Embedding batch size.")
@click.option("--workers", "num_workers", type=int, default=None, help="Audio decoding workers.")
@click.option("--precision", type=click.Choice(["fp32", "fp16", "bf16"]), default="fp32", show_default=True)
@click.option("--weights", default=None, help="Weights file or folder (embedder, or the detector if none).")
@click.option("--metric", "metrics", multiple=True, help="Metric to compute (repeatable) [default: all defaults].")
@click.option("--threshold", "threshold", type=click.Choice(["detector", "dev-eer"]), default=None,
              help="Threshold of accuracy/F1/...: the detector's, or the EER point of the val split. [default: detector]")
@click.option("--allow-missing", is_flag=True, help="Skip files listed by the dataset but absent.")
@click.option("--skip-bad", is_flag=True, help="Skip unreadable audio files (counted in the record).")
@click.option("--no-save-model", is_flag=True, help="Do not save the trained detector.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the embedding cache.")
@click.option("--retrain", is_flag=True, help="Fit the detector even when an identical fit is cached.")
@cache_option
@results_option
@json_option
def run_cmd(detector, dataset, embedder, train_dataset, data_root, protocol, device, seed, runs, sets, config_file,
            length, batch_size, num_workers, precision, weights, metrics, allow_missing, skip_bad, no_save_model,
            no_cache, cache_dir, results_dir, as_json, threshold=None, retrain=False):
    """Train and evaluate DETECTOR on DATASET; write result records.

    \b
    Examples:
      fakebench run --detector sfx-mlp --dataset foley-demo --data-root data/
      fakebench run -d clap-mlp -D dcase23 --runs 10 --set epochs=100
      fakebench run -d aasist -D manifest --data-root speech.csv --set pretrained=AASIST
    """
    from ..config import load_config_file, parse_sets
    from ..errors import ConfigError
    from ..runner import RunSpec, Runner

    file_sets: dict = {}
    if config_file:
        cfg = load_config_file(config_file)
        for section in ("dataset", "embedder", "detector"):
            for k, v in cfg.get(section, {}).items():
                file_sets[f"{section}.{k}"] = v
        run_cfg = cfg.get("run", {})
        unknown = set(run_cfg) - {"dataset", "detector", "embedder", "train_dataset", "protocol", "runs", "seed",
                                  "length", "device", "threshold"}
        if unknown:
            raise ConfigError(f"config file {config_file!r}: unknown [run] key(s) {sorted(unknown)}")
        protocol = protocol or run_cfg.get("protocol")
        length = length or run_cfg.get("length")
        threshold = threshold or run_cfg.get("threshold")
        embedder = embedder or run_cfg.get("embedder")
        train_dataset = train_dataset or run_cfg.get("train_dataset")
    if runs < 1:
        raise ConfigError("--runs must be at least 1")
    spec = RunSpec(
        dataset=dataset, detector=detector, embedder=embedder, train_dataset=train_dataset, data_root=data_root,
        protocol=protocol, seeds=list(range(seed, seed + runs)), device=device,
        sets={**file_sets, **parse_sets(sets)}, length=length, batch_size=batch_size, num_workers=num_workers,
        precision=precision, weights=weights, cache_dir=cache_dir, results_dir=results_dir,
        metrics=list(metrics) or None, threshold=threshold or "detector", allow_missing=allow_missing, skip_bad=skip_bad,
        save_model=not no_save_model, use_cache=not no_cache, reuse_fits=not retrain, progress=not as_json,
    )
    records = Runner(spec).run()
    if as_json:
        click.echo(json.dumps(records, indent=2))
        return
    from ..leaderboard import render

    click.echo(render(records, metrics=list(metrics) or None))
    for rec in records:
        for w in rec.get("warnings", []):
            click.echo(f"warning ({rec['dataset']['name']}, seed {rec['seed']}): {w}", err=True)
    if records:
        from ..results import ResultStore

        click.echo(f"\n{len(records)} record(s) written to {ResultStore(results_dir).root}")
