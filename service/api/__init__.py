"""HTTP blueprints: thin views that parse, call one pipeline and serialise."""
