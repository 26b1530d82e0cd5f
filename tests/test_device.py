"""Which torch device the sentence-transformers backend takes: decided from what torch reports (faked here)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from index.embedding import choose_device
from ingest import GuidekbError


def fake_torch(gpus: int = 0, mps: bool = False):
    return SimpleNamespace(cuda=SimpleNamespace(is_available=lambda: gpus > 0, device_count=lambda: gpus),
                           backends=SimpleNamespace(mps=SimpleNamespace(is_available=lambda: mps)))


@pytest.mark.parametrize("gpus, mps, expected", [(0, False, "cpu"), (1, False, "cuda"), (2, True, "cuda"),
                                                 (0, True, "mps")])
def test_auto_takes_a_gpu_when_one_is_present(gpus, mps, expected):
    assert choose_device("auto", fake_torch(gpus, mps)) == expected


@pytest.mark.parametrize("requested, expected", [("cpu", "cpu"), ("CPU", "cpu"), ("cuda", "cuda"),
                                                 ("cuda:1", "cuda:1"), (" auto ", "cuda")])
def test_an_explicit_device_is_kept(requested, expected):
    assert choose_device(requested, fake_torch(gpus=2)) == expected


def test_cpu_is_honoured_even_with_a_gpu():
    assert choose_device("cpu", fake_torch(gpus=1, mps=True)) == "cpu"


@pytest.mark.parametrize("requested, torch", [("cuda", fake_torch(0)), ("cuda:2", fake_torch(2)),
                                              ("mps", fake_torch(1, mps=False))])
def test_an_absent_device_fails_loudly(requested, torch):
    with pytest.raises(GuidekbError) as err:
        choose_device(requested, torch)
    assert err.value.code == "model_unavailable" and "auto or cpu" in err.value.message


@pytest.mark.parametrize("requested", ["gpu", "cuda:x", "cuda:", "tpu", "cpu:0"])
def test_an_unknown_device_is_a_bad_setting(requested):
    with pytest.raises(GuidekbError) as err:
        choose_device(requested, fake_torch(1))
    assert err.value.code == "invalid_setting"


def test_this_machine_without_a_gpu_builds_on_the_cpu():
    import torch  # the test command installs the st extra

    assert choose_device("auto") == ("cuda" if torch.cuda.is_available() else
                                      "mps" if torch.backends.mps.is_available() else "cpu")
