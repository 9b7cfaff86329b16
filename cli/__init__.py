"""The ``ipqa`` command line. It composes the layers (ingest, retriever, service, ui, eval) and is the only place
besides the test suite that may import eval/."""
