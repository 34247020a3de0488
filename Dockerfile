# FitGuide service image. Mirrors `make run`: the pinned requirements.lock, then the project itself.
# Stage 1 builds a self-contained virtualenv; stage 2 copies it into a slim runtime as a non-root user.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# CPU-only torch first, from PyTorch's CPU wheel index, so the lock's torch==2.13.0 is already
# satisfied and no CUDA build is pulled in.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --upgrade pip && pip install --index-url "$TORCH_INDEX_URL" torch==2.13.0
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY fitguide ./fitguide
COPY catalog ./catalog
COPY sizing ./sizing
COPY guide ./guide
COPY web ./web
RUN pip install --no-deps --no-build-isolation .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    FITGUIDE_HOST=0.0.0.0 \
    FITGUIDE_PORT=8000 \
    FITGUIDE_VAR_DIR=/var/lib/fitguide \
    FITGUIDE_DATA_DIR=/app/data
RUN useradd --system --uid 10001 --home-dir /app fitguide \
    && mkdir -p /var/lib/fitguide && chown fitguide /var/lib/fitguide
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=fitguide data ./data
USER fitguide
EXPOSE 8000
VOLUME ["/var/lib/fitguide"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"
CMD ["fitguide", "serve"]
