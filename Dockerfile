# Guichet (controller, voicebot, web app) for production with docker compose.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng sox ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/guichet
COPY . .
RUN pip install --no-cache-dir '.[postgres]'
ENV GUICHET_HOME=/var/lib/guichet \
    GUICHET_ASTERISK_MODE=external
VOLUME /var/lib/guichet
CMD ["guichet", "up"]
