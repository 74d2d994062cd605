"""Security of the REST API on a real Jupyter server: authentication, XSRF, authorization,
hostile request bodies, the server behind privileged/apk-helper, and a check like the extension
template's check_auth script."""

import asyncio
import gc
import json
import os
import subprocess
import sys
import textwrap
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

import pytest
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.utils import url_path_join
from tornado.httpclient import HTTPClientError
from tornado.routing import Router

from jupyterlab_apk.apkwriter import PackageInfo, write_repository
from jupyterlab_apk.routes import ApkHandler

from .conftest import wait_done
from .test_apk_helper import HELPER, POLICY_ENV
from .test_installer import APK_DOUBLE, ARCH, SITE

pytestmark = pytest.mark.usefixtures("jp_serverapp")

JOB_ID = "0123456789abcdef"
INSTALL = {"action": "install", "packages": ["py3-hello"]}
# Every (method, path, body) of jupyterlab_apk/routes.py; test_the_route_table_is_complete keeps
# it in step with what the server actually registers.
ROUTES = [
    ("GET", "settings", None),
    ("GET", "packages", None),
    ("GET", "packages/py3-hello", None),
    ("GET", "repositories", None),
    ("PUT", "repositories", {"repositories": []}),
    ("POST", "refresh", {}),
    ("POST", "resolve", {"requirements": ["hello"], "kernel": "python3"}),
    ("GET", "modules/hello?kernel=python3", None),
    ("GET", "jobs", None),
    ("POST", "jobs", INSTALL),
    ("GET", f"jobs/{JOB_ID}", None),
    ("DELETE", f"jobs/{JOB_ID}", None),
    ("GET", "environment?kernel=python3", None),
    ("GET", "environment/export?format=apk&kernel=python3", None),
]
STATE_CHANGING = [route for route in ROUTES if route[0] != "GET"]


def route_id(route):
    return f"{route[0]} {route[1]}"


# -- the server under test -----------------------------------------------------------------------


@pytest.fixture
def sandbox(tmp_path, keys):
    repo = tmp_path / "repo"
    info = PackageInfo(name="py3-hello", version="1.0-r0", arch=ARCH, description="hello")
    write_repository(repo, ARCH, [(info, {f"{SITE}/hello.py": b"WORLD = 1\n"})], keys.key)
    other = tmp_path / "other-repo"  # a good repository the helper's policy does not list
    write_repository(other, ARCH, [(info, {f"{SITE}/hello.py": b"WORLD = 1\n"})], keys.key)
    root = tmp_path / "root"
    (root / "etc/apk").mkdir(parents=True)
    (root / "etc/apk/arch").write_text(f"{ARCH}\n")
    (root / "lib/apk/db").mkdir(parents=True)
    (root / "lib/apk/db/installed").write_text("")
    return repo, other, root


@pytest.fixture
def authorizer_class():
    return None  # parametrize to configure ServerApp.authorizer_class


@pytest.fixture
def apk_command():
    return [APK_DOUBLE]  # parametrize with [str(HELPER)] to go through the helper


@pytest.fixture
def extra_repositories():
    return []


@pytest.fixture
def manager_config():
    return {}  # parametrize with more ApkManager traits


@pytest.fixture
def helper_policy(tmp_path, sandbox, keys, monkeypatch):
    """The helper's policy (only the first repository), given to it as the tests may."""
    repo, _, root = sandbox
    path = tmp_path / "etc" / "policy.json"
    path.parent.mkdir()
    path.write_text(json.dumps({
        "apk": APK_DOUBLE, "root": str(root), "repositories": [str(repo)],
        "keys_dir": str(keys.dir), "audit_log": str(tmp_path / "log" / "audit.jsonl"),
    }))  # fmt: skip
    for name in ("SUDO_USER", "SUDO_UID", "DOAS_USER", "PKEXEC_UID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(POLICY_ENV, str(path))  # the server's apk runs inherit it
    return path


@pytest.fixture
def jp_server_config(sandbox, keys, tmp_path, authorizer_class, apk_command, extra_repositories,
                     manager_config, helper_policy):  # fmt: skip
    repo, other, root = sandbox
    server = {"jpserver_extensions": {"jupyterlab_apk": True}}
    if authorizer_class is not None:
        server["authorizer_class"] = authorizer_class
    return {
        "ServerApp": server,
        "ApkManager": {
            "repositories": [str(repo), *[str(other) for _ in extra_repositories]],
            "keys_dir": str(keys.dir),
            "root": str(root),
            "cache_dir": str(tmp_path / "cache"),
            "apk_command": apk_command,
            **{k: v.replace("{tmp}", str(tmp_path)) if isinstance(v, str)
               else [x.replace("{tmp}", str(tmp_path)) for x in v] if isinstance(v, list) else v
               for k, v in manager_config.items()},
        },
    }


@pytest.fixture(autouse=True)
def stop_the_installer(jp_serverapp, jp_asyncio_loop):
    """Stop each server's install worker before the server goes, and finalize what earlier test
    files left pending now. The extension does not stop its worker at shutdown; the abandoned
    coroutine is then finalized whenever the GC runs, and if that happens while pytest parses
    source to report a failing test, Python 3.11's traceback carets re-enter ast.parse and
    pytest dies with "SystemError: AST constructor recursion depth mismatch" (an INTERNALERROR
    that silently skips the rest of the run)."""
    gc.collect()
    yield
    installer = jp_serverapp.web_app.settings["jupyterlab_apk_installer"]
    jp_asyncio_loop.run_until_complete(installer.close())


@pytest.fixture
def fetch(jp_fetch):
    """`fetch(method, path, body, headers) -> (code, json)`, errors included."""

    async def call(method, path, body=None, headers=None, raw_body=None, **params):
        if raw_body is None and body is not None:
            raw_body = json.dumps(body)
        if raw_body is None and method in ("POST", "PUT", "PATCH"):
            raw_body = b""
        path, _, query = path.partition("?")
        params = {**dict(parse_qsl(query)), **params}
        try:
            response = await jp_fetch("jupyterlab-apk", *path.split("/"), method=method,
                                      body=raw_body, headers=headers, params=params)  # fmt: skip
        except HTTPClientError as e:
            response = e.response
        try:
            payload = json.loads(response.body or b"null")
        except ValueError:
            payload = response.body
        return response.code, payload

    return call


async def no_jobs(fetch):
    code, jobs = await fetch("GET", "jobs")
    assert code == 200
    return jobs == []


def installed(root):
    return (root / "lib/apk/db/installed").read_text()


# -- authentication ------------------------------------------------------------------------------


def registered_routes(web_app):
    """(URL regex, handler class) of every jupyterlab-apk route the server registered."""
    found = []

    def walk(router):
        for rule in router.rules:
            if isinstance(rule.target, Router):
                walk(rule.target)
            elif isinstance(rule.target, type) and issubclass(rule.target, ApkHandler):
                found.append((rule.matcher.regex.pattern, rule.target))

    walk(web_app.default_router)
    walk(web_app.wildcard_router)
    return found


def own_methods(handler):
    """The HTTP verbs jupyterlab-apk implements (not those inherited from jupyter_server)."""
    ours = handler.__mro__[: handler.__mro__.index(ApkHandler) + 1]
    return {m for m in handler.SUPPORTED_METHODS if any(m.lower() in vars(cls) for cls in ours)}


def test_the_route_table_is_complete(jp_serverapp, jp_base_url):
    import re

    routes = registered_routes(jp_serverapp.web_app)
    assert len(routes) == 11
    registered = set()
    for pattern, handler in routes:
        for method in own_methods(handler):
            registered.add((pattern, method))
    covered = set()
    for method, path, _ in ROUTES:
        url = url_path_join(jp_base_url, "jupyterlab-apk", path.partition("?")[0])
        matches = {(p, method) for p, h in routes if re.fullmatch(p, url)} & registered
        assert len(matches) == 1, (method, path)
        covered |= matches
    assert covered == registered


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
@pytest.mark.parametrize(
    "authorization", [None, "token wrong", "token "], ids=["none", "wrong", "empty"]
)
async def test_every_endpoint_refuses_unauthenticated_requests(
    http_server_client, jp_base_url, fetch, route, authorization
):
    method, path, body = route
    headers = {} if authorization is None else {"Authorization": authorization}
    with pytest.raises(HTTPClientError) as e:
        await http_server_client.fetch(
            url_path_join(jp_base_url, "jupyterlab-apk", path), method=method, headers=headers,
            body=None if body is None else json.dumps(body), follow_redirects=False,
        )  # fmt: skip
    assert e.value.code == 403
    assert await no_jobs(fetch)


def test_every_handler_is_authenticated_as_the_server_checks_it(jp_serverapp):
    """jupyter_server's own check (the one behind the JupyterServerAuthWarning)."""
    web_app = jp_serverapp.web_app
    for pattern, handler in registered_routes(web_app):
        assert web_app._check_handler_auth(pattern, handler) == []


# -- XSRF ----------------------------------------------------------------------------------------


async def cookie_login(http_server_client, jp_serverapp, jp_base_url):
    """Log in through /login with the token as a browser does; returns the cookies."""
    login_url = url_path_join(jp_base_url, "login")
    first = await http_server_client.fetch(login_url)
    cookies = SimpleCookie()
    for header in first.headers.get_list("Set-Cookie"):
        cookies.load(header)
    xsrf = cookies["_xsrf"].value
    with pytest.raises(HTTPClientError) as e:  # 302 to the next page
        await http_server_client.fetch(
            login_url, method="POST", follow_redirects=False,
            body=urlencode({"password": jp_serverapp.identity_provider.token, "_xsrf": xsrf}),
            headers={"Cookie": f"_xsrf={xsrf}"},
        )  # fmt: skip
    assert e.value.code == 302
    for header in e.value.response.headers.get_list("Set-Cookie"):
        cookies.load(header)
    return {name: morsel.value for name, morsel in cookies.items()}


@pytest.fixture
def browser(http_server_client, jp_serverapp, jp_base_url):
    """`browser(method, path, body, xsrf) -> code`: a cookie-authenticated session."""
    session = {}

    async def call(method, path, body=None, xsrf=False):
        if not session:
            session.update(await cookie_login(http_server_client, jp_serverapp, jp_base_url))
        cookies = dict(session)
        headers = {}
        if xsrf:
            headers["X-XSRFToken"] = cookies["_xsrf"]
        else:
            cookies.pop("_xsrf")
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        try:
            response = await http_server_client.fetch(
                url_path_join(jp_base_url, "jupyterlab-apk", path), method=method,
                headers=headers, follow_redirects=False,
                body=None if body is None else json.dumps(body),
            )  # fmt: skip
        except HTTPClientError as e:
            response = e.response
        return response.code

    return call


async def test_a_cookie_session_works_with_the_xsrf_token(browser, fetch):
    """The control for the next test: the session is real, and with its token POST works."""
    assert await browser("GET", "packages") == 200
    assert await browser("POST", "jobs", {**INSTALL, "preview": True}, xsrf=True) == 202
    assert not await no_jobs(fetch)


@pytest.mark.parametrize("route", STATE_CHANGING, ids=route_id)
async def test_state_changing_requests_without_xsrf_token_are_refused(browser, fetch, route):
    method, path, body = route
    assert await browser(method, path, body) == 403
    assert await no_jobs(fetch)


# -- authorization ---------------------------------------------------------------------------------


class DenyWrite(Authorizer):
    """Users may browse packages but not change the system."""

    def is_authorized(self, handler, user, action, resource):
        return not (resource == "apk" and action == "write")


class DenyApk(Authorizer):
    """Nothing of jupyterlab-apk; records what each request asked for."""

    calls: list[tuple[str, str, str]] = []

    def is_authorized(self, handler, user, action, resource):
        DenyApk.calls.append((handler.request.method, action, resource))
        return resource != "apk"


@pytest.mark.parametrize("authorizer_class", [DenyWrite])
async def test_an_authorizer_denying_write_blocks_installs_not_browsing(fetch, sandbox):
    for method, path, body in ROUTES:
        code, _ = await fetch(method, path, body)
        if method == "GET":
            assert code in (200, 404), path  # 404: the unknown job and package
        else:
            assert code == 403, path
    assert await no_jobs(fetch)
    assert installed(sandbox[2]) == ""


@pytest.mark.parametrize("authorizer_class", [DenyApk])
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
async def test_every_endpoint_asks_the_authorizer(fetch, route):
    method, path, body = route
    DenyApk.calls.clear()
    assert (await fetch(method, path, body))[0] == 403
    action = "read" if method == "GET" else "write"
    assert DenyApk.calls == [(method, action, "apk")]


# -- hostile bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["jobs", "resolve"])
async def test_a_10_mb_body_is_refused_and_nothing_runs(fetch, path, sandbox):
    body = json.dumps({**INSTALL, "requirements": ["hello"], "kernel": "python3",
                       "padding": "x" * (10 * 1024 * 1024), "install": True})  # fmt: skip
    code, _ = await fetch("POST", path, raw_body=body)
    assert code in (400, 413)
    assert await no_jobs(fetch)


@pytest.mark.parametrize("path", ["jobs", "resolve", "repositories"])
async def test_a_deeply_nested_body_is_a_400(fetch, path):
    nested = "[" * 30_000 + "]" * 30_000  # within the size limit, beyond json's recursion limit
    method = "PUT" if path == "repositories" else "POST"
    code, payload = await fetch(method, path, raw_body=f'{{"packages": {nested}}}')
    assert code == 400
    assert "nested too deeply" in payload["message"]
    assert await no_jobs(fetch)


@pytest.mark.parametrize("authenticated", [True, False])
async def test_a_large_body_is_refused_before_it_is_read(
    http_server_client, jp_http_port, jp_base_url, jp_auth_header, authenticated
):
    """Only the headers are sent: the answer (400, or 403 without credentials) must come
    without waiting for 300 MB."""
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    auth = "".join(f"{k}: {v}\r\n" for k, v in jp_auth_header.items()) if authenticated else ""
    writer.write(
        f"POST {jp_base_url}jupyterlab-apk/jobs HTTP/1.1\r\nHost: 127.0.0.1:{jp_http_port}\r\n"
        f"{auth}Content-Type: application/json\r\nContent-Length: {300 * 1024 * 1024}\r\n\r\n"
        .encode()
    )  # fmt: skip
    try:
        status = await asyncio.wait_for(reader.readline(), timeout=10)
    finally:
        writer.close()
    assert status.split()[1] == (b"400" if authenticated else b"403")


INJECTIONS = [
    ["--allow-untrusted"],
    ["-X", "http://evil"],
    ["-Xhttp://evil"],
    ["--repositories-file=/tmp/evil"],
    ["--root", "/"],
    ["py3-hello;rm -rf /"],
    ["py3-hello && id"],
    ["py3-hello rm"],
    ["py3-hello\n--allow-untrusted"],
    ["../../etc/passwd"],
    ["py3-hello/../x"],
    ["py3-hello\u0000"],
    ["\u0000"],
    ["py3-hello=$(id)"],
    ["py3-hello=1.0 -X http://evil"],
    ["py3‐hello"],  # a Unicode hyphen
    ["p" * 129],
    [""],
    [None],
    [1],
    [["py3-hello"]],
    [{"name": "py3-hello"}],
]


@pytest.mark.parametrize("packages", INJECTIONS, ids=[repr(p)[:40] for p in INJECTIONS])
@pytest.mark.parametrize("action", ["install", "upgrade", "remove"])
async def test_argv_injections_are_refused_before_anything_runs(fetch, sandbox, packages, action):
    code, payload = await fetch("POST", "jobs", {"action": action, "packages": packages})
    assert code == 400, payload
    assert await no_jobs(fetch)
    assert installed(sandbox[2]) == ""


@pytest.mark.parametrize("name", ["evil.apk", "py3-hello.apkfoo"])
async def test_a_name_apk_would_read_as_a_local_file_is_refused(fetch, name):
    """apk add reads any argument containing ".apk" as a local package file (apk-tools
    app_add.c: strstr(arg, ".apk")), relative to its working directory."""
    body = {"action": "install", "packages": [name], "preview": True}
    code, _ = await fetch("POST", "jobs", body)
    assert code == 400
    assert await no_jobs(fetch)


@pytest.mark.parametrize(
    "body",
    [
        {"action": "install --allow-untrusted", "packages": ["py3-hello"]},
        {"action": ["install"], "packages": ["py3-hello"]},
        {"action": "install", "packages": "py3-hello;id"},
        {"action": "install", "packages": {"py3-hello": 1}},
    ],
)
async def test_malformed_job_requests_are_refused(fetch, body):
    assert (await fetch("POST", "jobs", body))[0] == 400
    assert await no_jobs(fetch)


async def test_resolve_refuses_hostile_user_overrides(fetch):
    body = {"requirements": ["hello"], "kernel": "python3", "install": True,
            "overrides": {"hello": "--allow-untrusted"}}  # fmt: skip
    assert (await fetch("POST", "resolve", body))[0] == 400
    assert await no_jobs(fetch)


async def test_a_user_repository_is_refused_when_users_may_not_add_any(api, fetch, sandbox):
    repo = str(sandbox[0])
    for urls in (["http://evil.example/alpine"], [repo, str(sandbox[1])]):
        code, payload = await fetch("PUT", "repositories", {"repositories": urls})
        assert code == 403, payload
    _, settings = await fetch("GET", "settings")
    assert settings["repositories"] == [repo]
    _, job = await fetch("POST", "jobs", {**INSTALL, "preview": True})
    job = await wait_done(api, job)
    assert f"-X {repo} " in job["log"]
    assert "evil" not in job["log"] and "other-repo" not in job["log"]


ALLOW_MIRROR = {"allow_user_repositories": True, "allowed_repositories": ["{tmp}/mirror/"]}


@pytest.mark.parametrize("manager_config", [ALLOW_MIRROR])
@pytest.mark.parametrize(
    ("urls", "code"),
    [
        (["{tmp}/mirror/main"], 200),
        (["{tmp}/mirror"], 200),
        (["{tmp}/mirror-evil"], 403),
        (["{tmp}/other-repo"], 403),
        (["http://evil.example/alpine"], 403),
        (["-X", "{tmp}/mirror/main"], 400),
        (["{tmp}/mirror/main --allow-untrusted"], 400),
        (["{tmp}/mirror/main\u0000"], 400),
    ],
)
async def test_user_repositories_must_be_inside_the_allowed_prefixes(fetch, tmp_path, urls, code):
    urls = [url.replace("{tmp}", str(tmp_path)) for url in urls]
    got, payload = await fetch("PUT", "repositories", {"repositories": urls})
    assert got == code, payload


@pytest.mark.parametrize("manager_config", [ALLOW_MIRROR])
@pytest.mark.parametrize("escape", ["{tmp}/mirror/../other-repo", "{tmp}/mirror/./../other-repo",
                                    "{tmp}/mirror/%2e%2e/other-repo"])  # fmt: skip
async def test_a_prefix_cannot_be_escaped_with_dot_segments(fetch, tmp_path, escape):
    """'<allowed prefix>/../anywhere' starts with the prefix but is not under it."""
    url = escape.replace("{tmp}", str(tmp_path))
    code, _ = await fetch("PUT", "repositories", {"repositories": [url]})
    assert code in (400, 403)
    _, settings = await fetch("GET", "settings")
    assert all("other-repo" not in url for url in settings["repositories"])


# -- the server behind the privileged helper ---------------------------------------------------


def audit(tmp_path, name="audit.jsonl"):
    path = tmp_path / "log" / name
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("apk_command", [[str(HELPER)]])
async def test_install_through_the_helper(api, fetch, sandbox, tmp_path):
    code, job = await fetch("POST", "jobs", INSTALL)
    assert code == 202
    job = await wait_done(api, job)
    assert job["state"] == "done", job["log"]
    assert job["progress"] == 1.0  # the progress pipe went through the helper
    assert job["installed"] == ["py3-hello-1.0-r0"]
    entries = audit(tmp_path)
    assert [(e["result"], e["simulate"]) for e in entries] == [
        ("started", True), ("done", True), ("started", False), ("done", False)
    ]  # fmt: skip
    assert all(e["packages"] == ["py3-hello"] for e in entries)


@pytest.mark.parametrize("apk_command", [[str(HELPER)]])
@pytest.mark.parametrize("extra_repositories", [["other"]])
async def test_a_repository_the_helper_policy_does_not_allow_fails_the_job(
    api, fetch, sandbox, tmp_path
):
    """The server is misconfigured (or compromised) with a repository the root-owned policy
    does not list: the helper refuses, nothing is installed, the audit log says so."""
    _, other, root = sandbox
    code, job = await fetch("POST", "jobs", INSTALL)
    assert code == 202
    job = await wait_done(api, job)
    assert job["state"] == "failed"
    assert f"apk-helper: refused: repository '{other}' is not allowed by the policy" in job["log"]
    assert installed(root) == ""
    assert audit(tmp_path) == []  # runs only; refusals have a file of their own
    assert [e["result"] for e in audit(tmp_path, "audit.refused.jsonl")] == ["refused"]


# -- like the extension template's check_auth script ----------------------------------------------


def test_server_starts_without_auth_warnings(tmp_path, sandbox, keys):
    """Start a server with only this extension and no unauthenticated access, record every
    warning and log line, and fail on any authentication complaint."""
    repo, _, root = sandbox
    script = textwrap.dedent(
        f"""
        import logging, warnings
        from traitlets.config import Config
        from jupyter_server.serverapp import ServerApp
        from jupyter_server.utils import JupyterServerAuthWarning

        config = Config({{"ApkManager": {{
            "repositories": [{str(repo)!r}], "keys_dir": {str(keys.dir)!r},
            "root": {str(root)!r}, "cache_dir": {str(tmp_path / "cache")!r}}}}})
        app = ServerApp(config=config, allow_unauthenticated_access=False,
                        jpserver_extensions={{"jupyterlab_apk": True}},
                        reraise_server_extension_failures=True, allow_root=True)
        with warnings.catch_warnings(record=True) as records:
            warnings.simplefilter("always")
            app.initialize(argv=[], find_extensions=False, new_httpserver=False)
        for record in records:
            if issubclass(record.category, JupyterServerAuthWarning):
                print("AUTH-WARNING:", record.message)
        paths = [rule.matcher.regex.pattern for router in [app.web_app.default_router]
                 for host in router.rules for rule in getattr(host.target, "rules", [])]
        print("ROUTES:", sum("jupyterlab-apk" in p for p in paths))
        """
    )
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=120, cwd=tmp_path)  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ROUTES: 11" in result.stdout  # the extension really loaded, so "no warnings" means it
    assert "AUTH-WARNING" not in output
    for complaint in ("without @allow_unauthenticated", "authorize request without authentication",
                      "not decorated", "JupyterServerAuthWarning"):  # fmt: skip
        assert complaint not in output
