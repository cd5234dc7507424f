# The safe-migration bot in a container: see docs/OPERATIONS.md, "Running in a container".
# Docker is not available on the development machine, so this file is not tested there.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib

# A user of its own: the bot never runs as root.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot

WORKDIR /app
COPY . .
# Installs the dependencies; bot.py then runs the code here in /app, beside its content files.
# "check" stops the build when a setting or a content file is broken.
RUN pip install . \
    && python bot.py check \
    && mkdir -p /app/data \
    && chown bot:bot /app/data

# The database (data/bot.sqlite3) lives in a volume, so a new image keeps every registration.
VOLUME ["/app/data"]
USER bot
# Only used in webhook mode (telegram.webhook.port); publish it on 127.0.0.1 of the host only.
EXPOSE 8443
# SIGTERM (docker stop) makes the bot finish its work and write everything before it exits.
STOPSIGNAL SIGTERM
CMD ["python", "bot.py", "run"]
