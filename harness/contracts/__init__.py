"""The contracts: the base class of each plugin kind.

=============  ========================================  ===============================
kind           base class                                hook
=============  ========================================  ===============================
dataset        :class:`~.dataset.Dataset`                ``fakebench_register_datasets``
embedder       :class:`~.embedder.Embedder`              ``fakebench_register_embedders``
detector       :class:`~.detector.Detector`              ``fakebench_register_detectors``
metric         :class:`~.metric.Metric`                  ``fakebench_register_metrics``
condition      :class:`~.condition.Condition`            ``fakebench_register_conditions``
=============  ========================================  ===============================

Plugins import them from :mod:`fakebench.api`.
"""
