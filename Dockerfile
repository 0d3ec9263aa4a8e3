# CPU image: installs footnote, ingests seeds/ at build time, serves on port 8000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    FOOTNOTE_DATA_DIR=/app/.footnote

WORKDIR /app

# The CPU build of torch first, so that nothing later pulls a multi-GB CUDA build.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN pip install torch==2.13.0 --index-url "$TORCH_INDEX"

COPY pyproject.toml README.md ./
COPY index ./index
COPY service ./service
COPY eval ./eval
COPY footnote ./footnote
RUN pip install .

COPY seeds ./seeds
# Exports the embedding model to ONNX once and builds the index into the image.
RUN footnote ingest seeds

# Loopback names are always served; set the address people use, e.g.
#   docker run -e FOOTNOTE_PUBLIC_URL=https://qa.example.com ...
# (any other Host header gets 400: the defence against DNS rebinding).
ENV FOOTNOTE_PUBLIC_URL=""
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"
CMD ["footnote", "serve", "--host", "0.0.0.0", "--port", "8000"]
