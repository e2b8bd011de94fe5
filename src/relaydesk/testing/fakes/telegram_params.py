"""Bot API parameters from any of the encodings Telegram accepts, read with Telegram's errors.

A call may carry its parameters in the query string, an urlencoded form, a JSON body or a
multipart form; in form encodings nested objects arrive as JSON strings, numbers and booleans
as text. A file parameter is a file_id, an HTTP URL, an uploaded part of the same name, or
`attach://<part name>` naming an uploaded part (aiogram sends that form).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

MAX_UPLOAD = 50 * 1024 * 1024


class TelegramError(Exception):
    """An error answer: `{"ok": false, "error_code", "description", "parameters"?}`."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str, parameters: dict[str, Any] | None = None) -> TelegramError:
    return TelegramError(400, f"Bad Request: {detail}", parameters)


@dataclass
class Upload:
    filename: str
    content: bytes
    content_type: str | None


@dataclass
class InputFile:
    """What a file parameter named: exactly one of the three is set."""

    file_id: str | None = None
    url: str | None = None
    upload: Upload | None = None


@dataclass
class Params:
    values: dict[str, Any] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def str_(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def int_(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value))
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def bool_(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def json_(self, name: str) -> Any:
        """A nested object or array, given directly (JSON body) or as a JSON string (forms)."""
        value = self.values.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def file(self, name: str) -> InputFile | None:
        if name in self.uploads:
            return InputFile(upload=self.uploads[name])
        value = self.str_(name)
        if not value:
            return None
        if value.startswith("attach://"):
            part = self.uploads.get(value.removeprefix("attach://"))
            if part is None:
                raise bad_request(f"file {value} not found in the request")
            return InputFile(upload=part)
        if value.startswith(("http://", "https://")):
            return InputFile(url=value)
        return InputFile(file_id=value)


async def read_params(request: Request) -> Params:
    params = Params(values=dict(request.query_params))
    if request.method != "POST":
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await request.body()
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(data, dict):
                raise bad_request("can't parse JSON object")
            params.values.update(data)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        async with request.form(max_part_size=MAX_UPLOAD) as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    params.uploads[key] = Upload(
                        value.filename or key, await value.read(), value.content_type
                    )
                else:
                    params.values[key] = value
    return params
