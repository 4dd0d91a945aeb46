"""Views: validate, call a service or read a stored report, render. No resolution happens here."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HTMX_STOP_POLLING
from django_htmx.middleware import HtmxDetails

from conflicts.jobs import submit
from conflicts.models import Report, Status
from conflicts.submission.forms import SubmitForm
from conflicts.submission.inputs import Problem
from conflicts.submission.options import Options, OptionsError, check_options, parse_day, parse_moment
from conflicts.throttling import over_limit, parse_rate
from conflicts.web import analysis_context as explanations
from conflicts.web import presenters
from conflicts.web.progress import progress_context
from resolver.output.report import requirements_txt, requirements_urls

PROGRESS_WAIT_SECONDS = 3.0  # the longest a progress poll waits for news
PROGRESS_STEP_SECONDS = 0.05  # how often it looks


class HtmxHttpRequest(HttpRequest):
    """A request through django-htmx's middleware, which sets `htmx` (the type its docs suggest)."""

    htmx: HtmxDetails


def throttled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Limit the form posts that make reports, per client address (FORM_THROTTLE), in the shared
    cache: otherwise one client makes reports as fast as it can post, and the API's per-token
    limit means nothing. Over the limit, a 429 page says when to retry."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            wait = over_limit(f"form:{request.META.get('REMOTE_ADDR', '')}", settings.FORM_THROTTLE)
            if wait is not None:
                limit, period = parse_rate(settings.FORM_THROTTLE)
                context = {"limit": limit, "period": period, "wait": wait}
                response = render(request, "conflicts/throttled.html", context, status=429)
                response["Retry-After"] = str(wait)
                return response
        return view(request, *args, **kwargs)

    return wrapped


@require_http_methods(["GET", "POST"])
@throttled
def home(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SubmitForm(request.POST, request.FILES)
        if form.is_valid():
            report = submit.submit_report(
                form.files_by_name,
                roots=form.roots,
                python_version=form.cleaned_data["python_version"],
                platform=form.cleaned_data["platform"],
                index_name=form.cleaned_data["index"],
                pre=form.cleaned_data["pre"],
                rerun_of=_rerun_of(request),
                options=form.options.to_json(),
            )
            return redirect(report)
        context = {"form": form, "examples": presenters.EXAMPLES, "hints": did_you_mean(request.POST.get("text", ""))}
        return render(request, "conflicts/home.html", context, status=400)
    return render(request, "conflicts/home.html", {"form": _prefilled_form(request), "examples": presenters.EXAMPLES})


_SINGLE_EQUALS = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?)\s*(=|:|=>|=<)\s*(\d[^\s;#]*)\s*$")
_MEANT = {"=": "==", ":": "==", "=>": ">=", "=<": "<="}


def did_you_mean(text: str) -> list[dict[str, Any]]:
    """Lines with a common slip ('django=1.11', 'django=>2') and what was probably meant."""
    hints = []
    for number, line in enumerate(text.splitlines(), 1):
        found = _SINGLE_EQUALS.match(line)
        if found:
            name, operator, version = found.groups()
            hints.append({"line": number, "text": line.strip(), "suggestion": f"{name}{_MEANT[operator]}{version}"})
    return hints


def _rerun_of(request: HttpRequest) -> Report | None:
    original = request.POST.get("rerun_of")
    if not original:
        return None
    try:
        return Report.objects.filter(id=original).first()
    except ValueError:  # not a UUID
        return None


def _prefilled_form(request: HttpRequest) -> SubmitForm:
    example = presenters.EXAMPLES_BY_SLUG.get(request.GET.get("example", ""))
    form = SubmitForm()
    if example:
        form.initial.update(text=example["text"], python_version=example["python_version"])
    return form


def _report(report_id: Any) -> Report:
    try:
        return get_object_or_404(Report, id=report_id)
    except ValueError as error:
        raise Http404("No such report") from error


@require_GET
@vary_on_headers("HX-Request")
def report(request: HtmxHttpRequest, report_id: Any) -> HttpResponse:
    item = _report(report_id)
    context = presenters.report_context(item, focus=request.GET.get("graph", ""))
    context["seen"] = progress_state(item)
    context["run"] = progress_context(item)
    if request.htmx:
        return render(request, "conflicts/partials/report_body.html", context)
    return render(request, "conflicts/report.html", context)


@require_GET
@vary_on_headers("HX-Request")
def progress(request: HtmxHttpRequest, report_id: Any) -> HttpResponse:
    """The polled fragment: progress while running; the finished report, with polling stopped.

    A long poll: given the state the page shows (`seen`), the answer waits until the row moves on,
    up to PROGRESS_WAIT_SECONDS, so the page hears of progress and of the answer within
    PROGRESS_STEP_SECONDS instead of on a polling tick. The wait is bounded because it holds a
    server thread.
    """
    item = _report(report_id)
    if not request.htmx:
        return redirect(item)
    seen = request.GET.get("seen", "")
    deadline = time.monotonic() + PROGRESS_WAIT_SECONDS
    while seen == progress_state(item) and not item.is_finished and time.monotonic() < deadline:
        time.sleep(PROGRESS_STEP_SECONDS)
        try:
            item.refresh_from_db(fields=["status", "progress", "stop_requested"])
        except Report.DoesNotExist as error:  # deleted while the poll waited
            raise Http404("No such report") from error
    if item.is_finished:
        item.refresh_from_db()
        context = presenters.report_context(item, focus="")
        return render(request, "conflicts/partials/report_body.html", context, status=HTMX_STOP_POLLING)
    context = {"report": item, "seen": progress_state(item), "run": progress_context(item)}
    return render(request, "conflicts/partials/progress.html", context)


def progress_state(item: Report) -> str:
    """What the progress fragment shows, in short: the `seen` of its next poll."""
    shown = json.dumps([item.status, item.progress, item.stop_requested], sort_keys=True).encode()
    return hashlib.blake2b(shown, digest_size=8).hexdigest()


@require_POST
def stop(request: HttpRequest, report_id: Any) -> HttpResponse:
    """The Stop button: the worker's analyses end at their next re-resolution and the report
    keeps what they proved. A finished report is left as it is."""
    item = _report(report_id)
    Report.objects.filter(id=item.id, status__in=[Status.QUEUED, Status.RUNNING]).update(stop_requested=True)
    return redirect(item)


@require_GET
@vary_on_headers("HX-Request")
def node(request: HtmxHttpRequest, report_id: Any, name: str) -> HttpResponse:
    """Who requires this package, with which specifier, and what it requires."""
    item = _report(report_id)
    context = presenters.node_context(item, name)
    if context is None:
        raise Http404("No such package in this report")
    template = "conflicts/partials/node.html" if request.htmx else "conflicts/node.html"
    return render(request, template, context)


@require_GET
@vary_on_headers("HX-Request")
def tree(request: HtmxHttpRequest, report_id: Any) -> HttpResponse:
    """The whole dependency tree, fetched when its section is opened (it can be large)."""
    context = presenters.tree_context(_report(report_id))
    template = "conflicts/partials/dependency_tree.html" if request.htmx else "conflicts/tree.html"
    return render(request, template, context)


@require_GET
def graph_svg(request: HttpRequest, report_id: Any) -> HttpResponse:
    item = _report(report_id)
    svg = presenters.graph_svg(item, focus=request.GET.get("graph", ""))
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


def _download(body: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def download(request: HttpRequest, report_id: Any, filename: str) -> HttpResponse:
    item = _report(report_id)
    result = item.result
    if not result:
        raise Http404("This report has no result yet")
    if filename == "report.json":
        return _download(json.dumps(result, indent=2), filename, "application/json")
    if filename == "graph.json":
        return _download(json.dumps(result["graph"], indent=2), filename, "application/json")
    if filename == "graph.graphml":
        return _download(presenters.graphml(item), filename, "application/xml")
    if filename == "graph.dot":
        return _download(presenters.dot_source(item, focus="all"), filename, "text/vnd.graphviz")
    if item.result.get("status") != "resolved":
        raise Http404("Only a resolved report has pinned outputs")
    if filename == "requirements.txt":
        command = "conflict-explorer " + reverse("conflicts:report", args=[item.id])
        return _download(requirements_txt(result, command=command), filename, "text/plain")
    if filename == "requirements.urls":
        return _download(requirements_urls(result), filename, "text/plain")
    raise Http404("No such download")


@require_GET
def status_json(request: HttpRequest, report_id: Any) -> JsonResponse:
    item = _report(report_id)
    return JsonResponse(
        {"id": str(item.id), "status": item.status, "summary": item.summary(), "progress": item.progress}
    )


@require_GET
def rerun(request: HttpRequest, report_id: Any) -> HttpResponse:
    """The home form filled with this report's input, to edit and run as a new linked report."""
    item = _report(report_id)
    form = SubmitForm(
        initial={
            "text": item.files.get("requirements.in", ""),
            "python_version": item.python_version,
            "platform": item.platform,
            "index": item.index_name,
            "pre": item.pre,
            **explanations.options_initial(item),
            "kept_files": json.dumps({k: v for k, v in item.files.items() if k != "requirements.in"}),
        }
    )
    context = {"form": form, "examples": presenters.EXAMPLES, "rerun_of": item}
    return render(request, "conflicts/home.html", context)


def _linked_rerun(item: Report, options: Options, index_name: str | None = None) -> Report:
    """A new report with this one's input and `options`, linked to it (reports never change)."""
    return submit.submit_report(
        item.files,
        roots=item.roots,
        python_version=item.python_version,
        platform=item.platform,
        index_name=index_name or item.index_name,
        pre=item.pre,
        rerun_of=item,
        options=options.to_json(),
    )


@require_POST
@throttled
def rerun_as_of(request: HttpRequest, report_id: Any) -> HttpResponse:
    """Re-run with the index as this report read it: files uploaded after `index_read_at` are ignored."""
    item = _report(report_id)
    read_at = (item.result or {}).get("index_read_at")
    if not read_at:
        return HttpResponseBadRequest("This report did not record when it read the index; it cannot re-run as of then.")
    options = Options.from_json(item.options)
    moment = parse_moment(read_at, "index_read_at")
    good_date = options.good_date if options.good_date and options.good_date < moment.date() else None
    return redirect(_linked_rerun(item, replace(options, exclude_newer=moment, good_date=good_date)))


@require_POST
@throttled
def rerun_on_full_index(request: HttpRequest, report_id: Any) -> HttpResponse:
    """A snapshot answer that rests on what the snapshot lacks: ask an index that holds everything."""
    item = _report(report_id)
    full = presenters.full_index_name()
    if full is None:
        return HttpResponseBadRequest("No index other than the bundled snapshot is configured on this server.")
    return redirect(_linked_rerun(item, Options.from_json(item.options), index_name=full))


@require_POST
@throttled
def what_broke(request: HttpRequest, report_id: Any) -> HttpResponse:
    """Ask which releases broke this input since a day it used to resolve: a new linked report."""
    item = _report(report_id)
    options = Options.from_json(item.options)
    value = request.POST.get("good_date", "").strip()
    try:
        if not value:
            raise OptionsError([Problem("Give a day (YYYY-MM-DD) when this file still resolved.", field="good_date")])
        checked = check_options(
            targets=list(options.targets),
            main_target=(item.python_version, item.platform),
            exclude_newer=options.exclude_newer,
            good_date=parse_day(value, "good_date"),
        )
    except OptionsError as error:
        context = presenters.report_context(item, focus="")
        context["what_broke_error"] = error.problems[0].message
        context["what_broke_value"] = value
        return render(request, "conflicts/report.html", context, status=400)
    return redirect(_linked_rerun(item, checked))
