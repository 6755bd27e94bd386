"""Paper Digest: turns captured Hugging Face Daily Papers digests into a static site with topics, feeds and related papers."""

__version__ = "0.1.0"
