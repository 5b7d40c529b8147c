"""ConfigView: one read-only, typed view of a config revision (profiles, roles, lookups, routing, budgets).

Built once per revision by ConfigService.view(), after config.shape has checked the element types, so readers
index it instead of walking and re-checking the settings dicts.
"""

from dataclasses import dataclass, field

from webui.errors import NotFound


@dataclass(frozen=True)
class ConfigView:
    """Profiles and roles of one revision, in file order, with lookups by id; readers never change what it holds
    (the dicts are the cached revision's own: copy before changing one)."""

    revision: str
    settings: dict  # the validated settings themselves, for the few readers that need raw fields: never change
    profiles: tuple
    roles: tuple
    active_id: str | None
    profiles_by_id: dict = field(repr=False)  # {id: profile}, the gateway's lookup
    _roles_by_id: dict = field(repr=False)

    @classmethod
    def build(cls, settings, revision):
        """The view of validated settings (profiles or roles without an id are left out of the lookups)."""
        items = tuple(p for p in settings.get("llm_profiles") or [] if isinstance(p, dict))
        roles = tuple(r for r in settings.get("llm_roles") or [] if isinstance(r, dict))
        active = settings.get("active_llm_profile")
        by_id = {p["id"]: p for p in items if p.get("id")}
        return cls(revision, settings, items, roles, active if active in by_id else None,
                   by_id, {r["id"]: r for r in roles if r.get("id")})

    # ---- profiles ------------------------------------------------------------------------------
    @property
    def profile_ids(self):
        """Every profile id, in file order."""
        return tuple(self.profiles_by_id)

    def has_profile(self, profile_id):
        """True when a profile has this id."""
        return profile_id in self.profiles_by_id

    def get_profile(self, profile_id):
        """The profile with this id, or None."""
        return self.profiles_by_id.get(profile_id)

    def profile(self, profile_id):
        """The profile with this id, or NotFound naming it."""
        found = self.profiles_by_id.get(profile_id)
        if found is None:
            raise NotFound(f"No profile with id '{profile_id}'", id=profile_id)
        return found

    @property
    def active_profile(self):
        """The active profile, or None."""
        return self.profiles_by_id.get(self.active_id)

    def budget_usd(self, profile_id):
        """The profile's monthly budget in USD, or None."""
        budget = (self.get_profile(profile_id) or {}).get("budget")
        value = budget.get("monthly_usd") if isinstance(budget, dict) else None
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    # ---- roles ---------------------------------------------------------------------------------
    def get_role(self, role_id):
        """The role with this id, or None."""
        return self._roles_by_id.get(role_id) if isinstance(role_id, str) else None

    def role(self, role_id):
        """The role with this id, or NotFound naming it."""
        found = self.get_role(role_id)
        if found is None:
            raise NotFound(f"No role with id '{role_id}'", id=role_id)
        return found

    @property
    def role_names(self):
        """{role id: display name} (the name, else the id)."""
        return {r.get("id"): r.get("name") or r.get("id") for r in self.roles}

    def effective_profile(self, role=None, overrides=None, requested=None):
        """(profile_id, rule) for a turn: request -> session override -> role's profile -> active profile.

        A requested id must exist (404 otherwise); a stored reference to a profile deleted since is skipped,
        so the next rule answers instead of the chat breaking.
        """
        if requested:
            return self.profile(requested)["id"], "request"
        role_id = (role or {}).get("id")
        override = (overrides or {}).get(role_id) if role_id else None
        if self.has_profile(override):
            return override, "session_override"
        ai = (role or {}).get("ai_config")
        own = ai.get("profile_id") if isinstance(ai, dict) else None
        if self.has_profile(own):
            return own, "role"
        if self.active_id:
            return self.active_id, "active"
        raise NotFound("No profile to answer with: create a profile and make it active under API & Models.",
                       id=None)

    def effective_profiles(self, overrides=None):
        """{role id: (profile_id or None, rule)} for every role: the one table pages and the API show."""
        table = {}
        for role in self.roles:
            try:
                table[role.get("id")] = self.effective_profile(role, overrides)
            except NotFound:
                table[role.get("id")] = (None, None)
        return table
