"""SMART on FHIR scopes: what a connected app asked for and what it was granted.

Only patient-context scopes give access to data here (`patient/Observation.rs`,
`patient/*.read`, `patient/Observation.rs?category=<system>|<code>`); `user/` and `system/`
scopes are not granted by a patient portal and are kept as unknown. SMART v1 scopes are read as
their v2 equivalents (`.read` is `.rs`, `.write` is `.cud`, `.*` is `.cruds`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

READ = "r"
SEARCH = "s"
INTERACTIONS = frozenset("cruds")
V1_PERMISSIONS = {"read": "rs", "write": "cud", "*": "cruds"}

_RESOURCE_SCOPE = re.compile(
    r"^patient/(?P<type>\*|[A-Z][A-Za-z]+)\.(?P<perm>[cruds]+|read|write|\*)(?:\?(?P<query>.+))?$"
)
_V2_ORDER = "cruds"


@dataclass(frozen=True)
class ResourceScope:
    """One `patient/<Type>.<permissions>` scope; `resource_type` is "*" for every type."""

    resource_type: str
    interactions: frozenset[str]
    # A category-limited scope (`?category=system|code`): only resources in that category.
    category: tuple[str, str] | None = None

    def covers(self, resource_type: str, interaction: str) -> bool:
        return self.resource_type in ("*", resource_type) and interaction in self.interactions

    def to_string(self) -> str:
        permissions = "".join(letter for letter in _V2_ORDER if letter in self.interactions)
        text = f"patient/{self.resource_type}.{permissions}"
        if self.category:
            text += f"?category={self.category[0]}|{self.category[1]}"
        return text


@dataclass(frozen=True)
class ParsedScopes:
    """A scope string read once: the resource scopes plus the launch and identity flags."""

    resources: tuple[ResourceScope, ...] = ()
    openid: bool = False
    fhir_user: bool = False
    launch_patient: bool = False
    offline_access: bool = False
    online_access: bool = False
    # Scopes this server does not grant (`user/…`, `system/…`, malformed ones), as given.
    unknown: tuple[str, ...] = field(default=())

    def allows(self, resource_type: str, interaction: str) -> bool:
        """Whether some scope lets the app do `interaction` ("r" or "s") on `resource_type`."""
        return any(scope.covers(resource_type, interaction) for scope in self.resources)

    def categories(self, resource_type: str, interaction: str) -> frozenset[tuple[str, str]] | None:
        """The categories the app may see of `resource_type`: None means all of them.

        A scope without a category wins over category-limited ones; with only category-limited
        scopes, the answer is the union of their categories (empty when nothing covers it).
        """
        covering = [s for s in self.resources if s.covers(resource_type, interaction)]
        if any(scope.category is None for scope in covering):
            return None
        return frozenset(scope.category for scope in covering if scope.category)

    def resource_types(self) -> frozenset[str]:
        """The resource types named by the scopes ("*" when a wildcard scope is present)."""
        return frozenset(scope.resource_type for scope in self.resources)

    def to_string(self) -> str:
        """The scopes in the order OAuth expects them: space-separated, known ones first."""
        words = [scope.to_string() for scope in self.resources]
        words += [
            name
            for name, present in (
                ("openid", self.openid),
                ("fhirUser", self.fhir_user),
                ("launch/patient", self.launch_patient),
                ("offline_access", self.offline_access),
                ("online_access", self.online_access),
            )
            if present
        ]
        return " ".join(words)


def _resource_scope(word: str) -> ResourceScope | None:
    match = _RESOURCE_SCOPE.match(word)
    if not match:
        return None
    permission = match["perm"]
    letters = V1_PERMISSIONS.get(permission, permission)
    # v2 permissions must be in the order c, r, u, d, s with no repeats.
    if permission not in V1_PERMISSIONS and letters != "".join(
        letter for letter in _V2_ORDER if letter in letters
    ):
        return None
    category = None
    if match["query"]:
        name, _, value = match["query"].partition("=")
        system, bar, code = unquote(value).partition("|")
        if name != "category" or not bar or not system or not code:
            return None
        category = (system, code)
    return ResourceScope(match["type"], frozenset(letters), category)


def parse_scopes(scope: str) -> ParsedScopes:
    """Read a space-separated OAuth scope string into a ParsedScopes."""
    resources: list[ResourceScope] = []
    flags = dict.fromkeys(
        ("openid", "fhir_user", "launch_patient", "offline_access", "online_access"), False
    )
    flag_words = {
        "openid": "openid",
        "fhirUser": "fhir_user",
        "launch/patient": "launch_patient",
        "offline_access": "offline_access",
        "online_access": "online_access",
    }
    unknown: list[str] = []
    for word in scope.split():
        if word in flag_words:
            flags[flag_words[word]] = True
            continue
        parsed = _resource_scope(word)
        if parsed is None:
            unknown.append(word)
        elif parsed not in resources:
            resources.append(parsed)
    return ParsedScopes(resources=tuple(resources), unknown=tuple(unknown), **flags)
