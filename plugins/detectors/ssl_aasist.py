"""``ssl-aasist``: XLS-R 300M front-end + AASIST back-end (SSL-AASIST, "wav2vec 2.0 AASIST").

Source: H. Tak, M. Todisco, X. Wang, J.-w. Jung, J. Yamagishi, N. Evans, "Automatic speaker
verification spoofing and deepfake detection using wav2vec 2.0 and data augmentation",
Odyssey 2022 (arXiv:2202.12233). Code and checkpoints: https://github.com/TakHemlata/SSL_Anti-spoofing
(MIT; read at commit 4acaa61: ``model.py``, ``main_SSL_LA.py``, ``main_SSL_DF.py``,
``data_utils_SSL.py``, ``eval_metric*.py``, ``evaluate_2021_*.py``). License of this plugin's
checkpoints: MIT (the repository's). Nothing is copied from that code: the network is
written for fakebench (``_ssl/backends.py``) with the authors' parameter *names*, so their
checkpoints load with strict key matching.

Network: the waveform (not normalised) goes through XLS-R 300M (``transformers``
``Wav2Vec2Model``, the ``facebook/wav2vec2-xls-r-300m`` layout, 24 layers, 1024-d); its
output (fairseq's ``features_only`` ``"x"``, after the final LayerNorm) goes through the
SSL-AASIST back-end (447k parameters, see ``_ssl/backends.py``) to two logits
``[spoof, bona fide]``.

Input: 16 kHz mono. **Length policy** (default ``repeat:4.0375``, recorded with every run):
the authors' evaluation (``Dataset_ASVspoof2021_eval`` + ``pad``) takes the first 64,600
samples and tiles shorter clips; ``--length full`` scores whole clips (the back-end takes
any length), and ``--set eval_windows=mean`` averages the scores of 4.0375-s windows every
``window_hop`` seconds.

**Score convention (the one place it is converted).** The authors' score is the bona fide
logit ``out[:, 1]`` (``produce_evaluation_file``), higher for real speech; fakebench's is
``-out[:, 1]`` (``to_score``), higher = more likely fake, with the same ranking and EER.
Not a log-odds, so no p(fake) is shown. Decision threshold: the EER point of the
validation split (``threshold=val-eer``), else 0, or a number.

**Released checkpoints** (Google Drive folder
https://drive.google.com/drive/folders/1c4ywztEVlYVijfwbGLl9OEa1SNtFKppB, linked from the
README; 1.27 GB each):

* ``pretrained=LA`` -> ``LA_model.pth``: trained on ASVspoof 2019 LA train with RawBoost
  algorithm 5 (series 1+2, ``main_SSL_LA.py``); 0.82% EER / 0.2066 min t-DCF on ASVspoof
  2021 LA eval (README). Keys: ``ssl_model.model.<fairseq>`` and the back-end's.
* ``pretrained=DF`` -> ``DF_model.pth``: same training data, RawBoost algorithm 3 (SSI,
  ``main_SSL_DF.py``), saved through ``nn.DataParallel`` (keys prefixed ``module.``, removed
  on load); 2.85% EER on ASVspoof 2021 DF eval (README).

sha256: **not available offline** (Google Drive publishes none, and no copy could be
hashed here), so the files are not checksum-verified; instead every key and shape is
checked (the front-end through THE key map, ``_ssl/keymap.py``, onto ``Wav2Vec2Model``,
nothing from fairseq's pre-training heads but ``quantizer``/``project_q``/``final_proj``
dropped; the back-end strictly), and the file's sha256 is recorded with the run. Drive
links cannot be downloaded automatically: put the file in ``$FAKEBENCH_WEIGHTS``
(``~/.fakebench/weights``) or pass ``--weights FILE`` (or a folder holding it); a missing
file gives one WeightsError with the URL and the place.

**Training** (``pretrained=none``, or ``finetune=true`` from a checkpoint) follows
``main_SSL_LA.py``: weighted cross-entropy with class weights 0.1 (spoof) and 0.9 (bona
fide), Adam with lr 1e-6 for all weights (``lr_frontend`` can differ) and weight decay 1e-4,
batch 14, 100 epochs, the *first* 64,600 samples of each clip after augmentation
(``random_crop=false``; shorter clips tiled), no scheduler. The front-end starts from
``frontend`` (default ``facebook/wav2vec2-xls-r-300m``, the same XLS-R 300M weights as the
authors' fairseq ``xlsr2_300m.pt``). Augmentation: ``augment=none`` by default; the
authors' recipes are ``augment=rawboost:5`` (LA) and ``rawboost:3`` (DF). The authors save
every epoch and pick by hand; fakebench keeps the epoch with the best validation EER, or
averages (``average=last:N`` / ``best:N``), with early stopping (``patience``), gradient
accumulation, mixed precision on a GPU (``precision=bf16``) and resume
(``checkpoint_dir``), all from ``fakebench.finetune``.
"""

from __future__ import annotations

from fakebench.api import Bool, OneOf, Text, hookimpl

from ._params import ssl_specs
from ._ssl.detector import Released, SSLDetectorBase, released_choice

DRIVE = "https://drive.google.com/drive/folders/1c4ywztEVlYVijfwbGLl9OEa1SNtFKppB"
RELEASED = {
    "LA": Released("LA", "LA_model.pth", DRIVE, None, "SSL-AASIST LA checkpoint (Tak et al. 2022)", "1.27 GB", "MIT",
                   "ssl_model.model."),
    "DF": Released("DF", "DF_model.pth", DRIVE, None, "SSL-AASIST DF checkpoint (Tak et al. 2022)", "1.27 GB", "MIT",
                   "ssl_model.model."),
}


class SSLAASIST(SSLDetectorBase):
    name = "ssl-aasist"
    description = "XLS-R 300M + AASIST back-end (Tak et al., Odyssey 2022), released LA/DF checkpoints"
    license = "MIT"
    citation = ("Tak et al., Automatic speaker verification spoofing and deepfake detection using wav2vec 2.0 "
                "and data augmentation, Odyssey 2022")

    param_specs = ssl_specs(pretrained=OneOf("LA", "DF", "none", False, nullable=True), frontend=Text(nullable=True),
                            finetune=Bool(), freeze_frontend=Bool(), random_crop=Bool())

    def __init__(self, pretrained="LA", weights=None, frontend="facebook/wav2vec2-xls-r-300m", config=None,
                 finetune=False, freeze_frontend=False, threshold="val-eer", epochs=100, batch_size=14, accumulate=1,
                 lr=1e-6, lr_frontend=None, optimizer="adam", weight_decay=1e-4, schedule="constant", warmup_steps=0,
                 max_grad_norm=0.0, class_weights=(0.1, 0.9), crop_seconds=4.0375, random_crop=False, augment="none",
                 precision="fp32", average="none", patience=0, eval_windows="off", window_hop=2.0,
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
        return released_choice(self.pretrained, RELEASED, self.name,
                               hint="--set pretrained=DF, or --set pretrained=none to train from XLS-R")

    def _arch(self):
        from ._ssl.frontend import build_config

        return build_config("xlsr-300m", self.config, what=self.name)

    def _backend(self, config):
        from ._ssl.backends import AASISTBackend

        return AASISTBackend(config.hidden_size)

    def _hub_frontend(self):
        return self.frontend or None

    def _load_released(self, net, state, path):
        self._load_fairseq_released(net, state, path, backend="back-end",
                                    hint="pass the released LA_model.pth / DF_model.pth (or a checkpoint of "
                                         "model.py's Model)")

    @staticmethod
    def to_score(outputs):
        """THE score conversion: minus the authors' bona fide logit (higher = more fake)."""
        return -outputs[:, 1]


@hookimpl
def fakebench_register_detectors():
    return [SSLAASIST]
