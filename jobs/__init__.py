"""digest: Chinese academic abstracts to English, with aligned extractive summaries."""

__version__ = "0.1.0"
