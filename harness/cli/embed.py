"""``fakebench embed``: precompute the embedding cache for a dataset."""

from __future__ import annotations

import json

import click

from ..executors.options import address_option, check_address, executor_option
from .common import cache_option, data_root_option, device_option, json_option


@click.command("embed")
@click.option("--embedder", "-e", required=True, help="Embedder name.")
@click.option("--dataset", "-D", required=True, help="Dataset name.")
@data_root_option
@click.option("--protocol", default=None)
@device_option
@click.option("--weights", default=None, help="Weights file or folder.")
@click.option("--length", default=None, help="Clip length policy: full, crop:N, pad:N, repeat:N, center:N.")
@click.option("--batch-size", type=int, default=None)
@click.option("--workers", "num_workers", type=int, default=None)
@click.option("--precision", type=click.Choice(["fp32", "fp16", "bf16"]), default="fp32", show_default=True)
@click.option("--frames", is_flag=True, help="Cache frame embeddings (n, frames, D) instead of scene ones.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Embedder parameter (repeatable).")
@click.option("--allow-missing", is_flag=True)
@click.option("--skip-bad", is_flag=True)
@executor_option
@address_option
@cache_option
@json_option
def embed_cmd(embedder, dataset, data_root, protocol, device, weights, length, batch_size, num_workers, precision,
              frames, sets, allow_missing, skip_bad, executor, address, cache_dir, as_json):
    """Compute and cache EMBEDDER's embeddings of every clip of DATASET."""
    from ..cache import EmbeddingCache
    from ..config import parse_sets
    from ..extract import extract
    from ..registry import Registry
    from ..device import resolve_device
    from ..data.splits import unique_clips

    check_address(executor, address)
    reg = Registry()
    run_extract = extract
    if executor == "local":
        device = resolve_device(device)
    else:  # the workers load the model on their own devices
        from ..executors import get_executor

        run_extract = get_executor(executor, address, weights=weights, device=device).extract
    params = {"root": data_root, "allow_missing": allow_missing}
    if protocol:
        params["protocol"] = protocol
    ds = reg.dataset(dataset).from_params(params)
    clips = unique_clips([c for split in ds.load().values() for c in split])
    emb = reg.embedder(embedder).from_params(parse_sets(sets))
    if executor == "local":
        emb.load(weights=weights, device=device)
    _, stats = run_extract(emb, clips, cache=EmbeddingCache(cache_dir), length=length,
                           batch_size=batch_size or emb.default_batch_size, num_workers=num_workers,
                           frames=frames, skip_bad=skip_bad, precision=precision, progress=not as_json)
    d = stats.as_dict()
    if as_json:
        click.echo(json.dumps(d, indent=2))
        return
    click.echo(f"{embedder} on {dataset}: {d['n']} clips, {d['cached']} cached, {d['computed']} computed, "
               f"{d['skipped']} skipped, {d['total_seconds']:.1f} s")
    if d["rtf_model"] is not None:
        click.echo(f"  real-time factor: model {d['rtf_model']:.5f}, end-to-end {d['rtf_end_to_end']:.5f}")
