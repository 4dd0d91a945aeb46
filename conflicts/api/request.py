"""Reading a create request of the API: JSON or multipart in, one checked `Submission` out.

The order of the checks decides the status a client gets: a body over the size limit is refused
before it is read (413), one that cannot be read is a 400, an unknown media type a 415; then the
shape (422, from `ReportCreate`), the upload limits (413), and last the content: target, index,
webhook and every requirements line, all reported at once (422). The requirements are checked by
`conflicts.submission.inputs`, as the HTML form checks them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import pydantic
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError

from conflicts.api.problems import ApiProblem, field_error
from conflicts.api.schemas import MULTIPART_ENCODING, MULTIPART_SCHEMA, ReportCreate
from conflicts.indexes import OFFLINE_NAME, configured_indexes
from conflicts.submission.inputs import Problem, SubmissionError, check_files, check_limits, file_field
from conflicts.submission.options import (
    OptionsError,
    check_options,
    parse_day,
    parse_formats,
    parse_moment,
    split_target,
)
from resolver.environment import Target
from resolver.errors import TargetError

__all__ = [
    "MULTIPART_ENCODING",
    "MULTIPART_SCHEMA",
    "Submission",
    "idempotency_key",
    "read_submission",
    "webhook_problem",
]

BOM = "\ufeff"
TRUE = {"true", "1", "on", "yes"}
FALSE = {"false", "0", "off", "no", ""}


@dataclass(frozen=True)
class Submission:
    """A create request once checked, with the server's defaults filled in."""

    files: dict[str, str]
    roots: list[str]
    python_version: str
    platform: str
    index: str
    pre: bool
    webhook_url: str
    options: dict[str, Any] = field(default_factory=dict)  # conflicts.submission.options.Options as JSON

    def digest(self) -> str:
        """What a retry with the same Idempotency-Key must match (JSON or multipart alike).

        Without options the digest is the one earlier versions computed, so keys stay valid.
        """
        fields = asdict(self)
        if not fields["options"]:
            del fields["options"]
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def idempotency_key(header: str | None) -> str:
    """The key without the quotes of its structured-field form (`"abc"`), which some clients send."""
    if header is None:
        return ""
    key = header.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > 255 or not all("!" <= char <= "~" for char in key):
        message = "An Idempotency-Key is 1 to 255 visible ASCII characters."
        errors = [field_error("header.Idempotency-Key", message, code="bad-idempotency-key")]
        raise ApiProblem("invalid-input", message, errors=errors)
    return key


def read_submission(request: HttpRequest) -> Submission:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit():
        raise ApiProblem("bad-request", "The Content-Length header is not a number.")
    if int(length) > settings.API_MAX_BODY_BYTES:
        raise ApiProblem(
            "too-large", f"The body has {length} bytes; at most {settings.API_MAX_BODY_BYTES} are accepted."
        )
    if request.content_type == "application/json":
        data = _json(request)
    elif request.content_type == "multipart/form-data":
        data = _multipart(request)
    else:
        raise ApiProblem(
            "unsupported-media-type",
            f"Send application/json or multipart/form-data, not {request.content_type or 'no Content-Type'}.",
        )
    try:
        body = ReportCreate.model_validate(data)
    except pydantic.ValidationError as error:
        errors = [
            field_error(".".join(str(part) for part in item["loc"]) or "body", item["msg"], code=item["type"])
            for item in error.errors(include_url=False)
        ]
        raise ApiProblem("invalid-input", "The request body does not match the schema.", errors=errors) from error
    return _check(body)


def _json(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body)
    except RequestDataTooBig as error:
        raise ApiProblem("too-large", "The body is larger than the server accepts.") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiProblem("bad-request", f"The body is not valid JSON: {error}.") from error
    except RecursionError as error:  # nested deeper than the parser goes
        raise ApiProblem("bad-request", "The body is nested too deeply to be a report request.") from error


def _multipart(request: HttpRequest) -> dict[str, Any]:
    try:
        fields, uploads = request.POST, request.FILES
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as error:
        raise ApiProblem("too-large", f"The upload is over a limit of the server: {error}.") from error
    except MultiPartParserError as error:
        raise ApiProblem("bad-request", f"The multipart body cannot be read: {error}.") from error
    known = set(MULTIPART_SCHEMA["properties"])
    errors = [field_error(name, "Unknown field.", code="unknown-field") for name in fields if name not in known]
    errors += [field_error(name, "Unknown field.", code="unknown-field") for name in uploads if name != "files"]
    if "files" in fields:
        errors.append(field_error("files", "Send each file as a file part, with its file name.", code="not-a-file"))
    data: dict[str, Any] = {}
    files: dict[str, str] = {}
    for upload in uploads.getlist("files"):
        name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1]
        if (upload.size or 0) > settings.UPLOAD_MAX_FILE_BYTES:
            message = f"{name}: {upload.size} bytes; at most {settings.UPLOAD_MAX_FILE_BYTES} are accepted."
            problem = Problem(message, field=file_field(name), code="file-too-large")
            raise ApiProblem("too-large", message, errors=[_problem_error(problem)])
        if name in files:
            errors.append(field_error(file_field(name), "Two files have this name.", code="duplicate-file"))
        try:
            files[name] = upload.read().decode("utf-8")
        except UnicodeDecodeError as error:
            message = f"{file_field(name)}: not UTF-8 text (byte {error.start}); send it as UTF-8."
            errors.append(field_error(file_field(name), message, code="not-utf-8"))
    if errors:
        raise ApiProblem("invalid-input", _multipart_detail(errors), errors=errors)
    data["files"] = files
    for name in ("python_version", "platform", "index", "webhook_url"):
        if name in fields:
            data[name] = fields[name]
    if "roots" in fields:
        data["roots"] = fields.getlist("roots")
    for name in ("exclude_newer", "good_date"):
        if name in fields:
            data[name] = fields[name]
    for name in ("only_binary", "no_binary"):
        if name in fields:
            data[name] = fields.getlist(name)
    if "targets" in fields:
        data["targets"] = [_target_part(position, text) for position, text in enumerate(fields.getlist("targets"))]
    if "pre" in fields:
        data["pre"] = _boolean(fields["pre"])
    return data


def _multipart_detail(errors: list[dict[str, Any]]) -> str:
    """The detail says what the entries say: a file that is not UTF-8 is not an unknown field."""
    unknown = [error["field"] for error in errors if error["code"] == "unknown-field"]
    said = [error["message"] for error in errors if error["code"] == "not-utf-8"]
    said += [
        f"{error['field']}: {error['message']}" for error in errors if error["code"] in ("not-a-file", "duplicate-file")
    ]
    if unknown:
        said.append(f"The multipart body has fields this API does not take: {', '.join(unknown)}.")
    return " ".join(said)


def _target_part(position: int, text: str) -> dict[str, str] | str:
    """`3.12 win_amd64`, `3.12/win_amd64` or `3.12` as the JSON body's {python_version, platform}."""
    parts = split_target(text)
    if not 1 <= len(parts) <= 2:
        message = f"{text!r} is not 'PYTHON PLATFORM'; write for example '3.12 manylinux_2_28_x86_64' or '3.12'."
        errors = [field_error(f"targets.{position}", message, code="bad-target")]
        raise ApiProblem("invalid-input", message, errors=errors)
    return {"python_version": parts[0], **({"platform": parts[1]} if len(parts) == 2 else {})}


def _boolean(value: str) -> bool | str:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    return value  # left for the schema to refuse, with its own message


def _problem_error(problem: Problem) -> dict[str, Any]:
    return field_error(problem.field, problem.message, line=problem.line, code=problem.code)


def _check(body: ReportCreate) -> Submission:
    """The content: file names, limits, target, index, webhook, roots, then every line."""
    files = {name: text.removeprefix(BOM) for name, text in body.files.items()}
    name_errors = [
        field_error(file_field(name), "A file name is 1 to 255 characters, none of them a control character.",
                    code="bad-file-name")
        for name in files
        if not name.strip() or len(name) > 255 or any(ord(char) < 32 or ord(char) == 127 for char in name)
    ]  # fmt: skip
    errors = list(name_errors)
    try:
        check_limits(files)
    except SubmissionError as error:
        raise ApiProblem("too-large", str(error), errors=[_problem_error(p) for p in error.problems]) from error
    python_version = body.python_version or settings.RESOLVER_DEFAULT_PYTHON
    platform = (body.platform or settings.RESOLVER_DEFAULT_PLATFORM).strip()
    try:
        Target(python_version, "any")
    except TargetError as error:
        errors.append(field_error("python_version", error.message, code=error.code))
    try:
        Target("3.11", platform)
    except TargetError as error:
        errors.append(field_error("platform", error.message, code=error.code))
    names = [name for name, _url in configured_indexes()]
    index = body.index if body.index is not None else (names[0] if names else "")
    if index not in names and index != OFFLINE_NAME:  # the snapshot's former name still picks it
        offered = ", ".join(repr(name) for name in names) or "none is configured"
        errors.append(field_error("index", f"Unknown index {index!r}; choose one of: {offered}.", code="unknown-index"))
    webhook_url = body.webhook_url or ""
    if webhook_url and (problem := webhook_problem(webhook_url)):
        errors.append(field_error("webhook_url", problem, code="webhook-not-allowed"))
    roots = body.roots or []
    root_errors = [
        field_error(f"roots.{position}", f"{root!r} is not one of the files.", code="unknown-root")
        for position, root in enumerate(roots)
        if root not in files
    ]
    if root_errors or name_errors:
        errors += root_errors
    else:  # every bad line too, so one round of fixes is enough
        try:
            roots = check_files(files, roots or None)
        except SubmissionError as error:
            errors += [_problem_error(problem) for problem in error.problems]
    options = _options(body, python_version, platform, errors)
    if errors:
        count = len(errors)
        raise ApiProblem("invalid-input", f"{count} problem{'s' if count != 1 else ''} in the request.", errors=errors)
    return Submission(files, roots, python_version, platform, index, body.pre, webhook_url, options)


def _options(body: ReportCreate, python_version: str, platform: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The analysis options as stored on the report; their problems are appended to `errors`."""
    problems: list[Problem] = []
    moments: dict[str, Any] = {"exclude_newer": None, "good_date": None}
    for name, parse in (("exclude_newer", parse_moment), ("good_date", parse_day)):
        value = getattr(body, name)
        if value is not None and value.strip():
            try:
                moments[name] = parse(value, name)
            except OptionsError as error:
                problems += error.problems
    binary: dict[str, Any] = {}  # only_binary, no_binary: tuple[str, ...], for Options' fields
    for name in ("only_binary", "no_binary"):
        try:
            binary[name] = parse_formats(getattr(body, name) or [], name)
        except OptionsError as error:
            problems += error.problems
    if not problems:
        try:
            options = check_options(
                targets=[(t.python_version.strip(), (t.platform or "").strip()) for t in body.targets or []],
                main_target=(python_version, platform),
                lines=False,
                **moments,
            )
        except OptionsError as error:
            problems += error.problems
    errors += [_problem_error(problem) for problem in problems]
    return {} if problems else replace(options, **binary).to_json()


def webhook_problem(url: str) -> str:
    """Why a webhook URL is refused, or "": http(s) only, to a host the settings allow."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "This is not a URL."
    allowed = {host.lower() for host in settings.API_WEBHOOK_ALLOWED_HOSTS}
    if parts.scheme not in ("http", "https") or not host:
        return "A webhook URL is an http:// or https:// URL."
    if parts.username or parts.password:
        return "A webhook URL carries no credentials; the payload is signed instead."
    if host.lower() not in allowed:
        return f"Webhooks to {host} are not allowed on this server (API_WEBHOOK_ALLOWED_HOSTS)."
    return ""
