.PHONY: run test lint bench messages

run:  ## install and start web + worker + beat with demo data
	@bash scripts/run

test:  ## install what is missing and run lint + the whole test suite
	@bash scripts/test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

messages:  ## refresh the translation catalogues after changing strings
	.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles

bench:  ## issue 6 speed figures (a benchmark, not a test): ingestion, entitlement, settlement
	@bash -c 'source scripts/lib.sh && ensure_venv && apt_install wrk && ensure_postgres && ensure_redis && "$$PY" -m bench.run'
