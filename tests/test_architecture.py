"""The project's structure rules (issue 7), read from the source: no database, no server.

Each rule is a function ``<rule>_violations(source, path) -> list[str]`` returning
``"path:line: what is wrong"`` lines. A test runs it over the checkout and fails listing
every offence; small tests feed it a bad snippet, so a rule that stopped catching anything
would show. Exceptions are listed here, each with its reason, never silenced in the code.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("members", "groups", "activities", "service_requests", "reports")
CODE_DIRS = (*APPS, "volunteer_portal")
TEMPLATES = ROOT / "templates"


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def python_modules(*dirs: str) -> list[Path]:
    """Every .py module under ``dirs``, migrations and caches left out."""
    found = []
    for folder in dirs:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if not {"migrations", "__pycache__"} & set(path.relative_to(ROOT).parts):
                found.append(path)
    return found


def views_modules() -> list[Path]:
    found = [ROOT / "volunteer_portal/views.py"]
    for app in APPS:
        found += [p for p in [ROOT / app / "views.py"] if p.exists()]
        found += sorted((ROOT / app / "views").rglob("*.py"))
    return found


def scoped_nodes(tree: ast.AST):
    """``(node, qualname)`` for every node; qualname is the enclosing ``Class.method``."""

    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = f"{scope}.{child.name}" if scope else child.name
            yield child, inner
            yield from visit(child, inner)

    yield from visit(tree, "")


def call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def check_all(checker, paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        found += checker(path.read_text(encoding="utf-8"), rel(path))
    return found


def report(found: list[str], rule: str) -> str:
    return f"{rule}:\n  " + "\n  ".join(found)


# --- 1. No view guards by hand -------------------------------------------------------------
# Views declare access through volunteer_portal.permissions.PolicyMixin / policy_required,
# which also make the login redirect. Nothing in a view body decides access itself.

# Reads of ``is_authenticated`` that are not guards: (file, Class.method) -> reason. Even
# here, only as the test of a conditional *expression* (it picks a value); an ``if``
# statement in the same method is still reported.
ALLOWED_IS_AUTHENTICATED = {
    ("groups/views/pages.py", "GroupDetailView.get_context_data"): (
        "my_membership: an anonymous visitor has no membership to look up, so the context "
        "value is None; the page and its access are the same for everyone"
    ),
}

# get_object_or_404 on a model class or its bare manager: (file, function, model) -> reason.
ALLOWED_MODEL_FETCHES: dict[tuple[str, str, str], str] = {}

GUARD_MODULES = {
    "django.contrib.auth.mixins",
    "django.contrib.auth.decorators",
    "django.contrib.admin.views.decorators",
}
GUARD_NAMES = {
    "LoginRequiredMixin",
    "AccessMixin",
    "UserPassesTestMixin",
    "PermissionRequiredMixin",
    "login_required",
    "user_passes_test",
    "permission_required",
    "staff_member_required",
}
REDIRECTS = {"redirect", "HttpResponseRedirect"}
LOGIN_REDIRECTS = {"redirect_to_login", "login_redirect"}
LOGIN_URL = re.compile(r"(^|[:/])login\b")
FETCHES = {"get_object_or_404", "get_list_or_404"}
MANAGERS = {"objects", "_default_manager"}


def _mentions_login(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        is_text = isinstance(sub, ast.Constant) and isinstance(sub.value, str)
        if is_text and LOGIN_URL.search(sub.value):
            return True
        if isinstance(sub, ast.Attribute | ast.Name) and "LOGIN_URL" in ast.unparse(sub):
            return True
    return False


def _model_imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "models":
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def _unscoped_model(node: ast.AST, models: set[str]) -> str | None:
    """The model a fetch starts from when it is the whole table, not a narrowed queryset."""
    if isinstance(node, ast.Name):
        return node.id if node.id in models or node.id[:1].isupper() else None
    if isinstance(node, ast.Attribute):
        if node.attr in MANAGERS:
            return _unscoped_model(node.value, models)
        if node.attr[:1].isupper():  # module.Model
            return ast.unparse(node)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "all"
        and not node.args
    ):
        return _unscoped_model(node.func.value, models)
    return None


def view_guard_violations(source: str, path: str) -> list[str]:
    tree = ast.parse(source)
    models = _model_imports(tree)
    value_choices = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.IfExp)
        for sub in ast.walk(node.test)
    }
    found = []
    for node, scope in scoped_nodes(tree):
        where = f"{path}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if ast.unparse(exc).split(".")[-1] == "PermissionDenied":
                found.append(f"{where}: raises PermissionDenied in {scope or 'the module'}")
        elif (isinstance(node, ast.Attribute) and node.attr == "is_authenticated") or (
            isinstance(node, ast.Name) and node.id == "is_authenticated"
        ):
            allowed = (path, scope) in ALLOWED_IS_AUTHENTICATED and id(node) in value_choices
            if not allowed:
                found.append(f"{where}: reads is_authenticated in {scope or 'the module'}")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if module in GUARD_MODULES or alias.name in GUARD_NAMES:
                    found.append(f"{where}: imports {alias.name} from {module}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in GUARD_MODULES:
                    found.append(f"{where}: imports {alias.name}")
        elif isinstance(node, ast.Name) and node.id in GUARD_NAMES:
            if isinstance(node.ctx, ast.Load):
                found.append(f"{where}: uses {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in GUARD_NAMES - {"login_required"}:
            found.append(f"{where}: uses {node.attr}")
        elif isinstance(node, ast.Call):
            name = call_name(node)
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if name in LOGIN_REDIRECTS:
                found.append(f"{where}: makes its own login redirect ({name})")
            elif name in REDIRECTS and any(_mentions_login(arg) for arg in arguments):
                found.append(f"{where}: redirects to the login page by hand")
            elif name in FETCHES and node.args:
                model = _unscoped_model(node.args[0], models)
                function = scope.split(".")[-1]
                if model and (path, function, model) not in ALLOWED_MODEL_FETCHES:
                    found.append(
                        f"{where}: {name}({model}, ...) starts from the model, not "
                        "from what the user may see (the policy's queryset)"
                    )
    return found


def test_views_do_not_guard_access_by_hand():
    modules = views_modules()
    assert "volunteer_portal/views.py" in {rel(p) for p in modules}
    assert any(rel(p).startswith("activities/views/") for p in modules)
    for app in APPS:
        assert any(rel(p).startswith(f"{app}/views/") for p in modules), app
    found = check_all(view_guard_violations, modules)
    assert not found, report(found, "Guards by hand in views (use PolicyMixin/policy_required)")


@pytest.mark.parametrize(
    "snippet, expected",
    [
        ("def v(request):\n    raise PermissionDenied\n", "raises PermissionDenied"),
        ("def v(r):\n    raise exceptions.PermissionDenied('no')\n", "raises PermissionDenied"),
        (
            "class V:\n    def dispatch(self, request):\n"
            "        if not request.user.is_authenticated:\n            return 1\n",
            "reads is_authenticated in V.dispatch",
        ),
        ("def v(request):\n    return redirect('login')\n", "login page by hand"),
        ("def v(request):\n    return redirect(reverse('login'))\n", "login page by hand"),
        ("def v(r):\n    return redirect(f\"{reverse('login')}?next=/\")\n", "login page by hand"),
        ("def v(r):\n    return HttpResponseRedirect(settings.LOGIN_URL)\n", "by hand"),
        ("def v(request):\n    return redirect_to_login('/x/')\n", "own login redirect"),
        ("from django.contrib.auth.mixins import LoginRequiredMixin\n", "imports"),
        ("class V(mixins.AccessMixin, View):\n    pass\n", "uses AccessMixin"),
        ("@login_required\ndef v(request):\n    pass\n", "uses login_required"),
        (
            "def v(request, pk):\n    return get_object_or_404(Activity, pk=pk)\n",
            "get_object_or_404(Activity, ...)",
        ),
        (
            "from activities.models import signup\n"
            "def v(request, pk):\n    return get_object_or_404(signup, pk=pk)\n",
            "get_object_or_404(signup, ...)",
        ),
        (
            "def v(request, pk):\n    return get_object_or_404(Activity.objects.all(), pk=pk)\n",
            "get_object_or_404(Activity, ...)",
        ),
        (
            "def v(request, pk):\n    return get_object_or_404(models.Activity, pk=pk)\n",
            "get_object_or_404(models.Activity, ...)",
        ),
    ],
)
def test_view_guard_check_reports_a_guard_by_hand(snippet, expected):
    found = view_guard_violations(snippet, "x/views.py")
    assert any(expected in line for line in found), found
    assert all(line.startswith("x/views.py:") for line in found)


@pytest.mark.parametrize(
    "snippet",
    [
        "class V(PolicyMixin, DetailView):\n    login_required = False\n",
        "@policy_required(login_required=False)\ndef v(request):\n    return redirect('me')\n",
        "def v(request, pk):\n    return get_object_or_404(Activity.objects.filter(x=1), pk=pk)\n",
        "def v(request, pk):\n    return get_object_or_404(visible, pk=pk)\n",
    ],
)
def test_view_guard_check_accepts_declared_permissions(snippet):
    assert view_guard_violations(snippet, "x/views.py") == []


def test_is_authenticated_allowance_covers_only_a_value_choice():
    allowed_path, allowed_scope = next(iter(ALLOWED_IS_AUTHENTICATED))
    cls, method = allowed_scope.split(".")
    head = f"class {cls}:\n    def {method}(self, user):\n"
    value = head + "        return 1 if user.is_authenticated else None\n"
    guard = head + "        if user.is_authenticated:\n            return 1\n"
    assert view_guard_violations(value, allowed_path) == []
    assert view_guard_violations(guard, allowed_path)
    assert view_guard_violations(value, "other/views.py")


# --- 2. Templates do not decide actions by role --------------------------------------------
# They read the policy's named booleans (can_<action>, {% allowed %}) instead.

_USER = r"[\w.]*\buser(?:\.(?:pk|id))?(?![\w.])"
ROLE_IN_TEMPLATE = re.compile(
    rf"managed_group_ids|is_staff|is_superuser|\bperms\.|has_perm"
    rf"|{_USER}\s*[!=]=|[!=]=\s*{_USER}"
)

# (template, text on the line) -> reason.
ALLOWED_TEMPLATE_ROLE_READS = {
    ("templates/activities/hours.html", "s.member.user_id == request.user.pk"): (
        "explanatory text only: the hours form is shown by the policy's can_record; when it "
        "is not, this says why for the coordinator's own row; it offers no action"
    ),
}


def template_role_violations(text: str, path: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not ROLE_IN_TEMPLATE.search(line):
            continue
        if any(p == path and snippet in line for p, snippet in ALLOWED_TEMPLATE_ROLE_READS):
            continue
        found.append(f"{path}:{number}: {line.strip()}")
    return found


def test_templates_do_not_decide_actions_by_role():
    templates = [
        p
        for p in sorted(TEMPLATES.rglob("*"))
        if p.is_file() and p.relative_to(TEMPLATES).parts[0] != "admin"
    ]
    assert templates
    found = check_all(template_role_violations, templates)
    assert not found, report(found, "Role checks in templates (read the policy's can_*)")


@pytest.mark.parametrize(
    "line",
    [
        "{% if user.is_staff %}<a>Edit</a>{% endif %}",
        "{% if request.user.is_superuser %}",
        "{% if group.pk in managed_group_ids %}",
        "{% if activity.created_by.pk == user.pk %}",
        "{% if user.pk == member.user_id %}",
        "{% if signup.member.user == request.user %}",
        "{% if perms.groups.change_servicegroup %}",
    ],
)
def test_template_check_reports_a_role_decision(line):
    assert template_role_violations(f"<p>\n{line}\n", "templates/x.html") == [
        f"templates/x.html:2: {line}"
    ]


def test_template_check_accepts_policy_reads():
    text = "{% if can_change %}{% endif %}{% allowed 'cancel' signup as ok %}{{ user.username }}"
    assert template_role_violations(text, "templates/x.html") == []


# --- 3. Module size ------------------------------------------------------------------------

MAX_LINES = 400


def module_size_violations(source: str, path: str) -> list[str]:
    lines = len(source.splitlines())
    if lines > MAX_LINES:
        return [f"{path}:{MAX_LINES + 1}: {lines} lines, over the {MAX_LINES}-line limit"]
    return []


def test_activities_modules_stay_under_the_size_limit():
    """Every package split by sub-domain stays split: activities, and the views and
    services of members and groups (members/models.py and the demo command are still
    single modules)."""
    modules = (
        python_modules("activities")
        + python_modules("service_requests")
        + [
            path
            for path in python_modules("members", "groups")
            if "/views/" in str(path) or "/services/" in str(path)
        ]
    )
    assert modules
    found = check_all(module_size_violations, modules)
    assert not found, report(found, "Modules to split by sub-domain")


def test_module_size_check_reports_a_long_module():
    assert module_size_violations("x = 1\n" * MAX_LINES, "a.py") == []
    assert module_size_violations("x = 1\n" * (MAX_LINES + 1), "a.py") == [
        "a.py:401: 401 lines, over the 400-line limit"
    ]


# --- 4. One-way imports: members <- groups <- activities -----------------------------------

UPWARD = {
    "members": {"groups", "activities", "service_requests", "reports"},
    "groups": {"activities", "service_requests", "reports"},
    "activities": {"service_requests", "reports"},
    "service_requests": {"reports"},
}
APP_LOOKUPS = {"get_model", "get_app_config", "is_installed"}


def _imported_modules(node: ast.Import | ast.ImportFrom, path: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        return [node.module or ""]
    package = path.split("/")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return [".".join([*base, *([node.module] if node.module else [])])]


def upward_import_violations(source: str, path: str) -> list[str]:
    forbidden = UPWARD[path.split("/")[0]]
    as_string = re.compile(rf"^(?:{'|'.join(sorted(forbidden))})(?:\.\w+)+$")
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{path}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            for module in _imported_modules(node, path):
                if module.split(".")[0] in forbidden:
                    found.append(f"{where}: imports {module}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if as_string.match(node.value):
                found.append(f"{where}: names {node.value!r}")
        elif isinstance(node, ast.Call) and call_name(node) in APP_LOOKUPS:
            labels = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "app_label")]
            for label in labels:
                if isinstance(label, ast.Constant) and label.value in forbidden:
                    found.append(f"{where}: looks up the app {label.value!r}")
    return found


@pytest.mark.parametrize("app", sorted(UPWARD))
def test_apps_do_not_depend_on_apps_above_them(app):
    modules = python_modules(app)
    assert modules
    found = check_all(upward_import_violations, modules)
    assert not found, report(found, f"{app} reaches up to {sorted(UPWARD[app])}")


@pytest.mark.parametrize(
    "path, snippet, expected",
    [
        ("members/models.py", "from groups.models import Membership\n", "imports groups.models"),
        ("members/x.py", "def f():\n    import activities.services\n", "imports activities"),
        ("members/sub/x.py", "from ...groups import models\n", "imports groups"),
        ("members/x.py", "fk = ForeignKey('groups.ServiceGroup')\n", "names 'groups.Service"),
        ("members/x.py", "m = apps.get_model('activities', 'SignUp')\n", "the app 'activities'"),
        (
            "members/x.py",
            "m = apps.get_model(app_label='groups', model_name='X')\n",
            "app 'groups'",
        ),
        ("members/x.py", "m = apps.get_model('groups.Membership')\n", "names 'groups.Membership'"),
        ("groups/x.py", "from activities import selectors\n", "imports activities"),
        ("groups/x.py", "fk = ForeignKey('activities.Activity')\n", "names 'activities.Activity'"),
    ],
)
def test_import_check_reports_an_upward_dependency(path, snippet, expected):
    found = upward_import_violations(snippet, path)
    assert any(expected in line for line in found), found


def test_import_check_accepts_downward_and_own_imports():
    snippet = (
        "from members.models import Member\nfrom . import services\n"
        "fk = ForeignKey('members.Member')\nurl = 'groups:group-detail'\n"
        "m = apps.get_model('members', 'Member')\n"
    )
    assert upward_import_violations(snippet, "groups/x.py") == []
    assert upward_import_violations(snippet.replace("groups:", "members:"), "members/x.py") == []


# --- 5. History reasons are named events ---------------------------------------------------

REASON_KEYWORDS = {"default_change_reason", "change_reason", "_change_reason"}
AUDIT_HELPERS = {"audited_save", "bulk_create_audited", "bulk_update_audited"}


def _free_text(node: ast.AST | None) -> bool:
    """A literal, an f-string, or text built from one (not a named constant)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _free_text(node.left) or _free_text(node.right)
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return _free_text(node.func.value)
        if call_name(node) in {"str", "_", "gettext", "gettext_lazy"} and node.args:
            return _free_text(node.args[0])
    return False


def change_reason_violations(source: str, path: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{path}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = getattr(target, "attr", getattr(target, "id", None))
                if name in REASON_KEYWORDS and _free_text(node.value):
                    found.append(f"{where}: free-text {name}")
        elif isinstance(node, ast.Call):
            name = call_name(node)
            for keyword in node.keywords:
                is_reason = keyword.arg in REASON_KEYWORDS or (
                    name in AUDIT_HELPERS and keyword.arg == "event"
                )
                if is_reason and _free_text(keyword.value):
                    found.append(f"{where}: free-text {keyword.arg}= in {name}()")
            args = node.args
            if name == "update_change_reason" and len(args) > 1 and _free_text(args[1]):
                found.append(f"{where}: free-text reason in update_change_reason()")
            if (
                name == "setattr"
                and len(args) == 3
                and isinstance(args[1], ast.Constant)
                and args[1].value == "_change_reason"
                and _free_text(args[2])
            ):
                found.append(f"{where}: free-text _change_reason via setattr")
    return found


def test_history_reasons_are_named_events():
    modules = python_modules(*CODE_DIRS)
    assert modules
    found = check_all(change_reason_violations, modules)
    assert not found, report(found, "History reasons as free text (use a named event)")


@pytest.mark.parametrize(
    "snippet",
    [
        "obj._change_reason = 'approved'\n",
        "obj._change_reason = f'moved to {group}'\n",
        "obj._change_reason: str = 'x' + name\n",
        "bulk_create_with_history(objs, M, default_change_reason='import')\n",
        "bulk_update_with_history(objs, M, ['a'], default_change_reason=f'{n} rows')\n",
        "audited_save(obj, actor=a, event='promoted')\n",
        "update_change_reason(obj, 'merged')\n",
        "setattr(obj, '_change_reason', 'merged')\n",
        "obj._change_reason = 'moved {}'.format(x)\n",
    ],
)
def test_change_reason_check_reports_free_text(snippet):
    found = change_reason_violations(snippet, "app/services.py")
    assert len(found) == 1 and found[0].startswith("app/services.py:1:"), found


def test_change_reason_check_accepts_named_events():
    snippet = (
        "obj._change_reason = SignUpEvent.PROMOTED\n"
        "obj._change_reason = str(event)\n"
        "bulk_create_with_history(objs, M, default_change_reason=MemberEvent.IMPORTED)\n"
        "audited_save(obj, actor=a, event=SignUpEvent.CANCELLED)\n"
    )
    assert change_reason_violations(snippet, "app/services.py") == []
