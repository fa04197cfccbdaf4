"""Building blocks of the ``dada`` detector (private: not a plugin module).

``losses``    triplet losses (L2 / cosine, fixed margin) and AdaTriplet with AutoMargin;
``triplets``  triplet sampling and the generic triplet training loop;
``text``      the text branch (encoder LM, last-3-layer mean pooling, projection MLP);
``audio``     the audio branch (wav2vec2, attentive multi-layer pooling, bottleneck);
``fusion``    the binary heads, mid fusion and the late-fusion rules.
"""
