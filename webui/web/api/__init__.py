"""The JSON APIs: configuration, /api/v1, the OpenAI-compatible face, usage, the OpenAPI document."""
