"""What the real Stripe API accepts, read from the installed `stripe` SDK, for the local test server.

Role and contract
-----------------
`tests/stripe_server.py` calls `check(method, path, params)` on every request
before it does any work. The answer comes from the SDK itself, not from a list
kept here, so the test server cannot drift from the API the SDK speaks:

- Routes: every `StripeService` method of the SDK (`stripe/**/_*_service.py`,
  generated from Stripe's OpenAPI spec) calls `self._request("post",
  "/v1/refunds/{refund}".format(...), params=params)` with `params` typed as a
  generated TypedDict (`RefundCreateParams`). Those three facts are read from
  the service modules' source with `ast` (once a session, ~0.25 s), so a path
  maps to the exact parameter type the SDK declares for it.
- Parameters: the TypedDicts in `stripe/params/**`. A key the type does not
  have is `parameter_unknown` ("Received unknown parameter: x"), a required
  one missing is `parameter_missing`, a value outside a closed `Literal` or of
  the wrong shape (a string where a hash belongs, "abc" for an integer) is
  refused with Stripe's own error shape. Open enums (`Literal[...]|str`, the
  SDK's way of saying "new values may come") take any string, as the API does.
- The version: those types describe `stripe._api_version._ApiVersion.CURRENT`
  (the SDK's pinned API version). `API_VERSION` is that string; the server
  refuses a request asking for any other version, because it cannot say what
  another version accepts.

`RequestOptions` keys (api_key, idempotency_key, ...) that the generated
types inherit are client options sent as headers, never form parameters, so
they are not parameters here either.

Form encoding: the SDK sends `a[b]=1`, `expand[0]=x`, booleans as
"true"/"false" and numbers as text; the server decodes them into nested dicts,
lists and strings before `check` sees them.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import stripe
from stripe._api_version import _ApiVersion
from stripe._request_options import RequestOptions

API_VERSION: str = _ApiVersion.CURRENT
_OPTION_KEYS = frozenset(RequestOptions.__annotations__)


class Refused(Exception):
    """A request Stripe would refuse before doing anything: (status, Stripe's error object)."""

    def __init__(self, message: str, code: str | None = None, param: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
        if code:
            self.error["code"] = code
        if param:
            self.error["param"] = param


@dataclass(frozen=True)
class Route:
    method: str  # GET | POST | DELETE
    template: str  # /v1/refunds/{refund}
    pattern: re.Pattern[str]
    params_module: str  # stripe.params._refund_create_params
    params_name: str  # RefundCreateParams
    placeholders: int

    @property
    def params_type(self) -> type:
        return typing.cast(type, getattr(sys.modules.get(self.params_module) or _import(self.params_module),
                                         self.params_name))


def _import(module: str) -> types.ModuleType:
    import importlib

    return importlib.import_module(module)


def _template_of(node: ast.expr) -> str | None:
    """`"/v1/x/{id}"` or `"/v1/x/{id}".format(...)` as written in a service method."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _template_of(node.func.value)
    return None


def _params_name(fn: ast.FunctionDef) -> str | None:
    """`params: "XParams"` or `params: Optional["XParams"] = None`."""
    for arg in fn.args.args:
        if arg.arg != "params":
            continue
        node = arg.annotation.slice if isinstance(arg.annotation, ast.Subscript) else arg.annotation
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
    return None


@functools.cache
def routes() -> tuple[Route, ...]:
    """Every (method, path) the SDK's services call, with the parameter type each declares."""
    found: list[Route] = []
    root = Path(stripe.__file__).parent
    for source in sorted(root.rglob("_*_service.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        modules = {alias.asname or alias.name: node.module for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("stripe.params")
                   for alias in node.names}
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            name = _params_name(fn)
            if name is None or name not in modules:
                continue
            for call in ast.walk(fn):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "_request" and len(call.args) >= 2):
                    continue
                method, template = call.args[0], _template_of(call.args[1])
                if not (isinstance(method, ast.Constant) and isinstance(method.value, str) and template):
                    continue
                regex = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
                found.append(Route(method.value.upper(), template, re.compile(regex), modules[name], name,
                                   template.count("{")))
    # A literal segment wins over a placeholder: /v1/payment_intents/search before /v1/payment_intents/{intent}.
    return tuple(sorted(found, key=lambda r: (r.placeholders, -len(r.template))))


def route_for(method: str, path: str) -> Route | None:
    return next((r for r in routes() if r.method == method and r.pattern.match(path)), None)


def check(method: str, path: str, params: dict[str, Any]) -> Route:
    """Refuse (`Refused`) what the SDK's types say the API refuses; the matched route otherwise."""
    route = route_for(method, path)
    if route is None:
        raise Refused(f"Unrecognized request URL ({method}: {path}).", status=404)
    _check_dict(route.params_type, params, prefix="", top=True)
    return route


# ---------------------------------------------------------------- one value against one type


def _resolve(annotation: Any, module: str) -> Any:
    """A forward reference ("Literal['a']|str", "RefundCreateParamsX") evaluated where the SDK wrote it."""
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        namespace = dict(vars(sys.modules[module]))
        return eval(annotation, namespace)  # noqa: S307 - the SDK's own generated annotations
    return annotation


def _unwrap(annotation: Any, module: str) -> Any:
    annotation = _resolve(annotation, module)
    origin = typing.get_origin(annotation)
    if origin is not None and getattr(origin, "__name__", "") in ("NotRequired", "Required"):
        return _unwrap(typing.get_args(annotation)[0], module)
    if getattr(annotation, "__origin__", None) is not None and str(annotation).startswith(
            ("typing.NotRequired", "typing_extensions.NotRequired")):
        return _unwrap(annotation.__args__[0], module)
    return annotation


def _is_typeddict(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, dict) and hasattr(annotation, "__required_keys__")


def _name(prefix: str, key: str) -> str:
    return f"{prefix}[{key}]" if prefix else key


def _check_dict(kind: Any, value: Any, *, prefix: str, top: bool = False) -> None:
    if not isinstance(value, dict):
        raise Refused(f"Invalid hash: {prefix}", "parameter_invalid_hash", prefix or None)
    module = kind.__module__
    declared = {k: v for k, v in kind.__annotations__.items() if not (top and k in _OPTION_KEYS)}
    for key in value:
        if key not in declared:
            raise Refused(f"Received unknown parameter: {_name(prefix, key)}", "parameter_unknown",
                          _name(prefix, key))
    for key in kind.__required_keys__:
        if key in declared and key not in value:
            raise Refused(f"Missing required param: {_name(prefix, key)}.", "parameter_missing", _name(prefix, key))
    for key, item in value.items():
        _check_value(_unwrap(declared[key], module), item, _name(prefix, key), module)


def _check_value(kind: Any, value: Any, name: str, module: str) -> None:
    kind = _resolve(kind, module)
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        problems: list[Refused] = []
        for option in typing.get_args(kind):
            try:
                _check_value(option, value, name, module)
                return
            except Refused as problem:
                problems.append(problem)
        raise _best(problems)
    if origin is typing.Literal:
        allowed = typing.get_args(kind)
        if value not in allowed:
            words = ", ".join(str(a) for a in allowed)
            raise Refused(f"Invalid {name}: must be one of {words}", "parameter_invalid_string", name)
        return
    if origin is list:
        if not isinstance(value, list):
            raise Refused(f"Invalid array: {name}", "parameter_invalid_array", name)
        (item,) = typing.get_args(kind)
        for index, element in enumerate(value):
            _check_value(item, element, f"{name}[{index}]", module)
        return
    if origin is dict or (isinstance(origin, type) and issubclass(origin, stripe.StripeObject)):
        if not isinstance(value, dict):
            raise Refused(f"Invalid hash: {name}", "parameter_invalid_hash", name)
        args = typing.get_args(kind)
        for key, element in value.items():
            _check_value(args[-1] if args else str, element, f"{name}[{key}]", module)
        return
    if _is_typeddict(kind):
        _check_dict(kind, value, prefix=name)
        return
    if kind is typing.Any:
        return
    _check_scalar(kind, value, name)


def _check_scalar(kind: Any, value: Any, name: str) -> None:
    if not isinstance(value, str):
        raise Refused(f"Invalid {getattr(kind, '__name__', kind)}: {name} must be a single value",
                      "parameter_invalid_string", name)
    if kind is str:
        return
    if kind is bool:
        if value not in ("true", "false"):
            raise Refused(f"Invalid boolean: {value}", "parameter_invalid_boolean", name)
        return
    if kind is int:
        if not re.fullmatch(r"-?\d+", value):
            raise Refused(f"Invalid integer: {value}", "parameter_invalid_integer", name)
        return
    if kind is float:
        try:
            float(value)
        except ValueError:
            raise Refused(f"Invalid decimal: {value}", "parameter_invalid_decimal", name) from None
        return
    raise Refused(f"This local server cannot check {name} of type {kind!r}", "parameter_invalid_string", name)


def _best(problems: list[Refused]) -> Refused:
    """Of a union's failures, the one that says most (an unknown key deep inside beats "invalid hash")."""
    for code in ("parameter_unknown", "parameter_missing"):
        for problem in problems:
            if problem.error.get("code") == code:
                return problem
    return problems[-1]
