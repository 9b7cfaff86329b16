"""The shared core: data contracts, the one settings object, logging, text utilities and the model factories.

Every package may import it; it imports nothing else of ours, so the layers above (ingest → retriever → service → ui)
depend on it and never on each other's internals for shared types."""
