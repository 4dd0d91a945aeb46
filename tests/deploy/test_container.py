"""The container files, checked without a Docker engine (none runs here): the compose file's
shape (and `config -q` when a compose client is installed), the Dockerfile's order, and the
image's run-time configuration run for real on this machine: `collectstatic` into a manifest,
gunicorn with `config/gunicorn.py` serving hashed static files, and the HEALTHCHECK command."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.support.deployment import ROOT, manage, production_env

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
APP_SERVICES = ["migrate", "web", "worker", "beat"]


def test_compose_runs_web_workers_one_beat_postgres_and_redis() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"migrate", "web", "worker", "beat", "db", "broker", "cache"}
    for name in APP_SERVICES:
        assert services[name]["env_file"] == ".env"
        assert services[name]["environment"]["DEBUG"] == "false"
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "--app", "config", "worker"]
    assert "--beat" not in services["worker"]["command"]  # scaling workers must not add beats
    beats = [name for name, service in services.items() if "beat" in service.get("command", [])]
    assert beats == ["beat"] and "deploy" not in services["beat"]
    assert services["db"]["image"].startswith("postgres:")
    environment = services["web"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in environment["DATABASE_URL"]
    assert environment["CELERY_BROKER_URL"].startswith("redis://broker:")
    assert environment["CACHE_URL"].startswith("redis://cache:")
    assert environment["RESOLVER_CACHE_URL"].startswith("redis://cache:")
    # The broker must never evict a queued task; the cache must evict to make room.
    assert "noeviction" in services["broker"]["command"]
    assert "allkeys-lru" in services["cache"]["command"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.slow
def test_compose_config_is_valid(tmp_path: Path) -> None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        command = ["docker", "compose"]
    elif shutil.which("docker-compose"):
        command = ["docker-compose"]
    else:
        pytest.skip("no compose client (docker compose or docker-compose) installed")
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    (tmp_path / ".env").write_text("POSTGRES_PASSWORD=test\nSECRET_KEY=test\n")
    done = subprocess.run([*command, "-f", "compose.yaml", "config", "-q"], cwd=tmp_path, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    (tmp_path / ".env").write_text("SECRET_KEY=test\n")  # no database password: refused, saying so
    done = subprocess.run([*command, "-f", "compose.yaml", "config", "-q"], cwd=tmp_path, capture_output=True)
    assert done.returncode != 0 and b"set POSTGRES_PASSWORD in .env" in done.stderr


def test_dockerfile_installs_pins_before_the_code_and_runs_unprivileged() -> None:
    stages = re.findall(r"^FROM \S+ AS (\w+)", DOCKERFILE, re.MULTILINE)
    assert stages == ["builder", "runtime"]
    builder, runtime = DOCKERFILE.split("\nFROM ${PYTHON_IMAGE} AS runtime")
    assert "COPY . " not in builder  # the dependency layer does not change with the code
    assert "pip install --no-deps --only-binary=:all: -r /tmp/requirements.txt" in builder
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    assert runtime.index("collectstatic") < runtime.index("USER app")
    assert re.search(r"^USER app:app$", runtime, re.MULTILINE)
    assert "HEALTHCHECK" in runtime and "/healthz" in runtime
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".env", "tests", "db.sqlite3*"} <= set(ignored)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_image_configuration_serves_pages_static_files_and_health(tmp_path: Path) -> None:
    """What the image's RUN and CMD lines do, on this machine: production settings, a collected
    manifest, gunicorn, and the HEALTHCHECK's own command against it."""
    port = free_port()
    env = {
        **production_env(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "CACHE_URL": "locmem://",
        "RESOLVER_CACHE_URL": "",
        "ALLOWED_HOSTS": "127.0.0.1",
        # As behind a TLS-terminating proxy, played here by an X-Forwarded-Proto header.
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "STATIC_MANIFEST": "true",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    collected = manage("collectstatic", "--noinput", "--verbosity", "0", env=env, tmp_path=tmp_path)
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()
    assert manage("migrate", "--noinput", env=env, tmp_path=tmp_path).returncode == 0
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--config", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "gunicorn did not answer in 30 s"
                time.sleep(0.2)
        healthcheck = re.search(r'CMD \["python", "-c", "(.*)"\]', DOCKERFILE).group(1)  # the image's own
        probe = subprocess.run(
            [sys.executable, "-c", healthcheck.replace("127.0.0.1:8000", f"127.0.0.1:{port}")], timeout=10
        )
        assert probe.returncode == 0
        plain = urllib.request.Request(base + "/", method="HEAD")
        with pytest.raises(urllib.error.HTTPError) as redirected:  # urllib does not follow to https
            urllib.request.build_opener(NoRedirect).open(plain, timeout=10)
        assert redirected.value.code == 301
        assert redirected.value.headers["Location"].startswith("https://127.0.0.1")
        proxied = urllib.request.Request(base + "/", headers={"X-Forwarded-Proto": "https"})
        home = urllib.request.urlopen(proxied, timeout=90)  # the first page unpacks the offline index
        assert home.status == 200
        assert "max-age=31536000" in home.headers["Strict-Transport-Security"]
        page = home.read().decode()
        stylesheet = re.search(r'href="(/static/conflicts/app\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, "the page links a hashed stylesheet from the manifest"
        static = urllib.request.urlopen(
            urllib.request.Request(base + stylesheet.group(1), headers={"X-Forwarded-Proto": "https"}), timeout=5
        )
        assert static.status == 200 and "immutable" in static.headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_gunicorn_config_reads_its_variables() -> None:
    code = "import runpy; c = runpy.run_path('config/gunicorn.py'); print(c['bind'], c['workers'], c['threads'])"
    env = {"PATH": os.environ.get("PATH", ""), "GUNICORN_BIND": "0.0.0.0:9000", "WEB_CONCURRENCY": "3"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert shlex.split(done.stdout) == ["0.0.0.0:9000", "3", "4"]
