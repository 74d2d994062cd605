"""Whether one apk run did what its job asked (pure): done, done with warnings, or failed.

apk's exit status alone does not say it. After an install script fails once, apk keeps that
package in error (`f:` flags in the installed database) and counts it as an error in every later
run, whose own change may well have succeeded; and `apk del` of a package that another one needs
exits 0 having removed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .apkcli import Kept, Problem, explain, parse_kept, parse_summary

# Problems apk reports without counting an error: the generic "exit status N" explanation,
# and the packages `apk del` kept (judged below, on their own).
_NOT_ERRORS = frozenset({"failed", "still-required"})


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        return None if self.ok else " ".join(problem.message for problem in self.problems)


def judge(
    action: str,
    packages: list[str],
    stdout: str,
    stderr: str,
    returncode: int,
    *,
    in_error_before: dict[str, str],
    in_error_after: dict[str, str],
    simulated: bool = False,
    installed_after: set[str] | None = None,
    required_may_stay: bool = False,
) -> Verdict:
    """The verdict on one run of *action* on *packages*.

    *in_error_before* / *in_error_after* map the packages in error before and after the run
    to why (a sentence): errors that come only from packages already in error before, none of
    them one this job asked for, make a warning, not a failure. *installed_after*, the names
    installed after a real run, shows a removal that left a package apk did not say it kept.
    With *required_may_stay* (undo), a package that installed ones need is meant to stay: apk
    takes it off the world only, as it was before it was asked for.
    """
    problems = explain(stdout, stderr, returncode)
    warnings = []
    targets = set(in_error_before) if action == "repair" and not packages else _names(packages)
    if returncode != 0:
        # A simulation repairs nothing yet: the packages a repair targets are still in error.
        exempt = set() if simulated else targets
        if not _only_old_errors(stdout, problems, in_error_before, in_error_after, exempt):
            return Verdict(False, problems)
        others = {name: why for name, why in in_error_after.items() if name not in targets}
        if others:
            warnings.append(_in_error_warning(others))
    if action == "remove":
        kept = [item for item in parse_kept(stdout) if item.package in _names(packages)]
        if required_may_stay:
            stays = {item.package for item in kept}
            packages, kept = [spec for spec in packages if spec not in stays], []
        if kept and len(kept) == len(_names(packages)):
            verb = "will be" if simulated else "was"
            reasons = "; ".join(_needed_by(item) for item in kept)
            message = f"Nothing {verb} removed: {reasons}."
            return Verdict(False, [Problem("still-required", message)])
        verb = "will not be" if simulated else "was not"
        warnings += [f"{item.package} {verb} removed: {_listing(item.required_by)} "
                     f"{_needs(item)} it." for item in kept]  # fmt: skip
        left = _names(packages) & (installed_after or set()) - {item.package for item in kept}
        if left and len(left) + len(kept) == len(_names(packages)):
            return Verdict(False, [Problem("not-removed", f"Nothing was removed: apk left "
                                                          f"{_listing(sorted(left))} installed.")])
        warnings += [f"{name} is still installed after this job." for name in sorted(left)]
    return Verdict(True, [], warnings)


def _names(packages: list[str]) -> set[str]:
    return {spec.partition("=")[0] for spec in packages}


def _only_old_errors(
    stdout: str,
    problems: list[Problem],
    before: dict[str, str],
    after: dict[str, str],
    targets: set[str],
) -> bool:
    """Whether apk's whole error count is the packages in error that already were before, none
    of them among *targets*, and apk reported no other problem."""
    summary = parse_summary(stdout)
    return (
        summary is not None
        and summary.errors == len(after) > 0
        and set(after) <= set(before)
        and not set(after) & targets
        and all(problem.kind in _NOT_ERRORS for problem in problems)
    )


def _in_error_warning(in_error: dict[str, str]) -> str:
    names = sorted(in_error)
    reasons = "; ".join(f"{name}: {in_error[name]}" for name in names)
    pronoun = "it" if len(names) == 1 else "them"
    return (
        f"apk reported {len(names)} error{'s' * (len(names) > 1)} for "
        f"{_listing(names)}, already in error before this job ({reasons}); it does so after "
        f"every run until {pronoun} {'is' if len(names) == 1 else 'are'} repaired "
        f"(the repair action, apk fix)."
    )


def _needed_by(item: Kept) -> str:
    return f"{item.package} is needed by {_listing(item.required_by)}"


def _needs(item: Kept) -> str:
    return "needs" if len(item.required_by) == 1 else "need"


def _listing(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
