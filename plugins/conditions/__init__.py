"""Built-in condition plugins: codecs, channels, noise and reverberation (one per file)."""
