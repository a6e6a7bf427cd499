# Shared set-up for scripts/run and scripts/test: virtualenv, PostgreSQL, Redis.
# Safe to re-run; every step checks before it acts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  # apt_install PACKAGE... : install Debian packages that are missing (needs root or sudo).
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "install ${missing[*]} with your package manager"
  say "Installing ${missing[*]} (Debian packages)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_venv() {
  command -v python3.11 >/dev/null || python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "Python 3.11 is required (Django 5.2 LTS here); install python3.11"
  local python=python3; command -v python3.11 >/dev/null && python=python3.11
  [ -x "$PY" ] || { say "Creating .venv"; "$python" -m venv "$VENV"; }
  local stamp="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    say "Installing Python packages into .venv"
    "$PY" -m pip install -q --upgrade pip
    # The project runs from this folder (manage.py, pytest, celery -A console); only its
    # dependencies are installed, straight from pyproject.toml.
    "$PY" - > "$VENV/requirements.txt" <<'PYTHON'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["dev"]))
PYTHON
    "$PY" -m pip install -q -r "$VENV/requirements.txt"
    rm -f "$VENV"/.installed-*; touch "$stamp"
  fi
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  command -v pg_ctlcluster >/dev/null \
    || die "PostgreSQL is not installed: run 'apt-get install -y postgresql' (or set DATABASE_URL)"
  say "Starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 1; done
  die "PostgreSQL did not start on 127.0.0.1:5432"
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  command -v redis-server >/dev/null \
    || die "Redis is not installed: run 'apt-get install -y redis-server' (or set REDIS_URL)"
  say "Starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "Redis did not start on 127.0.0.1:6379"
}

ensure_database() {
  # The database DATABASE_URL names (default: the local billing_console) is created if missing.
  "$PY" scripts/ensure_database.py || die "Could not create the database (see above)"
}

compile_translations() {
  [ -n "$(find locale -name '*.po' 2>/dev/null)" ] || return 0
  command -v msgfmt >/dev/null || apt_install gettext
  "$PY" manage.py compilemessages -v 0 --ignore=.venv --ignore=staticfiles
}
