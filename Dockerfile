# Batch Planner as a team server: non-root, the pilot ledger on a volume, a health check, secrets from outside.
#
#   docker build -t batch-planner .
#   docker run -p 8501:8501 -v batch-planner-data:/data batch-planner          # sandbox only (the safe default)
#   docker run -p 8501:8501 -v batch-planner-data:/data \
#       -v "$PWD/secrets.toml:/app/.streamlit/secrets.toml:ro" batch-planner    # operator settings, sign-in
#
# Settings come from the mounted secrets.toml ([pilot], [auth]; see .streamlit/secrets.toml.example)
# or from `-e BATCH_PLANNER_ALLOW_REAL_API=1 ...`; nothing secret is baked into the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BATCH_PLANNER_HOME=/data \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

WORKDIR /app
COPY . .
# The project's dependencies include Authlib, so the operator can turn on Streamlit's built-in sign-in
# (st.login, OIDC) from secrets.toml.
RUN pip install . \
    && rm -rf build ./*.egg-info \
    && useradd --system --uid 10001 --create-home --home-dir /home/app app \
    && mkdir -p /data \
    && chown app:app /data \
    && chmod 0700 /data

USER app
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"

# An unexpected error shows visitors a notice, not its traceback, code or file paths; the server log keeps it.
CMD ["streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.fileWatcherType", "none", "--server.maxUploadSize", "64", "--client.showErrorDetails", "none"]
