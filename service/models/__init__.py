"""Model registry, family adapters, the torch backend and the model cache."""
