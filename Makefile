# Flywheel: `make lab` opens the course, `make test` runs every test. Both set up .venv first,
# and install again only when pyproject.toml changed (the stamp holds its checksum).

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8888
TOKEN  ?= flywheel
HOST   := 127.0.0.1
# Containers and CI often run as root; JupyterLab refuses that unless told.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
STAMP  := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)
# 2 cores: one pytest worker per core; BLAS threads would only fight each other.
export OMP_NUM_THREADS ?= 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: lab test labs solutions doctor install clean-venv

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Flywheel needs Python 3.11 ($(PYTHON) not found). Install it, or run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -e .
	$(PY) -m ipykernel install --sys-prefix --name flywheel --display-name "Python 3 (Flywheel)" >/dev/null
	$(VENV)/bin/jupyter labextension disable "@jupyterlab/apputils-extension:announcements" >/dev/null 2>&1 || true
	@rm -f $(VENV)/.installed-*
	@touch $@
	@echo "Flywheel environment ready in $(VENV)"

install: $(STAMP)

lab: install
	$(VENV)/bin/jupyter lab --ip=$(HOST) --port=$(PORT) --IdentityProvider.token=$(TOKEN) \
		--ServerApp.root_dir=labs --ServerApp.open_browser=False $(ALLOW_ROOT)

test: install
	$(PY) -m helpers build-labs --check
	$(PY) -m pytest -n 2 --dist loadscope --timeout 900 \
		--nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 600 tests solutions

labs: install
	$(PY) -m helpers build-labs

solutions: install
	$(PY) -m helpers execute $(NB)
	$(PY) -m helpers build-labs

doctor: install
	$(PY) -m helpers doctor

clean-venv:
	rm -rf $(VENV)
