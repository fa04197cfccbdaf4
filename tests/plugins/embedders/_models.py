"""Loaded embedders shared by the tests of this folder (each built once per session).

Hub models use ``weights="random"`` (seeded); wav2vec2 and whisper use tiny configs so
the tests stay fast (their full-size configs remain the defaults).
"""

import functools

TINY_WAV2VEC2 = {"hidden_size": 32, "num_hidden_layers": 3, "num_attention_heads": 2, "intermediate_size": 64,
                 "conv_dim": [16] * 7, "num_conv_pos_embeddings": 16, "num_conv_pos_embedding_groups": 2}
TINY_WHISPER = {"d_model": 32, "encoder_layers": 3, "encoder_attention_heads": 2, "encoder_ffn_dim": 64,
                "max_source_positions": 150}

PARAMS = {
    "wav2vec2": {"config": TINY_WAV2VEC2},
    "whisper": {"config": TINY_WHISPER},
    "vggish": {"postprocess": "pca"},
}
REAL = ("speaker",)  # real weights ship in the wheel


@functools.lru_cache(maxsize=None)
def loaded(name: str, **params):
    from fakebench.registry import Registry

    cls = Registry().embedder(name)
    emb = cls(**{**PARAMS.get(name, {}), **params})
    return emb.load(weights=None if name in REAL else "random", device="cpu")


def factory(name: str, **params):
    return functools.partial(loaded, name, **params)
