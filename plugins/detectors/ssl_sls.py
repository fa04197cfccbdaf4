"""``ssl-sls``: XLS-R 300M with sensitive layer selection (the SLS classifier).

Source: Q. Zhang, S. Wen, T. Hu, "Audio Deepfake Detection with Self-Supervised XLS-R and
SLS Classifier", ACM Multimedia 2024 (https://openreview.net/forum?id=acJMIXJg2u). Code and
checkpoint: https://github.com/QiShanZhang/SLSforASVspoof-2021-DF (read at commit 82e8af0:
``model.py``, ``main.py``, ``data_utils_SSL.py``, ``evaluate_*.py`` and the fairseq
``wav2vec2.py`` it changes so that every layer's output is returned). **The repository has
no licence**, so nothing of it is copied or run here (the tests compare with outputs
recorded once from the authors' model, with their provenance); the network is written for
fakebench (``_ssl/backends.py``) with the authors' parameter names, so the checkpoint loads
with strict key matching. Check the checkpoint's terms of use with the authors.

Network: the raw waveform (not normalised) goes through XLS-R 300M (``transformers``
``Wav2Vec2Model``, ``facebook/wav2vec2-xls-r-300m`` layout); the raw output of each of its
24 transformer layers (fairseq's ``layer_results``, before the final LayerNorm) is averaged
over time, ``sigmoid(fc0)`` gives each layer a weight, and the weighted sum of the layers'
outputs goes through BatchNorm2d(1), SELU, 3x3 max-pooling, ``fc1`` (22,847 -> 1024), SELU,
``fc3`` (-> 2), SELU and log-softmax: ``[log p(spoof), log p(bona fide)]``.

Input: 16 kHz mono, **exactly 64,600 samples**: ``fc1``'s size fixes 201 frames. Length
policy (default ``repeat:4.0375``, recorded with every run): the authors' evaluation takes
the first 64,600 samples and tiles shorter clips; ``--length full`` needs
``--set eval_windows=mean`` (mean score of 4.0375-s windows every ``window_hop`` seconds).

**Score convention (the one place it is converted).** The authors' score is output index 1,
log p(bona fide) (``produce_evaluation_file``); fakebench's is ``-out[:, 1]``
(``to_score``), higher = more likely fake, same ranking and EER. Decision threshold: the
EER point of the validation split, else 0, or a number.

**Released checkpoint** (``pretrained=DF``, the default): the authors' model trained on
ASVspoof 2019 LA train with RawBoost algorithm 3 (``main.py --track=DF``, early stopping),
published as a Google Drive folder
https://drive.google.com/drive/folders/13vw_AX1jHdYndRu1edlgpdNJpCX8OnrH (and Baidu
https://pan.baidu.com/s/1dj-hjvf3fFPIYdtHWqtCmg?pwd=shan). The README reports 1.92% EER on
ASVspoof 2021 DF eval, 2.87% on 2021 LA eval and 7.46% on In-the-Wild. The file name in
the folder is not stated in the repository; fakebench looks for ``SLS_model.pth`` (rename
the downloaded file, or pass it with ``--weights FILE``). Saved through
``nn.DataParallel``: keys ``module.ssl_model.model.<fairseq>``, ``module.first_bn.*``,
``module.fc0.*``, ``module.fc1.*``, ``module.fc3.*`` (the prefix is removed on load).
sha256: **not available offline** (neither host publishes one); every key and shape is
checked instead (front-end through THE key map, ``_ssl/keymap.py``; classifier strictly),
and the file's sha256 is recorded with the run.

**Training** (``pretrained=none``, or ``finetune=true``) follows ``main.py``: weighted
cross-entropy (0.1 spoof, 0.9 bona fide) on the log-probabilities, Adam lr 1e-6 for every
weight, weight decay 1e-4, batch 5, up to 50 epochs, the first 64,600 samples of each clip
after augmentation (``random_crop=false``). The authors stop when the *training* loss does
not improve for one epoch; fakebench stops on the validation EER (``patience``, default 1)
and keeps the best epoch (or averages, ``average``). ``augment=rawboost:3`` is the authors'
augmentation (default ``none``). Mixed precision, accumulation and resume as in
``fakebench.finetune``.
"""

from __future__ import annotations

from fakebench.api import Bool, OneOf, Text, hookimpl

from ._params import ssl_specs
from ._ssl.detector import Released, SSLDetectorBase, released_choice

DRIVE = "https://drive.google.com/drive/folders/13vw_AX1jHdYndRu1edlgpdNJpCX8OnrH"
RELEASED = {
    "DF": Released("DF", "SLS_model.pth", DRIVE, None, "XLS-R + SLS checkpoint (Zhang et al. 2024)", "1.3 GB",
                   "none stated (ask the authors)", "ssl_model.model."),
}


class SSLSLS(SSLDetectorBase):
    name = "ssl-sls"
    description = "XLS-R 300M + sensitive layer selection classifier (Zhang et al., ACM MM 2024), released checkpoint"
    license = "none stated (code and checkpoint)"
    citation = "Zhang, Wen, Hu, Audio Deepfake Detection with Self-Supervised XLS-R and SLS Classifier, ACM MM 2024"

    param_specs = ssl_specs(pretrained=OneOf("DF", "none", False, nullable=True), frontend=Text(nullable=True),
                            finetune=Bool(), freeze_frontend=Bool(), random_crop=Bool())

    def __init__(self, pretrained="DF", weights=None, frontend="facebook/wav2vec2-xls-r-300m", config=None,
                 finetune=False, freeze_frontend=False, threshold="val-eer", epochs=50, batch_size=5, accumulate=1,
                 lr=1e-6, lr_frontend=None, optimizer="adam", weight_decay=1e-4, schedule="constant", warmup_steps=0,
                 max_grad_norm=0.0, class_weights=(0.1, 0.9), crop_seconds=4.0375, random_crop=False, augment="none",
                 precision="fp32", average="none", patience=1, eval_windows="off", window_hop=2.0,
                 eval_batch_size=16, checkpoint_dir="", num_workers=0, random_state=0, device="cpu"):
        self.pretrained = pretrained
        self.weights = weights
        self.frontend = frontend
        self.config = config
        self.finetune = finetune
        self.freeze_frontend = freeze_frontend
        self.threshold = threshold
        self.epochs = epochs
        self.batch_size = batch_size
        self.accumulate = accumulate
        self.lr = lr
        self.lr_frontend = lr_frontend
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.warmup_steps = warmup_steps
        self.max_grad_norm = max_grad_norm
        self.class_weights = class_weights
        self.crop_seconds = crop_seconds
        self.random_crop = random_crop
        self.augment = augment
        self.precision = precision
        self.average = average
        self.patience = patience
        self.eval_windows = eval_windows
        self.window_hop = window_hop
        self.eval_batch_size = eval_batch_size
        self.checkpoint_dir = checkpoint_dir
        self.num_workers = num_workers
        self.random_state = random_state
        self.device = device

    def _released(self):
        return released_choice(self.pretrained, RELEASED, self.name, hint="--set pretrained=none to train from XLS-R")

    def _arch(self):
        from ._ssl.frontend import build_config

        return build_config("xlsr-300m", self.config, what=self.name)

    def _backend(self, config):
        from ._ssl.backends import SLSBackend
        from ._ssl.frontend import n_frames

        return SLSBackend(config.hidden_size, n_frames(config, self.crop_samples))

    def _feature(self):
        return "layers", -1, False

    def _fixed_samples(self):
        return self.crop_samples

    def _hub_frontend(self):
        return self.frontend or None

    def _load_released(self, net, state, path):
        self._load_fairseq_released(net, state, path, backend="classifier",
                                    hint="pass the released SLS checkpoint (a state_dict of model.py's Model)")

    @staticmethod
    def to_score(outputs):
        """THE score conversion: minus the authors' log p(bona fide) (higher = more fake)."""
        return -outputs[:, 1]


@hookimpl
def fakebench_register_detectors():
    return [SSLSLS]
