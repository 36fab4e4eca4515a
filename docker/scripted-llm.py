#!/usr/bin/env python3
"""A scripted OpenAI-compatible model for the smoke tests: every chat completion answers the same fixed Python program.

    docker/scripted-llm.py PORT [ANSWER_FILE]

Listens on 127.0.0.1:PORT. GET /v1/models lists one model, "scripted"; POST /v1/chat/completions answers the program
(ANSWER_FILE's text, default an add(a, b)) as a fenced code block, with usage, streamed when the request asks for it.
Each request is logged on stderr as one line: method, path, model."""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
# The fingerprint the LLM layer labels evor.source = scripted (LlmMetadata.ScriptedFingerprintPrefix): what this server
# answers is never presented as code a model wrote.
FINGERPRINT = "evor-scripted-llm-py"
PROGRAM = open(sys.argv[2]).read() if len(sys.argv) > 2 else "def add(a, b):\n    return a + b\n"
ANSWER = "```python\n" + PROGRAM + "```\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        print("scripted-llm: GET", self.path, file=sys.stderr, flush=True)
        if self.path.rstrip("/") == "/v1/models":
            self.send_json(200, {"object": "list", "data": [{"id": "scripted", "object": "model", "created": 0, "owned_by": "evor"}]})
        else:
            self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        print("scripted-llm: POST", self.path, request.get("model"), file=sys.stderr, flush=True)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        created = int(time.time())
        usage = {"prompt_tokens": 42, "completion_tokens": 17, "total_tokens": 59}
        if not request.get("stream"):
            self.send_json(200, {
                "id": "chatcmpl-scripted", "object": "chat.completion", "created": created, "model": request.get("model", "scripted"),
                "system_fingerprint": FINGERPRINT,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER}, "finish_reason": "stop"}],
                "usage": usage,
            })
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        for delta, finish in (({"role": "assistant", "content": ANSWER}, None), ({}, "stop")):
            chunk = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": created,
                     "model": request.get("model", "scripted"), "system_fingerprint": FINGERPRINT, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            if finish:
                chunk["usage"] = usage
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
