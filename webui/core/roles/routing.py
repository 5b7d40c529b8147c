"""What a role says to its model: its system prompt and the history as that role sees it.

(Which profile answers a role is ConfigView.effective_profile; a reply's metadata is GatewayResult.metadata.)
"""


# Role fields that may carry the character's instructions, in order of precedence.
PROMPT_FIELDS = ("system_prompt", "prompt", "instructions")
PERSONA_FIELDS = ("description", "personality", "persona", "background")


def system_prompt(role):
    """The role's instructions: an explicit prompt field, else one made from its name and description."""
    ai = role.get("ai_config") if isinstance(role.get("ai_config"), dict) else {}
    for source in (role, ai):
        for field in PROMPT_FIELDS:
            value = source.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return persona_prompt(role)


def persona_prompt(role):
    """The prompt made from the role's name and description (or persona fields) when it has no prompt; else None."""
    persona = [str(role[f]).strip() for f in PERSONA_FIELDS if isinstance(role.get(f), str) and role[f].strip()]
    if not persona:
        return None
    return f"You are {role.get('name') or role.get('id')}. " + " ".join(persona)


def build_messages(role, history, names=None):
    """OpenAI-style messages: the role's system prompt, then the history as seen by this role.

    The role's own earlier replies are `assistant`; everything else (the player and the other
    characters) is `user`, other characters' lines prefixed with their name so the model can tell
    who spoke.
    """
    names = names or {}
    messages = []
    prompt = system_prompt(role) if role else None
    if prompt:
        messages.append({"role": "system", "content": prompt})
    role_id = (role or {}).get("id")
    for item in history:
        if item.get("is_ai") and item.get("role_id") == role_id:
            messages.append({"role": "assistant", "content": item["content"]})
        elif item.get("is_ai"):
            speaker = names.get(item.get("role_id")) or item.get("role_id") or "Assistant"
            messages.append({"role": "user", "content": f"{speaker}: {item['content']}"})
        elif item.get("role_id") and item.get("role_id") != role_id:  # a human-played character's line
            speaker = names.get(item.get("role_id")) or item.get("role_id")
            messages.append({"role": "user", "content": f"{speaker}: {item['content']}"})
        elif item.get("role_id"):  # this role's own line, typed by the person playing it
            messages.append({"role": "assistant", "content": item["content"]})
        else:
            messages.append({"role": "user", "content": item["content"]})
    return messages
