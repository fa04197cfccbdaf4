"""fakebench.finetune: resume after a real kill -9 is bit-for-bit, gradient accumulation,
checkpoint averaging, early stopping on the dev EER, separate learning rates, precision on
CPU, and refusal of a checkpoint folder from other settings. Real speech clips from
../shared; a small waveform network (with dropout, so the RNG states matter)."""

from __future__ import annotations

import inspect
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch
from fakebench.data import Clip
from fakebench.errors import ConfigError
from fakebench.finetune import FinetuneConfig, average_states, finetune, parse_average
from fakebench.inputs import AudioSource

pytestmark = pytest.mark.shared

class Net(torch.nn.Module):
    """conv front-end (the 'front-end' group) + linear head (the 'back-end' group)"""

    def __init__(self, dropout=0.3):
        super().__init__()
        self.front = torch.nn.Conv1d(1, 8, kernel_size=64, stride=32)
        self.drop = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(8, 2)

    def forward(self, wave):
        h = torch.relu(self.front(wave.unsqueeze(1))).mean(dim=2)
        return self.head(self.drop(h))


NET = inspect.getsource(Net)  # the subprocess defines the same class


@pytest.fixture(autouse=True)
def single_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def clips(shared):
    import csv

    with open(shared / "data" / "speech" / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    real = [r for r in rows if r["label"] == "real"][:4]
    fake = [r for r in rows if r["label"] == "fake"][:4]
    out = [Clip(id=r["path"], path=shared / "data" / "speech" / r["path"], label=int(r["label"] == "fake"))
           for r in real + fake]
    return out


def _source(clips):
    return AudioSource(clips, 16000, "repeat:0.25")


def _groups(net, lr_front=1e-2, lr_back=1e-2):
    return [{"params": list(net.front.parameters()), "lr": lr_front, "name": "frontend"},
            {"params": list(net.head.parameters()), "lr": lr_back, "name": "backend"}]


def _loss(out, y):
    return torch.nn.functional.cross_entropy(out, 1 - y)


def _score(out):
    return out[:, 0] - out[:, 1]


def _train(clips, cfg, dropout=0.3, val=True, device="cpu", **kw):
    torch.manual_seed(0)
    net = Net(dropout).to(device)
    y = np.array([c.label for c in clips])
    scorer = None
    if val:
        src = _source(clips)

        def scorer(model):
            with torch.inference_mode():
                waves = torch.stack([src[i][0] for i in range(len(src))])
                return _score(model(waves)).double().numpy()
    res = finetune(net, _source(clips), y, param_groups=_groups(net, **kw), loss_fn=_loss, config=cfg,
                   val=(y, scorer) if val else None, score_fn=_score)
    return net, res


def _cfg(**kw):
    base = {"epochs": 3, "batch_size": 2, "crop_samples": 4000, "random_crop": True, "seed": 3}
    base.update(kw)
    return FinetuneConfig(**base)


SCRIPT = textwrap.dedent("""
    import json, sys, time
    import numpy as np, torch
    torch.set_num_threads(1)
    from fakebench.data import Clip
    from fakebench.finetune import FinetuneConfig, finetune
    from fakebench.inputs import AudioSource
    {net}
    args = json.loads(sys.argv[1])
    clips = [Clip(id=p, path=p, label=l) for p, l in args["clips"]]
    y = np.array([c.label for c in clips])

    class Slow(Net):  # a slow forward, so that the kill lands inside the run
        def forward(self, wave):
            if self.training:
                time.sleep(args["sleep"])
            return super().forward(wave)

    def scorer(model):
        src = AudioSource(clips, 16000, "repeat:0.25")
        with torch.inference_mode():
            out = model(torch.stack([src[i][0] for i in range(len(src))]))
        return (out[:, 0] - out[:, 1]).double().numpy()

    torch.manual_seed(0)
    net = Slow()
    groups = [{{"params": list(net.front.parameters()), "lr": 1e-2, "name": "frontend"}},
              {{"params": list(net.head.parameters()), "lr": 5e-2, "name": "backend"}}]
    cfg = FinetuneConfig(epochs=args["epochs"], batch_size=2, accumulate=2, crop_samples=4000, random_crop=True,
                         schedule="cosine", warmup_steps=2, average="last:2", seed=11,
                         checkpoint_dir=args["ckpt"])
    res = finetune(net, AudioSource(clips, 16000, "repeat:0.25"), y, param_groups=groups,
                   loss_fn=lambda out, yb: torch.nn.functional.cross_entropy(out, 1 - yb), config=cfg,
                   val=(y, scorer), score_fn=lambda out: out[:, 0] - out[:, 1])
    torch.save(net.state_dict(), args["out"])
    hist = [{{k: v for k, v in h.items() if k != "seconds"}} for h in res.history]
    json.dump({{"history": hist, "resumed_from": res.resumed_from, "averaged": res.averaged}},
              open(args["out"] + ".json", "w"))
""")


@pytest.mark.slow
def test_resume_after_kill_minus_9_is_bit_for_bit(clips, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.format(net=NET))
    epochs = 4
    base = {"clips": [[str(c.path), c.label] for c in clips], "epochs": epochs, "sleep": 0.08}

    def launch(name):
        args = dict(base, ckpt=str(tmp_path / f"ckpt-{name}"), out=str(tmp_path / f"{name}.pt"))
        env = dict(os.environ, OMP_NUM_THREADS="1")
        return subprocess.Popen([sys.executable, str(script), json.dumps(args)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    whole = launch("whole")  # uninterrupted
    victim = launch("cut")  # killed after its first epoch checkpoint
    last = tmp_path / "ckpt-cut" / "last.pt"
    deadline = time.time() + 120
    while not last.exists() and victim.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL, victim.stderr.read().decode()[-2000:]
    done = torch.load(last, weights_only=True)["epoch"]
    assert 1 <= done < epochs  # really interrupted mid-training
    assert not (tmp_path / "cut.pt").exists()
    resumed = launch("cut")  # same folder: continues after the last finished epoch
    for p in (whole, resumed):
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-3000:]
    a = torch.load(tmp_path / "whole.pt", weights_only=True)
    b = torch.load(tmp_path / "cut.pt", weights_only=True)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs after resume"
    ha = json.loads((tmp_path / "whole.pt.json").read_text())
    hb = json.loads((tmp_path / "cut.pt.json").read_text())
    assert ha["resumed_from"] is None and hb["resumed_from"] == done
    assert ha["history"] == hb["history"] and len(ha["history"]) == epochs
    assert ha["averaged"] == hb["averaged"] == [epochs - 1, epochs]


def test_gradient_accumulation_equals_one_larger_batch(clips):
    a, _ = _train(clips, _cfg(batch_size=4, accumulate=1, epochs=2), dropout=0.0, val=False)
    b, _ = _train(clips, _cfg(batch_size=2, accumulate=2, epochs=2), dropout=0.0, val=False)
    c, _ = _train(clips, _cfg(batch_size=2, accumulate=1, epochs=2), dropout=0.0, val=False)
    for k, v in a.state_dict().items():
        torch.testing.assert_close(v, b.state_dict()[k], atol=1e-6, rtol=1e-5)
    assert any(not torch.allclose(v, c.state_dict()[k], atol=1e-6) for k, v in a.state_dict().items())


def test_average_last_n_is_the_mean_of_those_epochs(clips):
    two, _ = _train(clips, _cfg(epochs=2, select="last"), val=False)
    three, _ = _train(clips, _cfg(epochs=3, select="last"), val=False)
    avg, res = _train(clips, _cfg(epochs=3, average="last:2"), val=False)
    assert res.averaged == [2, 3]
    want = average_states([two.state_dict(), three.state_dict()])
    for k, v in avg.state_dict().items():
        torch.testing.assert_close(v, want[k], atol=1e-7, rtol=0)
    assert not torch.equal(avg.state_dict()["head.weight"], three.state_dict()["head.weight"])


def test_best_n_averages_the_lowest_eer_epochs(clips):
    _, res = _train(clips, _cfg(epochs=4, average="best:2"))
    eers = {h["epoch"]: h["val_eer"] for h in res.history}
    ranked = sorted(eers, key=lambda e: (eers[e], -e))[:2]
    assert res.averaged == sorted(ranked)


def test_early_stopping_on_dev_eer_keeps_the_best_epoch(clips, monkeypatch):
    from fakebench import metrics

    sequence = iter([0.25, 0.10, 0.30, 0.40, 0.50, 0.60])  # the dev EERs the loop will see
    monkeypatch.setattr(metrics, "eer", lambda *a, **k: next(sequence))
    net, res = _train(clips, _cfg(epochs=6, patience=2))
    assert res.stopped_early and [h["epoch"] for h in res.history] == [1, 2, 3, 4]
    assert res.best_epoch == 2 and res.best_eer == 0.10
    again, _ = _train(clips, _cfg(epochs=2, select="last"), val=False)  # epoch 2's weights, alone
    for k, v in net.state_dict().items():
        assert torch.equal(v, again.state_dict()[k])


def test_learning_rates_are_per_group(clips):
    torch.manual_seed(0)
    front_before = {k: v.clone() for k, v in Net(0.0).front.state_dict().items()}  # what _train builds
    net, res = _train(clips, _cfg(epochs=1), dropout=0.0, val=False, lr_front=0.0, lr_back=1e-2)
    for k, v in net.front.state_dict().items():
        assert torch.equal(v, front_before[k])
    assert res.history[0]["lr_frontend"] == 0.0 and res.history[0]["lr_backend"] == 1e-2


def test_mixed_precision_is_off_on_cpu(clips):
    a, _ = _train(clips, _cfg(epochs=1, precision="bf16"), val=False)
    b, _ = _train(clips, _cfg(epochs=1), val=False)
    for k, v in a.state_dict().items():
        assert torch.equal(v, b.state_dict()[k])


def test_random_crops_come_from_the_seed(clips):
    a, _ = _train(clips, _cfg(epochs=1), val=False)
    b, _ = _train(clips, _cfg(epochs=1), val=False)
    c, _ = _train(clips, _cfg(epochs=1, seed=4), val=False)
    assert torch.equal(a.head.weight, b.head.weight)
    assert not torch.equal(a.head.weight, c.head.weight)


def test_a_checkpoint_folder_of_other_settings_is_refused(clips, tmp_path):
    _train(clips, _cfg(epochs=1, checkpoint_dir=str(tmp_path)), val=False)
    assert (tmp_path / "last.pt").is_file()
    with pytest.raises(ConfigError, match="other settings"):
        _train(clips, _cfg(epochs=1, batch_size=4, checkpoint_dir=str(tmp_path)), val=False)


def test_bad_settings_are_config_errors():
    with pytest.raises(ConfigError, match="average"):
        parse_average("middle:3")
    with pytest.raises(ConfigError, match="precision"):
        FinetuneConfig(precision="fp8").check()


def test_augmentation_is_seeded(clips):
    pytest.importorskip("fakebench.augment", reason="harness/augment.py (make_augment) is not there yet")
    a, _ = _train(clips, _cfg(epochs=1, augment="rawboost:3"), val=False)
    b, _ = _train(clips, _cfg(epochs=1, augment="rawboost:3"), val=False)
    c, _ = _train(clips, _cfg(epochs=1), val=False)
    assert torch.equal(a.head.weight, b.head.weight)
    assert not torch.equal(a.head.weight, c.head.weight)


@pytest.mark.gpu
@pytest.mark.parametrize("precision", ["fp16", "bf16"])
def test_mixed_precision_on_gpu(clips, precision):
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    net, res = _train(clips, _cfg(epochs=2, precision=precision), dropout=0.0, val=False, device="cuda")
    assert all(np.isfinite(h["loss"]) for h in res.history)
    assert all(p.dtype == torch.float32 for p in net.parameters())  # autocast, not a cast of the weights
