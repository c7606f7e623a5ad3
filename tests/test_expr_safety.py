"""Rules are data, never code: no evaluator of strings anywhere in the package."""

from __future__ import annotations

import ast
from pathlib import Path

import appraisal

PACKAGE = Path(appraisal.__file__).parent
BANNED_CALLS = {"eval", "exec", "compile", "__import__"}
BANNED_MODULES = {"simpleeval", "asteval", "numexpr"}


def offences(source: str, filename: str) -> list[str]:
    """Every use of a string evaluator in one module, as ``file:line: what``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in BANNED_CALLS:
                found.append(f"{where}: {func.id}()")
            if isinstance(func, ast.Attribute) and func.attr in BANNED_CALLS - {"compile"}:
                # pandas.eval, DataFrame.eval, builtins.exec (obj.compile is SQLAlchemy/re)
                found.append(f"{where}: .{func.attr}()")
        elif isinstance(node, ast.Import):
            found.extend(
                f"{where}: import {a.name}"
                for a in node.names
                if a.name.split(".")[0] in BANNED_MODULES
            )
        elif isinstance(node, ast.ImportFrom):
            module = (node.module or "").split(".")[0]
            if module in BANNED_MODULES:
                found.append(f"{where}: from {node.module} import")
            if module in {"pandas", "builtins"}:
                found.extend(
                    f"{where}: from {module} import {a.name}"
                    for a in node.names
                    if a.name in BANNED_CALLS
                )
    return sorted(found, key=lambda entry: int(entry.split(":")[1]))


def test_package_has_no_string_evaluators() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        problems.extend(offences(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE))))
    assert problems == []


def test_the_scanner_finds_each_banned_use() -> None:
    source = "\n".join(
        [
            "import numexpr",
            "from simpleeval import simple_eval",
            "import asteval.core",
            "from pandas import eval",
            "x = eval('1 + 1')",
            "exec('y = 2')",
            "code = compile('1', 'f', 'eval')",
            "df.eval('a + b')",
            "pd.eval('1 + 2')",
            "import builtins; builtins.exec('z = 1')",
            "stmt.compile(dialect=d)",  # SQLAlchemy: allowed
            "re.compile('a+')",  # regular expressions: allowed
        ]
    )
    assert offences(source, "bad.py") == [
        "bad.py:1: import numexpr",
        "bad.py:2: from simpleeval import",
        "bad.py:3: import asteval.core",
        "bad.py:4: from pandas import eval",
        "bad.py:5: eval()",
        "bad.py:6: exec()",
        "bad.py:7: compile()",
        "bad.py:8: .eval()",
        "bad.py:9: .eval()",
        "bad.py:10: .exec()",
    ]
