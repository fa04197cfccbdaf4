"""DADA's heads and fusion rules (both branches frozen while these train).

Mid fusion (``fusion=mid``): the text and audio vectors are concatenated and a small MLP
(Linear -> ReLU -> Dropout -> Linear) is trained with BCE on the fake label. The
single-branch baselines ``fusion=audio`` and ``fusion=text`` train the same MLP on one
vector.

Late fusion (``fusion=late``): each branch gets its own head.

* audio head: Linear -> logit of p(real | audio), BCE on the real label;
* text head: Linear -> softmax over the training speakers, cross-entropy on the speaker
  of real training transcripts (plus ``author_texts``). Under the closed set of known
  speakers, p(claimed speaker said this) = p(a = claimed | text).

``late_rule=weighted`` (needs the purported speaker of every clip)::

    p_fake = 1 - (alpha * p_audio_real + (1 - alpha) * p_text_claimed)

A claimed speaker the text head never saw gets the uninformative p_text = 1/K.
``late_rule=marginal`` is the paper's marginalised form, which needs no purported
speaker at scoring time::

    p_spoof_text = sum_a p(spoof | a) * p(a | text)
    p_fake = alpha * (1 - p_audio_real) + (1 - alpha) * p_spoof_text

with p(spoof | a) the rate of fakes among training clips attributed to speaker a,
Laplace-smoothed ((fakes + 1) / (clips + 2)); ``alpha=0`` gives the pure marginal form.

Score convention: every mode returns the logit of p(fake), so higher = more likely fake
and the threshold is 0. :func:`fake_logit` is the one place where a probability
(including the "real"/"claimed" probabilities above) becomes a fakebench score.
"""

from __future__ import annotations

import torch

EPS = 1e-6


def fake_logit(p_fake: torch.Tensor) -> torch.Tensor:
    """logit(p_fake), with p clipped to [1e-6, 1 - 1e-6] so the score stays finite."""
    p = p_fake.double().clamp(EPS, 1 - EPS)
    return torch.log(p) - torch.log1p(-p)


def late_weighted(p_audio_real: torch.Tensor, p_text_claimed: torch.Tensor, alpha: float) -> torch.Tensor:
    """p_fake = 1 - (alpha * p_audio_real + (1 - alpha) * p_text_claimed)."""
    return 1.0 - (alpha * p_audio_real + (1.0 - alpha) * p_text_claimed)


def late_marginal(p_audio_real: torch.Tensor, p_speaker: torch.Tensor, spoof_given_speaker: torch.Tensor,
                  alpha: float) -> torch.Tensor:
    """p_fake = alpha * (1 - p_audio_real) + (1 - alpha) * sum_a p(spoof|a) p(a|text)."""
    return alpha * (1.0 - p_audio_real) + (1.0 - alpha) * (p_speaker @ spoof_given_speaker.to(p_speaker.dtype))


def spoof_rate_by_speaker(codes: torch.Tensor, labels: torch.Tensor, n_speakers: int) -> torch.Tensor:
    """(fakes + 1) / (clips + 2) per speaker code in [0, n_speakers); code -1 is ignored."""
    known = codes >= 0
    clips = torch.bincount(codes[known], minlength=n_speakers).double()
    fakes = torch.bincount(codes[known], weights=labels[known].double(), minlength=n_speakers)
    return (fakes + 1.0) / (clips + 2.0)


def claimed_probability(p_speaker: torch.Tensor, claimed: torch.Tensor) -> torch.Tensor:
    """p(a = claimed | text) per row; 1/K where the claimed code is -1 (unknown)."""
    k = p_speaker.shape[1]
    out = torch.full((p_speaker.shape[0],), 1.0 / k, dtype=p_speaker.dtype, device=p_speaker.device)
    known = claimed >= 0
    out[known] = p_speaker[known, claimed[known]]
    return out


def fusion_mlp(in_dim: int, hidden: int, dropout: float) -> torch.nn.Sequential:
    return torch.nn.Sequential(torch.nn.Linear(in_dim, hidden), torch.nn.ReLU(), torch.nn.Dropout(dropout),
                               torch.nn.Linear(hidden, 1))


def train_speaker_head(x: torch.Tensor, codes: torch.Tensor, n_speakers: int, *, epochs: int, lr: float,
                       batch_size: int, generator: torch.Generator) -> tuple[torch.nn.Linear, list[dict]]:
    """A linear softmax classifier over speakers, trained with cross-entropy."""
    head = torch.nn.Linear(x.shape[1], n_speakers).to(x.device)
    opt = torch.optim.Adam(head.parameters(), lr=lr)
    keep = torch.nonzero(codes >= 0).flatten()
    x, codes = x[keep], codes[keep].to(x.device)
    history = []
    for epoch in range(1, int(epochs) + 1):
        order = torch.randperm(len(x), generator=generator).to(x.device)
        total, correct = 0.0, 0
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            logits = head(x[idx])
            loss = torch.nn.functional.cross_entropy(logits, codes[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == codes[idx]).sum())
        history.append({"stage": "text-head", "epoch": epoch, "loss": total / max(1, len(x)),
                        "accuracy": correct / max(1, len(x))})
    head.eval()
    return head, history
