"""OpenTelemetry spans for gateway calls (GenAI semantic conventions), exported over OTLP/HTTP.

Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: then nothing of
OpenTelemetry is imported and a call pays one `is None` test. Prompt and completion text go into spans only
with WEBUI_TRACE_CONTENT=1 (scrubbed like logs).
"""

import json
import logging
import threading

from webui.providers.redact import scrub_text

# gen_ai.provider.name values of the semantic conventions (our own id where they name none).
PROVIDER_NAMES = {"open_ai": "openai", "anthropic": "anthropic", "gemini": "gcp.gemini", "open_router": "openrouter",
                  "ollama": "ollama", "custom": "_OTHER"}
SAMPLING = (("temperature", "gen_ai.request.temperature"), ("top_p", "gen_ai.request.top_p"),
            ("max_tokens", "gen_ai.request.max_tokens"), ("presence_penalty", "gen_ai.request.presence_penalty"),
            ("frequency_penalty", "gen_ai.request.frequency_penalty"))
_tracers = {}  # traces endpoint -> (TracerProvider, Tracer): one provider and exporter per process and endpoint
_lock = threading.Lock()
log = logging.getLogger("webui.tracing")


def traces_endpoint(environ):
    """The OTLP/HTTP traces URL from the standard variables, or None (tracing off)."""
    specific = (environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or "").strip()
    if specific:
        return specific
    base = (environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "").strip()
    return base.rstrip("/") + "/v1/traces" if base else None


def tracer_for(environ):
    """A Tracer that exports to the configured endpoint, or None when tracing is off (nothing imported)."""
    endpoint = traces_endpoint(environ)
    if not endpoint or (environ.get("OTEL_SDK_DISABLED") or "").lower() == "true":
        return None
    with _lock:
        if endpoint not in _tracers:
            try:
                _tracers[endpoint] = _make_tracer(endpoint, environ)
            except ImportError:
                log.error("OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed "
                          "(pip install 'triplo-webui[otel]'): tracing stays off")
                return None
        return _tracers[endpoint][1]


def _make_tracer(endpoint, environ):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = environ.get("OTEL_SERVICE_NAME") or "triplo-webui"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider, provider.get_tracer("webui.gateway")


def flush(timeout_ms=5000):
    """Export every finished span now (tests, shutdown)."""
    for provider, _ in list(_tracers.values()):
        provider.force_flush(timeout_ms)


class CallTrace:
    """The spans of one gateway call: a parent `gateway <face>` span, one `chat <model>` span per attempt."""

    def __init__(self, tracer, face, request_id, content=False):
        from opentelemetry import trace

        self._trace, self.tracer, self.content = trace, tracer, content
        self.call = tracer.start_span(f"gateway {face}", kind=trace.SpanKind.INTERNAL,
                                      attributes={"webui.face": face, "webui.request_id": request_id or "",
                                                  "gen_ai.operation.name": "chat"})
        self.attempt = None

    def started(self, profile_id, profile, messages):
        """A provider attempt begins (its span is a child of the call's)."""
        profile = profile or {}
        model = profile.get("model") or ""
        attributes = {"gen_ai.operation.name": "chat", "gen_ai.request.model": model,
                      "gen_ai.provider.name": PROVIDER_NAMES.get(profile.get("provider"), "_OTHER"),
                      "gen_ai.system": PROVIDER_NAMES.get(profile.get("provider"), "_OTHER"),
                      "webui.profile_id": profile_id or "", "webui.provider": profile.get("provider") or ""}
        for field, name in SAMPLING:
            value = profile.get(field)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                attributes[name] = value
        if self.content and messages:
            attributes["gen_ai.input.messages"] = scrub_text(json.dumps(messages, ensure_ascii=False, default=str))
        if not self.call.attributes.get("gen_ai.request.model"):
            self.call.set_attribute("gen_ai.request.model", model)
        context = self._trace.set_span_in_context(self.call)
        self.attempt = self.tracer.start_span(f"chat {model}".strip(), context=context,
                                              kind=self._trace.SpanKind.CLIENT, attributes=attributes)

    def succeeded(self, result, cost, fallback_from):
        """The attempt answered: response model, finish reason, token usage; the call ends with it."""
        span = self.attempt
        if span is not None:
            usage = getattr(result, "usage", None) or {}
            values = {"gen_ai.response.model": getattr(result, "model", None),
                      "gen_ai.usage.input_tokens": usage.get("prompt_tokens"),
                      "gen_ai.usage.output_tokens": usage.get("completion_tokens"),
                      "webui.cost_usd": cost, "webui.fallback_from": fallback_from}
            for name, value in values.items():
                if value is not None:
                    span.set_attribute(name, value)
            if getattr(result, "finish_reason", None):
                span.set_attribute("gen_ai.response.finish_reasons", [result.finish_reason])
            if self.content and getattr(result, "text", None):
                output = [{"role": "assistant", "parts": [{"type": "text", "content": result.text}]}]
                span.set_attribute("gen_ai.output.messages", scrub_text(json.dumps(output, ensure_ascii=False)))
            span.end()
            self.attempt = None
        self.finished(None)

    def failed(self, code):
        """The attempt failed with an error code (the call may go on with a fallback)."""
        span = self.attempt
        if span is not None:
            span.set_attribute("error.type", code or "error")
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, code or "error"))
            span.end()
            self.attempt = None

    def finished(self, exc):
        """The call is over (answered, or every attempt failed); ending twice is harmless."""
        call, self.call = self.call, None
        if call is None:
            return
        if self.attempt is not None:
            self.failed(getattr(exc, "code", None) or type(exc).__name__ if exc is not None else None)
        if exc is not None:
            code = getattr(exc, "code", None) or type(exc).__name__
            call.set_attribute("error.type", code)
            call.set_status(self._trace.Status(self._trace.StatusCode.ERROR, code))
        call.end()
