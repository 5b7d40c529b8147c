"""What an API token's scope lets it reach: every endpoint of the app is named here (a new one must be too)."""

from webui.core.access.auth import SCOPES
from webui.errors import InsufficientScope

PUBLIC = "public"

CHAT_ENDPOINTS = frozenset({
    "openai_face.chat_completions", "openai_face.models", "openai_face.model",
    "embeddings_face.create", "messages_face.create_message", "messages_face.count_tokens",
    "responses_face.create", "responses_face.retrieve", "responses_face.delete",
    "api_v1.sessions_chat", "api_v1.sessions_redraw", "api_v1.sessions_compare", "api_v1.sessions_stop",
    # a game client reads the session it talks in and may regenerate a turn; changing or deleting what was said
    # is an administrator's (a chat token handed to a client cannot rewrite or erase the story)
    "api_v1.sessions_get", "api_v1.sessions_export", "api_v1.messages_regenerate",
})

READ_ENDPOINTS = frozenset({
    "api_config.config_get", "api_config.credentials_list", "api_config.profiles_list", "api_config.profile_get",
    "api_config.providers", "api_config.openapi_document", "api_config.status",
    "api_v1.profiles_list", "api_v1.roles_list", "api_usage.usage_summary", "api_usage.usage_calls",
    "metrics.scrape",
})

PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "health.healthz"})

ADMIN_ENDPOINTS = frozenset({
    "models.index", "models.multi_provider", "models.create_profile", "models.profile", "models.save_profile",
    "models.activate", "models.delete", "models.duplicate", "models.move", "models.pull", "models.test",
    "models.move_by_button", "models.new_profile", "models.pull_new", "models.test_new", "models.remove_secret",
    "models.use_stored_key", "models.forget_key",
    "access.index", "access.change_password", "access.create_token", "access.revoke_token", "access.restart",
    "api_config.config_post", "api_config.credential_put", "api_config.credential_delete",
    "api_config.form_models", "api_config.ollama_pull", "api_config.ollama_pull_cancel",
    "api_config.profile_activate", "api_config.profiles_create", "api_config.profile_update",
    "api_config.profile_delete", "api_config.profile_duplicate", "api_config.profile_models",
    "api_config.profile_test", "api_config.profiles_reorder", "api_config.form_test",
    "api_config.local_llm_key", "api_config.local_llm_models", "api_config.restart",
    "api_v1.export_config", "api_v1.profiles_replace", "api_v1.profiles_delete", "api_v1.profiles_add",
    "api_v1.roles_replace", "api_v1.roles_import", "api_v1.sessions_list", "api_v1.sessions_create",
    "api_v1.sessions_select", "api_v1.overrides_get", "api_v1.overrides_put", "api_v1.overrides_delete",
    "api_v1.sessions_rename", "api_v1.sessions_delete", "api_v1.messages_edit", "api_v1.messages_delete",
    "settings.display", "settings.local_llm_page", "settings.local_llm_save", "settings.local_llm_key",
    "settings.local_llm_models", "settings.preferences", "settings.voice",
    "auth.logout", "roles.index", "roles.select_alternative", "roles.answered", "roles.send", "roles.compare",
    "roles.import_roles", "roles.override", "roles.save_roles", "roles.redraw", "roles.role_save",
    "roles.role_delete", "roles.new_session", "usage.index",
    "roles.sessions_fragment", "roles.session_rename", "roles.session_delete", "roles.message_edit",
    "roles.message_delete", "roles.message_regenerate",
})


def endpoint_scope(endpoint):
    """The scope an endpoint needs ('public', 'chat', 'read', 'admin'), or None for one not in any table."""
    for scope, table in ((PUBLIC, PUBLIC_ENDPOINTS), ("chat", CHAT_ENDPOINTS), ("read", READ_ENDPOINTS),
                         ("admin", ADMIN_ENDPOINTS)):
        if endpoint in table:
            return scope
    return None


def allows(token_scope, endpoint, method):
    """True when a token of `token_scope` may call `endpoint` with `method` (unknown endpoints: admin only)."""
    needed = endpoint_scope(endpoint) or "admin"
    if needed == PUBLIC or token_scope == "admin":
        return True
    if needed == "read" and method not in ("GET", "HEAD"):
        return False
    return needed == token_scope


def check(token_scope, endpoint, method, path):
    """InsufficientScope (403) unless the token's scope reaches this endpoint."""
    if token_scope not in SCOPES:
        token_scope = "admin"
    if not allows(token_scope, endpoint, method):
        needed = endpoint_scope(endpoint) or "admin"
        raise InsufficientScope(f"This API token has scope '{token_scope}'; {method} {path} needs scope "
                                f"'{needed}'. Create a token with that scope on the Access tab.",
                                token_scope=token_scope, required_scope=needed)
