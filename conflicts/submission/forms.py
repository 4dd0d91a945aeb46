"""The submission form: pasted text and/or uploaded files, the target, the index.

Bad input comes back on the same form with the file, line and what is wrong; pasted text and
uploaded files are kept (uploads as `kept_files`) so nothing typed or chosen is lost.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from conflicts.indexes import configured_indexes
from conflicts.submission.inputs import SubmissionError, check_files, find_roots
from conflicts.submission.options import (
    MOMENT_FORMATS,
    Options,
    OptionsError,
    check_options,
    parse_day,
    parse_formats,
    parse_moment,
    parse_target_lines,
)
from resolver.environment import EXAMPLE_PLATFORMS, PYTHON_VERSIONS, Target
from resolver.errors import TargetError

__all__ = ["PASTED_NAME", "SubmitForm", "find_roots"]

PASTED_NAME = "requirements.in"
PLACEHOLDER = "django==1.11.29\ndjangocms-blog"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class SubmitForm(forms.Form):
    text = forms.CharField(
        label="Paste your requirements.in",
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 12, "spellcheck": "false", "placeholder": "django==1.11.29\ndjangocms-blog"}
        ),
    )
    upload = MultipleFileField(
        label="…or upload files (a requirements.in and the files its -r/-c lines name)", required=False
    )
    kept_files = forms.CharField(required=False, widget=forms.HiddenInput)
    python_version = forms.ChoiceField(label="Target Python", choices=[(v, v) for v in PYTHON_VERSIONS])
    platform = forms.CharField(
        label="Platform",
        max_length=64,
        help_text="A wheel platform tag, e.g. manylinux_2_28_x86_64, macosx_11_0_arm64, win_amd64, or any.",
        widget=forms.TextInput(attrs={"list": "platforms"}),
    )
    index = forms.ChoiceField(
        label="Index",
        help_text="The index pip uses reads everything published. The bundled snapshot works offline but "
        "holds only part of it: an answer that rests on what it lacks says so instead of calling it a conflict.",
    )
    pre = forms.BooleanField(label="Allow pre-releases", required=False)
    targets = forms.CharField(
        label="Also resolve for (one target a line)",
        required=False,
        help_text="Python version and platform tag, e.g. 3.12 manylinux_2_28_x86_64 or 3.9 win_amd64 "
        "(a version alone keeps the platform above): you get a pass/fail matrix with the reason in each cell.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "placeholder": "3.12 manylinux_2_28_x86_64"}),
    )
    exclude_newer = forms.CharField(
        label="As of",
        required=False,
        max_length=40,
        help_text=f"Ignore files uploaded to the index after this moment: {MOMENT_FORMATS}.",
        widget=forms.TextInput(attrs={"placeholder": "2024-05-01", "autocomplete": "off"}),
    )
    good_date = forms.CharField(
        label="Used to resolve on",
        required=False,
        max_length=40,
        help_text="A day (YYYY-MM-DD) when this file still resolved: the report finds the releases that broke it.",
        widget=forms.TextInput(attrs={"placeholder": "2023-01-15", "autocomplete": "off"}),
    )
    only_binary = forms.CharField(
        label="Wheels only for (pip's --only-binary)",
        required=False,
        max_length=2000,
        help_text="Package names separated by commas, or :all:; sdists of these are not used.",
        widget=forms.TextInput(attrs={"placeholder": ":all:", "autocomplete": "off", "spellcheck": "false"}),
    )
    no_binary = forms.CharField(
        label="Sdists only for (pip's --no-binary)",
        required=False,
        max_length=2000,
        help_text="Package names separated by commas, or :all:; wheels of these are not used.",
        widget=forms.TextInput(attrs={"placeholder": "lxml", "autocomplete": "off", "spellcheck": "false"}),
    )

    platforms = EXAMPLE_PLATFORMS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        index = self.fields["index"]
        assert isinstance(index, forms.ChoiceField)  # as declared above
        index.choices = [(name, name) for name, _url in configured_indexes()]
        self.fields["python_version"].initial = settings.RESOLVER_DEFAULT_PYTHON
        self.fields["platform"].initial = settings.RESOLVER_DEFAULT_PLATFORM
        self.files_by_name: dict[str, str] = {}
        self.roots: list[str] = []
        self.options = Options()
        # the help text is read with the field
        for name in ("index", "targets", "exclude_newer", "good_date", "only_binary", "no_binary"):
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-help"

    def kept(self) -> dict[str, str]:
        try:
            kept = json.loads(self.data.get("kept_files") or "{}")
        except json.JSONDecodeError:
            return {}
        return {str(k): str(v) for k, v in kept.items()} if isinstance(kept, dict) else {}

    def clean_upload(self) -> dict[str, str]:
        uploads = self.cleaned_data.get("upload") or []
        found: dict[str, str] = {}
        errors = []
        for upload in uploads:
            name = upload.name.replace("\\", "/").rsplit("/", 1)[-1]
            if upload.size > settings.UPLOAD_MAX_FILE_BYTES:
                errors.append(f"{name}: {upload.size} bytes; at most {settings.UPLOAD_MAX_FILE_BYTES} are accepted")
                continue
            try:
                found[name] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as error:
                errors.append(f"{name}: not UTF-8 text (byte {error.start}); save it as UTF-8 and upload it again")
        if errors:
            raise ValidationError(errors)
        return found

    def clean_platform(self) -> str:
        platform = self.cleaned_data["platform"].strip()
        try:
            Target("3.11", platform)
        except TargetError as error:
            raise ValidationError(str(error)) from error
        return platform

    def clean_targets(self) -> list[tuple[str, str]]:
        try:
            return parse_target_lines(self.cleaned_data.get("targets") or "")
        except OptionsError as error:
            raise ValidationError([problem.message for problem in error.problems]) from error

    def clean_exclude_newer(self) -> Any:
        value = (self.cleaned_data.get("exclude_newer") or "").strip()
        try:
            return parse_moment(value, "exclude_newer") if value else None
        except OptionsError as error:
            raise ValidationError(error.problems[0].message) from error

    def clean_good_date(self) -> Any:
        value = (self.cleaned_data.get("good_date") or "").strip()
        try:
            return parse_day(value, "good_date") if value else None
        except OptionsError as error:
            raise ValidationError(error.problems[0].message) from error

    def _clean_formats(self, name: str) -> tuple[str, ...]:
        """One value, or several separated by spaces (each one use of the option, as on pip's command line)."""
        try:
            return parse_formats((self.cleaned_data.get(name) or "").split(), name, lines=True)
        except OptionsError as error:
            raise ValidationError([problem.message for problem in error.problems]) from error

    def clean_only_binary(self) -> tuple[str, ...]:
        return self._clean_formats("only_binary")

    def clean_no_binary(self) -> tuple[str, ...]:
        return self._clean_formats("no_binary")

    def _clean_options(self, cleaned: dict[str, Any]) -> None:
        """The options together (distinct targets, dates in order); each problem on its own field."""
        if any(name in self.errors for name in ("targets", "exclude_newer", "good_date", "python_version", "platform")):
            return
        try:
            self.options = check_options(
                targets=cleaned.get("targets") or [],
                main_target=(cleaned["python_version"], cleaned["platform"]),
                exclude_newer=cleaned.get("exclude_newer"),
                good_date=cleaned.get("good_date"),
            )
            binary: dict[str, Any] = {name: cleaned.get(name) or () for name in ("only_binary", "no_binary")}
            self.options = replace(self.options, **binary)
        except OptionsError as error:
            for problem in error.problems:
                self.add_error(problem.field if problem.field in self.fields else None, problem.message)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Django's Form.clean returns cleaned_data
        self._clean_options(cleaned)
        files = {**self.kept(), **(cleaned.get("upload") or {})}
        text = cleaned.get("text") or ""
        if text.strip():
            files[PASTED_NAME] = text
        if "upload" in self.errors:
            return cleaned
        if not files:
            raise ValidationError("Paste a requirements.in or upload one (with the files its -r/-c lines name).")
        self.files_by_name = files
        try:
            self.roots = check_files(files)
        except SubmissionError as error:
            self.problems = error.problems
            raise ValidationError([str(problem) for problem in error.problems]) from error
        return cleaned

    def carried_files(self) -> dict[str, str]:
        """Uploaded files to carry into the re-rendered form, so a correction needs no re-upload."""
        uploaded = self.cleaned_data.get("upload") if hasattr(self, "cleaned_data") else None
        files = {**self.kept(), **(uploaded if isinstance(uploaded, dict) else {})}
        if not self.is_bound:
            with contextlib.suppress(json.JSONDecodeError):
                files = {**json.loads(self.initial.get("kept_files") or "{}"), **files}
        return files

    def kept_json(self) -> str:
        return json.dumps(self.carried_files())

    def kept_names(self) -> list[str]:
        return sorted(self.carried_files())
