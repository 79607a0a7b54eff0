# syntax=docker/dockerfile:1.7
# Tarjoman's image. Dependencies are installed by scripts/setup, the script CI runs on every
# push, pinned by constraints.txt; tests/test_dockerfile.py checks what CI cannot run here.
#   docker build -t tarjoman .                                    # models in a volume at /models
#   docker build --build-arg BAKE_MODELS=1 --build-arg PROFILE=default -t tarjoman:default .
#   docker build --build-arg BAKE_MODELS=1 --build-arg PROFILE=persian \
#       --secret id=hf_token,env=HF_TOKEN -t tarjoman:persian .    # gated model: token as a secret
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# The CPU wheels of torch: the default index would pull a multi-GB CUDA build.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PIP_EXTRA_INDEX_URL=${TORCH_INDEX} PIP_NO_CACHE_DIR=1 \
    TARJOMAN_VENV=/app/.venv TARJOMAN_EXTRAS=none
WORKDIR /app
COPY pyproject.toml constraints.txt README.md models.toml gunicorn.conf.py ./
COPY scripts/ scripts/
COPY service/ service/
RUN scripts/setup

# Weights: none by default (mount a volume at /models and run `tarjoman models download`),
# or baked in at build time with BAKE_MODELS=1, at the revisions pinned in models.toml.
FROM build AS models
ARG BAKE_MODELS=0
ARG PROFILE=default
ENV TARJOMAN_MODELS_DIR=/models HF_HUB_DISABLE_TELEMETRY=1
RUN --mount=type=secret,id=hf_token,required=false \
    mkdir -p /models && if [ "$BAKE_MODELS" = 1 ]; then \
      HF_TOKEN="$(cat /run/secrets/hf_token 2>/dev/null || true)" \
      /app/.venv/bin/tarjoman models download --profile "$PROFILE"; \
    fi

FROM ${PYTHON_IMAGE} AS runtime
ARG PROFILE=default
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin tarjoman \
    && mkdir -p /data && chown tarjoman:tarjoman /data
WORKDIR /app
COPY --from=build /app /app
COPY --from=models --chown=tarjoman:tarjoman /models /models
# Offline at run time: the service never fetches weights unless TARJOMAN_ALLOW_DOWNLOAD=1.
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 \
    TARJOMAN_PROFILE=${PROFILE} TARJOMAN_MODELS_DIR=/models TARJOMAN_JOBS_DIR=/jobs \
    TARJOMAN_DATA_DIR=/data HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
# Jobs' index, uploads and results: writable by the service, a volume (shared by workers).
RUN mkdir -p /jobs && chown tarjoman:tarjoman /jobs
VOLUME ["/models"]
VOLUME ["/jobs"]
# DeepL glossaries and usage, LibreTranslate's translated files (made writable above).
VOLUME ["/data"]
USER tarjoman
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=4).status != 200)"]
CMD ["tarjoman", "serve"]
