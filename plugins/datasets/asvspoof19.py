"""``asvspoof19-la`` and ``asvspoof19-pa``: ASVspoof 2019 logical and physical access, official CM protocols.

Corpus: ASVspoof 2019 (VCTK-based). LA: bona fide speech vs TTS/VC attacks A01–A19
(train/dev: A01–A06; eval: A07–A19, A16 = A04 and A19 = A06). PA: bona fide vs replay,
simulated in 27 acoustic environments (room size, T60, talker-to-ASV distance) with 9
attack configurations (attacker-to-talker distance, replay device quality).
FLAC, 16 kHz.

URL: https://datashare.ed.ac.uk/handle/10283/3336 (``LA.zip``, ``PA.zip``).
License: Open Data Commons Attribution License (ODC-By) 1.0.
Citation: X. Wang et al., "ASVspoof 2019: A large-scale public database of synthesized,
converted and replayed speech", Computer Speech & Language 64, 2020; M. Todisco et al.,
"ASVspoof 2019: Future Horizons in Spoofed and Fake Audio Detection", Interspeech 2019.

Layout on disk (as ``LA.zip``/``PA.zip`` unpack; ``T`` is LA or PA)::

    <data root>/T/
      ASVspoof2019_T_cm_protocols/
        ASVspoof2019.T.cm.train.trn.txt
        ASVspoof2019.T.cm.dev.trl.txt
        ASVspoof2019.T.cm.eval.trl.txt
      ASVspoof2019_T_train/flac/T_T_*.flac
      ASVspoof2019_T_dev/flac/T_D_*.flac
      ASVspoof2019_T_eval/flac/T_E_*.flac
      ASVspoof2019_T_asv_scores/ASVspoof2019.T.asv.{dev,eval}.gi.trl.scores.txt   (for t-DCF)

CM protocol lines have 5 space-separated fields, ``SPEAKER_ID AUDIO_FILE_NAME
ENVIRONMENT_ID ATTACK_ID KEY``::

    LA_0079 LA_T_1138215 - - bonafide
    LA_0079 LA_T_1271820 - A01 spoof
    PA_0079 PA_T_0000001 aaa - bonafide

(LA has ``-`` as environment; PA environments are ``aaa``..``ccc`` = room size, T60,
talker-to-ASV distance; PA attacks ``AA``..``CC`` = attacker-to-talker distance, replay
device quality.) ASV score lines have 3 fields, ``SOURCE KEY SCORE`` with KEY one of
``target``, ``nontarget``, ``spoof`` (as read by the organisers' t-DCF script).

Protocol: ``official`` — train = train.trn, val = dev.trl, eval = eval.trl. The attack
id is ``Clip.system``; the speaker is ``Clip.speaker``. The parsed protocol is cached
under ``$FAKEBENCH_HOME/index`` (see :mod:`fakebench.dataset_index`).
"""

from __future__ import annotations

from fakebench.api import hookimpl

from ._asvspoof2019 import Asvspoof19LA, Asvspoof19PA

__all__ = ["Asvspoof19LA", "Asvspoof19PA"]


@hookimpl
def fakebench_register_datasets():
    return [Asvspoof19LA, Asvspoof19PA]
