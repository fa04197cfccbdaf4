"""Private helpers of the self-supervised detectors (``ssl``, ``ssl-aasist``, ``ssl-sls``).

* :mod:`.keymap` — THE fairseq -> transformers key map for wav2vec 2.0 / HuBERT front-ends;
* :mod:`.frontend` — built-in encoder architectures, hub loading, :class:`~.frontend.SSLNet`
  (encoder + feature choice + back-end);
* :mod:`.backends` — SSL-AASIST, SLS, linear, MLP and attentive-statistics back-ends;
* :mod:`.detector` — the shared detector class (build, released checkpoints, fine-tuning
  through ``fakebench.finetune``, scoring policies, threshold, saved state).

Importing this package (or :mod:`.detector`) does not import torch or transformers; the
other modules do, and are imported inside methods.
"""
