"""``rawnet2``: RawNet2, the end-to-end ASVspoof 2021 baseline countermeasure.

Source: H. Tak, J. Patino, M. Todisco, A. Nautsch, N. Evans and A. Larcher, "End-to-End
anti-spoofing with RawNet2", ICASSP 2021, pp. 6369-6373 (arXiv:2011.01108); the ASVspoof
2021 baseline B04 (J. Yamagishi et al., "ASVspoof 2021: accelerating progress in spoofed
and deepfake speech detection", ASVspoof 2021 Workshop). Reference code:
https://github.com/asvspoof-challenge/2021, ``LA/Baseline-RawNet2`` (``model.py``,
``model_config_RawNet.yaml``, ``main.py``, ``data_utils.py``; ``DF/Baseline-RawNet2``
links to the same network), MIT license, (c) 2021 eurecom-asp. The network is written
for fakebench in ``_rawnet2_net.py``.

Input: raw mono waveform at 16 kHz, 64,600 samples (4.04 s): the clip-length policy
``repeat:4.0375`` takes the first 64,600 samples and tiles shorter clips, as the
reference's ``pad`` does for training, validation and evaluation alike. Output of the
network: log-softmax ``[log p(spoof), log p(bona fide)]``.

**Score convention (the one place it is converted, ``to_score``).** The reference's
``produce_evaluation_file`` writes ``batch_out[:, 1]``, the log-posterior of bona fide
(higher = real). fakebench returns ``log p(spoof) - log p(bona fide)``, the log-odds of
fake: a strictly decreasing function of the reference score, so the EER and min t-DCF are
the reference's, and ``fakebench score`` can show p(fake).

**Released checkpoint** (``pretrained=DF``, the default; evaluation only): the
pre-trained model of the DF baseline README, trained on the ASVspoof 2019 LA train set
(mel-scale sinc filters). Official URL: https://www.asvspoof.org/asvspoof2021/pre_trained_DF_RawNet2.zip
(holding ``pre_trained_DF_RawNet2.pth``, a plain state_dict of 119 tensors, 17,621,410
parameters, about 70 MB). No checksum is published and none could be obtained offline,
so the file is not downloaded automatically and its sha256 is not checked: the loader
checks instead that every key and shape matches the network exactly (strict loading),
the parameter count and that all values are finite, and records the file's sha256.
The file comes from ``weights`` (``--weights``: the file, or a folder holding it), else
``$FAKEBENCH_WEIGHTS`` (``~/.fakebench/weights``), else a ``WeightsError`` saying where
to get it and where to put it.

**Training** (``pretrained=none``, or ``finetune=true`` to start from the checkpoint)
follows the reference ``main.py``: weighted cross-entropy with class weights 0.1 (spoof)
and 0.9 (bona fide), Adam (lr 1e-4, betas 0.9/0.999, weight decay 1e-4, no AMSGrad: the
YAML's ``amsgrad: 1`` is not passed to the optimiser), no learning-rate schedule, batch
32 with the last partial batch dropped, shuffled, 100 epochs, the first 64,600 samples of
each clip (no random crop). The reference saves every epoch and reports validation
accuracy; fakebench keeps the epoch with the best validation accuracy (``select``).
``augment=rawboost:N`` adds RawBoost (``fakebench.api.make_augment``) to training clips.
Every value is a parameter, and so are the sizes of the recurrent part (``gru_node``,
``nb_gru_layer``, ``nb_fc_node``: 1024, 3, 1024 in the reference configuration, which
the checkpoint needs).

**Decision threshold**: ``threshold="val-eer"`` (default) calibrates it at the EER point
of the validation split passed to ``fit``; without one it is 0 (fake when p(fake) > 0.5).
"""

from __future__ import annotations

import numpy as np

from fakebench.api import Bool, ConfigError, Int, OneOf, WeightsError, hookimpl

from ._params import waveform_specs
from ._waveform import WaveformDetector, checkpoint_choice

URL = "https://www.asvspoof.org/asvspoof2021/pre_trained_DF_RawNet2.zip"
FILENAME = "pre_trained_DF_RawNet2.pth"
N_PARAMS = 17_621_410
SAMPLES = 64600
CHECKPOINTS = ("DF",)


def weights_file():
    from fakebench.api import WeightsFile

    # no url: the official file is a zip holding the .pth and has no published checksum
    return WeightsFile(FILENAME, what="ASVspoof 2021 RawNet2 (DF) checkpoint", size="about 70 MB",
                       license="not stated (the code is MIT)")


def how_to_get() -> str:
    """Where to get the checkpoint and where to put it."""
    from fakebench.api import weights_root

    return (f"download {URL}, unzip it and put {FILENAME} (about 70 MB) at {weights_root() / FILENAME}, or pass "
            "--weights PATH (the file or its folder)")


def find_checkpoint(weights=None):
    """The checkpoint file (a ``Resolved``), or one ``WeightsError`` naming the file, its
    official URL and where to put it."""
    from ._checkpoints import find_unpublished

    return find_unpublished(weights_file(), weights,
                            how_to_get() + "; fakebench does not download it because no checksum is published")


def load_official(net, weights=None) -> dict:
    """Load the released checkpoint into ``net`` with strict key matching; check the
    parameter count and that every value is finite; return where it came from."""
    from ._checkpoints import check_finite, load_exactly, loaded, read_state_dict, strip_data_parallel

    found = find_checkpoint(weights)
    state = read_state_dict(found.path, what="RawNet2 checkpoint", hint=f"pass {FILENAME} from {URL}", unwrap=True)
    state = strip_data_parallel(state)  # saved from a DataParallel wrapper
    load_exactly(net, state, path=found.path, network="the RawNet2 network", hint=f"pass {FILENAME} from {URL}")
    n = sum(p.numel() for p in net.parameters())
    if n != N_PARAMS:
        raise WeightsError(f"{str(found.path)!r} gives a RawNet2 of {n} parameters, not the released {N_PARAMS}")
    check_finite(net, found.path, hint=f"download it again from {URL}")
    return loaded("rawnet2", found, checked=False)


class RawNet2(WaveformDetector):
    name = "rawnet2"
    description = "RawNet2, the ASVspoof 2021 end-to-end baseline on raw 16 kHz audio (sinc front end, GRU)"
    inputs = ("audio",)
    sample_rate = 16000
    default_length = "repeat:4.0375"
    scores_are_logits = True
    license = "MIT"
    citation = "Tak et al., End-to-End anti-spoofing with RawNet2, ICASSP 2021"
    param_specs = waveform_specs(
        pretrained=OneOf(*CHECKPOINTS, "none", True, False, nullable=True), select=OneOf("accuracy", "eer"),
        finetune=Bool(), amsgrad=Bool(), drop_last=Bool(), random_crop=Bool(), gru_node=Int(1, 65536),
        nb_gru_layer=Int(1, 64), nb_fc_node=Int(1, 65536))

    def __init__(self, pretrained="DF", weights=None, finetune=False, threshold="val-eer", epochs=100,
                 batch_size=32, lr=1e-4, weight_decay=1e-4, betas=(0.9, 0.999), amsgrad=False,
                 class_weights=(0.1, 0.9), drop_last=True, random_crop=False, balance="none", select="accuracy",
                 checkpoint_every=1, augment="none", gru_node=1024, nb_gru_layer=3, nb_fc_node=1024,
                 eval_batch_size=16, num_workers=None, random_state=0, device="cpu"):
        self.pretrained = pretrained
        self.weights = weights
        self.finetune = finetune
        self.threshold = threshold
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.betas = betas
        self.amsgrad = amsgrad
        self.class_weights = class_weights
        self.drop_last = drop_last
        self.random_crop = random_crop
        self.balance = balance
        self.select = select
        self.checkpoint_every = checkpoint_every
        self.augment = augment
        self.gru_node = gru_node
        self.nb_gru_layer = nb_gru_layer
        self.nb_fc_node = nb_fc_node
        self.eval_batch_size = eval_batch_size
        self.num_workers = num_workers
        self.random_state = random_state
        self.device = device

    # -- helpers ------------------------------------------------------------------------

    def _checkpoint(self) -> str | None:
        """The released checkpoint asked for by ``pretrained``, or None (train from scratch)."""
        return checkpoint_choice(self.pretrained, default="DF", known=CHECKPOINTS,
                                 message="rawnet2: pretrained must be DF or none, not {p!r}",
                                 hint="--set pretrained=DF (the released checkpoint) or --set pretrained=none")

    def _load_checkpoint(self, net) -> dict:
        return load_official(net, self.weights)

    @staticmethod
    def to_score(out):
        """THE score conversion: log p(spoof) - log p(bona fide), the log-odds of fake
        (the reference writes ``out[:, 1]``, a strictly decreasing function of it)."""
        return out[:, 0] - out[:, 1]

    def _batch_scores(self, net, wave):
        return self.to_score(net(wave).double())

    # -- the estimator (fit, scoring and saving: _waveform.WaveformDetector) ---------------

    def _new_net(self):
        from ._rawnet2_net import CONFIG, build

        arch = {"gru_node": int(self.gru_node), "nb_gru_layer": int(self.nb_gru_layer),
                "nb_fc_node": int(self.nb_fc_node)}
        if self._checkpoint() and any(arch[k] != CONFIG[k] for k in arch):
            raise ConfigError(f"rawnet2: the released checkpoint has gru_node=1024, nb_gru_layer=3, nb_fc_node=1024, "
                              f"not {arch}", hint="change the architecture only with --set pretrained=none")
        return build(**arch)

    def requirements(self, weights=None):
        """The released DF checkpoint (``--weights`` or $FAKEBENCH_WEIGHTS: it is never
        downloaded, no checksum being published); none for ``pretrained=none``."""
        from fakebench.api import is_random, weights_requirement

        w = self.weights if weights is None else weights
        if not self._checkpoint() or is_random(w):
            return []
        return [weights_requirement(weights_file(), w, url=URL, fix=how_to_get())]

    def _train(self, source, y, X_val, y_val):
        import torch

        from fakebench.api import train_batches

        from ._images import iter_audio
        from ._wave_training import with_augment

        if self.select not in ("eer", "accuracy"):
            raise ConfigError(f"rawnet2: select must be accuracy or eer, not {self.select!r}")
        net, device = self.net_, self.device
        gen = torch.Generator().manual_seed(int(self.random_state) + 1)
        ce = torch.nn.CrossEntropyLoss(weight=torch.tensor([float(w) for w in self.class_weights], device=device))

        def loss_fn(out, yb):  # reference class order: 0 = spoof, 1 = bona fide
            return ce(out, 1 - yb)

        def batches(order, train):
            crop = gen if (train and self.random_crop) else None
            yield from iter_audio(source, order, int(self.batch_size), device, num_workers=self.num_workers,
                                  random_window=crop)

        batches = with_augment(batches, self.augment, self.sample_rate, int(self.random_state))
        val = None
        if X_val is not None and len(X_val):
            val_source = self._audio(X_val)
            yv = torch.as_tensor(np.asarray(y_val), dtype=torch.int64)
            val = (yv, lambda: iter_audio(val_source, range(len(val_source)), int(self.eval_batch_size), device,
                                          num_workers=self.num_workers))
        opt = torch.optim.Adam(net.parameters(), lr=float(self.lr), betas=tuple(float(b) for b in self.betas),
                               weight_decay=float(self.weight_decay), amsgrad=bool(self.amsgrad))
        res = train_batches(net, torch.as_tensor(y, dtype=torch.int64), batches, epochs=int(self.epochs),
                            batch_size=int(self.batch_size), optimizer=opt, loss_fn=loss_fn, score_fn=self.to_score,
                            seed=int(self.random_state), balance=self.balance,
                            checkpoint_every=int(self.checkpoint_every), val=val, select=self.select,
                            drop_last=bool(self.drop_last))
        self.history_ = res.history
        self.best_epoch_ = res.best_epoch


@hookimpl
def fakebench_register_detectors():
    return [RawNet2]
