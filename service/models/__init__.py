"""Model registry, family adapters, hub downloads, the torch backend and the model cache."""
