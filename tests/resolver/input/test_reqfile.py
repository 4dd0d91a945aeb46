"""The requirements-file parser: pip's syntax in, requirements with their file and line out."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver.errors import InputError, LineError
from resolver.input.reqfile import IgnoredOption, IndexOption, Origin, ParsedInput, parse

HASH_A = "sha256:" + "a" * 64
HASH_B = "sha256:" + "b" * 64


def parse_text(text: str, name: str = "requirements.in") -> ParsedInput:
    return parse({name: text})


def errors_of(files: dict[str, str], roots: list[str] | None = None) -> list[LineError]:
    with pytest.raises(InputError) as raised:
        parse(files, roots)
    return raised.value.errors


def only_error(text: str, name: str = "requirements.in") -> LineError:
    (error,) = errors_of({name: text})
    return error


def requirement_strings(parsed: ParsedInput) -> list[str]:
    return [str(line.requirement) for line in parsed.requirements]


# Plain requirement lines


def test_a_requirement_remembers_its_file_line_and_canonical_name():
    (line,) = parse_text("\n\nDjango_Rest.Framework>=3.14\n").requirements

    assert line.origin == Origin("requirements.in", 3)
    assert str(line.origin) == "requirements.in:3"
    assert line.name == "django-rest-framework"
    assert line.text == "Django_Rest.Framework>=3.14"
    assert (line.is_constraint, line.editable, line.url, line.hashes) == (False, False, None, ())


def test_extras_specifiers_and_markers_are_kept():
    (line,) = parse_text('requests[socks,security] >=2.31, <3 ; python_version >= "3.8"').requirements

    assert line.requirement.extras == {"socks", "security"}
    assert str(line.requirement.specifier) == "<3,>=2.31"
    assert str(line.requirement.marker) == 'python_version >= "3.8"'


def test_comments_and_blank_lines_are_skipped():
    parsed = parse_text("# header\n\n   \nattrs  # why we need it\n\t# indented comment\n")

    assert requirement_strings(parsed) == ["attrs"]
    assert parsed.requirements[0].text == "attrs"


def test_a_hash_sign_inside_a_url_fragment_is_not_a_comment():
    (line,) = parse_text("git+https://host/x.git@v1#egg=xpkg==1.2 # pinned tag").requirements

    assert line.url == "git+https://host/x.git@v1#egg=xpkg==1.2"
    assert str(line.requirement) == "xpkg==1.2"


def test_a_continued_line_has_the_number_of_its_first_physical_line_and_the_joined_text():
    parsed = parse_text("attrs\nrequests \\\n  >=2.31 \\\n  ,<3\nidna\n")

    assert [(line.origin.line, line.text) for line in parsed.requirements] == [
        (1, "attrs"),
        (2, "requests   >=2.31   ,<3"),
        (5, "idna"),
    ]


def test_a_comment_only_line_ends_a_continuation():
    parsed = parse_text("attrs \\\n# a comment\nidna\n")

    assert requirement_strings(parsed) == ["attrs", "idna"]
    assert [line.origin.line for line in parsed.requirements] == [1, 3]


def test_windows_and_old_mac_line_endings_count_lines_as_an_editor_does():
    parsed = parse_text("attrs\r\nidna\rsix\n")

    assert [line.origin.line for line in parsed.requirements] == [1, 2, 3]


def test_a_byte_order_mark_is_not_part_of_the_first_name():
    assert requirement_strings(parse_text("\ufeffattrs\n")) == ["attrs"]


def test_duplicate_requirements_are_all_kept_for_the_resolver_to_merge():
    parsed = parse_text("django>=4\ndjango<5\n")

    assert requirement_strings(parsed) == ["django>=4", "django<5"]


def test_an_empty_mapping_parses_to_nothing():
    assert parse({}) == ParsedInput()


# -r and -c among the given files


def test_dash_r_is_found_beside_the_including_file_first():
    files = {
        "requirements/dev.in": "-r base.txt\npytest\n",
        "requirements/base.txt": "django\n",
        "base.txt": "flask\n",
    }
    parsed = parse(files)

    assert requirement_strings(parsed) == ["django", "pytest"]
    assert parsed.requirements[0].origin == Origin("requirements/base.txt", 1)


def test_dash_r_falls_back_to_the_exact_name_given():
    files = {"requirements/dev.in": "-r requirements/base.txt\n", "requirements/base.txt": "django\n"}

    assert requirement_strings(parse(files)) == ["django"]


def test_dash_r_falls_back_to_a_unique_file_of_that_name():
    files = {"requirements.in": "-r ../../shared/base.txt\n", "uploads/base.txt": "django\n"}

    assert requirement_strings(parse(files)) == ["django"]


def test_long_forms_of_requirement_and_constraint_are_accepted():
    files = {
        "requirements.in": "--requirement=a.txt\n--requirement b.txt\n--constraint=c.txt\n-cd.txt\n",
        "a.txt": "attrs\n",
        "b.txt": "idna\n",
        "c.txt": "attrs<24\n",
        "d.txt": "idna<4\n",
    }
    parsed = parse(files)

    assert requirement_strings(parsed) == ["attrs", "idna"]
    assert [str(line.requirement) for line in parsed.constraints] == ["attrs<24", "idna<4"]


def test_included_requirements_take_the_place_of_the_include_line():
    files = {"requirements.in": "first\n-r middle.txt\nlast\n", "middle.txt": "middle\n"}

    assert requirement_strings(parse(files)) == ["first", "middle", "last"]


def test_constraints_go_to_constraints_marked_as_such():
    files = {"requirements.in": "django\n-c constraints.txt\n", "constraints.txt": "django<5\n"}
    parsed = parse(files)

    assert requirement_strings(parsed) == ["django"]
    (constraint,) = parsed.constraints
    assert constraint.is_constraint
    assert constraint.origin == Origin("constraints.txt", 1)
    assert str(constraint.requirement) == "django<5"


def test_dash_r_inside_a_constraints_file_adds_requirements_as_pip_does():
    files = {"requirements.in": "-c c.txt\n", "c.txt": "-r more.txt\n", "more.txt": "attrs\n"}
    parsed = parse(files)

    assert requirement_strings(parsed) == ["attrs"]
    assert parsed.constraints == []


def test_a_file_included_twice_is_parsed_once():
    files = {
        "requirements.in": "-r base.txt\n-r base.txt\n-r other.txt\n",
        "other.txt": "-r base.txt\n",
        "base.txt": "a\n",
    }

    assert requirement_strings(parse(files)) == ["a"]


def test_a_cycle_of_includes_ends():
    files = {"a.in": "-r b.in\nfrom-a\n", "b.in": "-r a.in\nfrom-b\n"}

    assert requirement_strings(parse(files)) == ["from-b", "from-a"]


def test_files_lists_every_file_read_and_only_those():
    files = {"requirements.in": "-r base.txt\n", "base.txt": "attrs\n", "unused.txt": "idna\n"}

    assert parse(files).files == {"requirements.in": "-r base.txt\n", "base.txt": "attrs\n"}


def test_roots_choose_the_top_level_files():
    files = {"unused.in": "idna\n", "a.in": "attrs\n", "b.in": "six\n"}

    assert requirement_strings(parse(files, roots=["a.in", "b.in"])) == ["attrs", "six"]


def test_a_missing_include_is_an_error_naming_the_line():
    (error,) = errors_of({"requirements.in": "django==4.2\n-r base.txt\n"})

    assert error.code == "missing-file"
    assert error.render() == (
        "requirements.in:2: -r base.txt: no file named 'base.txt' was given; upload it too "
        "(given: requirements.in)\n"
        "    -r base.txt\n"
        "       ^~~~~~~~"
    )


def test_an_ambiguous_file_name_is_an_error_listing_the_candidates():
    (error,) = errors_of({"requirements.in": "-r base.txt\n", "a/base.txt": "", "b/base.txt": ""})

    assert "ambiguous" in error.message
    assert "a/base.txt, b/base.txt" in error.message


def test_an_include_by_url_is_never_fetched():
    error = only_error("-r https://example.org/requirements.txt\n")

    assert error.message == "-r https://example.org/requirements.txt: files are never fetched; upload it instead"


def test_a_root_that_was_not_given_is_an_error():
    (error,) = errors_of({"a.in": "attrs\n"}, roots=["b.in"])

    assert (error.file, error.line) == ("b.in", 1)
    assert error.message == "no file named 'b.in' was given (given: a.in)"


# Constraints follow pip's rules


def test_a_constraint_with_extras_is_an_error_pointing_at_them():
    (error,) = errors_of({"requirements.in": "-c c.txt\n", "c.txt": "requests[socks]<3\n"})

    assert error.code == "bad-constraint"
    assert error.render() == (
        "c.txt:1: a constraint cannot have extras (pip refuses them): constrain the plain name, "
        "e.g. `name<2`, and ask for the extra in a requirement\n"
        "    requests[socks]<3\n"
        "            ^~~~~~~"
    )


def test_a_constraint_without_a_version_specifier_is_accepted_as_pip_does():
    parsed = parse({"requirements.in": "-c c.txt\n", "c.txt": "django\n"})

    assert [str(c.requirement) for c in parsed.constraints] == ["django"]


def test_an_editable_constraint_is_an_error():
    (error,) = errors_of({"requirements.in": "-c c.txt\n", "c.txt": "-e git+https://h/x.git#egg=x==1.0\n"})

    assert error.message == "an editable requirement cannot be a constraint (pip refuses it too)"


def test_a_url_constraint_constrains_to_the_version_it_declares():
    parsed = parse({"requirements.in": "-c c.txt\n", "c.txt": "x @ https://h/x-1.0-py3-none-any.whl\n"})

    assert [str(line.requirement) for line in parsed.constraints] == ["x==1.0"]


# --hash


def test_hashes_are_kept_and_left_out_of_the_requirement():
    (line,) = parse_text(f"attrs==23.2.0 --hash={HASH_A} --hash {HASH_B}\n").requirements

    assert str(line.requirement) == "attrs==23.2.0"
    assert line.hashes == (HASH_A, HASH_B)


def test_hashes_on_continuation_lines_are_all_kept():
    text = f"attrs==23.2.0 \\\n    --hash={HASH_A} \\\n    --hash={HASH_B}\nidna\n"
    parsed = parse_text(text)

    assert parsed.requirements[0].hashes == (HASH_A, HASH_B)
    assert [line.origin.line for line in parsed.requirements] == [1, 4]


def test_a_hash_with_an_algorithm_pip_refuses_is_an_error_at_the_value():
    error = only_error("attrs==23.2.0 --hash=md5:abc\n")

    assert error.code == "bad-hash"
    assert error.render().endswith("    attrs==23.2.0 --hash=md5:abc\n                         ^~~~~~~")


def test_a_hash_on_a_line_of_its_own_is_an_error():
    error = only_error(f"attrs==23.2.0\n--hash={HASH_A}\n")

    assert (error.line, error.message) == (2, "--hash goes after the requirement it applies to")


# URL, VCS and editable requirements: the version they declare, never fetched


@pytest.mark.parametrize(
    ("line", "requirement", "url"),
    [
        ("git+https://h/x.git@v1#egg=xpkg==1.2", "xpkg==1.2", "git+https://h/x.git@v1#egg=xpkg==1.2"),
        ("hg+https://h/x#egg=x_pkg[cli]==2.0", "x_pkg[cli]==2.0", "hg+https://h/x#egg=x_pkg[cli]==2.0"),
        ("git+ssh://git@h/x.git#subdirectory=sub&egg=xpkg==1.2", "xpkg==1.2", None),
        ("xpkg @ git+https://h/x.git@v1#egg=xpkg==1.2", "xpkg==1.2", "git+https://h/x.git@v1#egg=xpkg==1.2"),
        ("name @ https://h/name-1.2-py3-none-any.whl", "name==1.2", "https://h/name-1.2-py3-none-any.whl"),
        ("name[extra] @ https://h/name-1.2.tar.gz", "name[extra]==1.2", "https://h/name-1.2.tar.gz"),
        ("https://h/Foo_Bar-2.0.tar.gz", "foo-bar==2.0", "https://h/Foo_Bar-2.0.tar.gz"),
        ("https://h/foo-1.0%2Blocal-py3-none-any.whl", "foo==1.0+local", None),
        ("name==1.2 @ https://h/archive/main.zip", "name==1.2", "https://h/archive/main.zip"),
        ("https://h/archive/main.zip#egg=name==1.2", "name==1.2", None),
    ],
)
def test_a_url_requirement_is_the_name_and_version_it_declares(line, requirement, url):
    (parsed,) = parse_text(line + "\n").requirements

    assert str(parsed.requirement) == requirement
    assert parsed.url == (url or line)
    assert not parsed.editable


def test_an_editable_vcs_url_is_marked_editable():
    (line,) = parse_text("-e git+https://h/y.git@main#egg=ypkg==2.0\n").requirements

    assert line.editable
    assert (line.name, str(line.requirement)) == ("ypkg", "ypkg==2.0")
    assert line.url == "git+https://h/y.git@main#egg=ypkg==2.0"
    assert line.text == "-e git+https://h/y.git@main#egg=ypkg==2.0"


@pytest.mark.parametrize(
    "line",
    [
        "name @ https://h/name-1.2.tar.gz ; sys_platform == 'linux'",
        "https://h/name-1.2.tar.gz ; sys_platform == 'linux'",
        "name==1.2 @ https://h/main.zip ; sys_platform == 'linux'",
    ],
)
def test_a_url_requirement_keeps_its_marker(line):
    (parsed,) = parse_text(line).requirements

    assert str(parsed.requirement) == 'name==1.2; sys_platform == "linux"'
    assert parsed.url is not None
    assert ";" not in parsed.url


def test_a_url_requirement_without_a_version_is_an_error_that_says_so():
    error = only_error("git+https://host/repo.git@v1#egg=name\n")

    assert error.code == "url-without-version"
    assert error.render() == (
        "requirements.in:1: URL requirement without a version: write `#egg=name==X.Y` so the resolver "
        "knows which version it is (the wheels proxy rejects this with 'Bad Request')\n"
        "    git+https://host/repo.git@v1#egg=name\n"
        "    ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
    )


@pytest.mark.parametrize(
    "line",
    [
        "mypkg @ git+https://host/repo.git@v1.2",
        "-e git+https://host/repo.git#egg=mypkg",
        "mypkg @ https://host/archive/main.zip",
    ],
)
def test_a_named_url_without_a_version_is_an_error_naming_the_project(line):
    error = only_error(line)

    assert error.code == "url-without-version"
    assert "write `#egg=mypkg==X.Y`" in error.message


@pytest.mark.parametrize(
    ("line", "span"),
    [
        ("./localdir", (0, 10)),
        ("/abs/path/pkg", (0, 13)),
        ("-e ./localdir", (3, 13)),
        ("-e .", (3, 4)),
        ("sub/dir", (0, 7)),
        ("name @ file:///tmp/name-1.0.tar.gz", (7, 34)),
        ("file:///tmp/name-1.0-py3-none-any.whl", (0, 37)),
        ("name-1.0.tar.gz", (0, 15)),
    ],
)
def test_a_local_path_is_an_error(line, span):
    error = only_error(line)

    assert error.code == "local-path"
    assert error.message.startswith("local paths cannot be resolved here: ")
    assert "pin the version it holds (`name==X.Y`)" in error.message
    assert error.span == span


def test_an_editable_plain_url_is_an_error_asking_for_a_vcs_url():
    error = only_error("-e https://h/x-1.0.tar.gz\n")

    assert error.message == "-e takes a VCS URL such as `git+https://host/repo.git@v1#egg=name==1.2`"


def test_an_egg_naming_another_project_is_an_error():
    error = only_error("name @ git+https://h/x.git#egg=other==1.0\n")

    assert error.message == "#egg names other but the line names name"
    assert error.text[error.span[0] : error.span[1]] == "other==1.0"


def test_a_wheel_of_another_project_is_an_error():
    error = only_error("name @ https://h/other-1.0-py3-none-any.whl\n")

    assert error.message == "other-1.0-py3-none-any.whl is not a file of name"


def test_a_range_before_a_url_is_an_error():
    error = only_error("name>=1.2 @ https://h/main.zip\n")

    assert error.message == "before `@ url` only `name==version` can be given, the version the URL holds"
    assert error.span == (0, 9)


# Options


def test_index_options_are_recorded_in_their_long_form():
    parsed = parse_text(
        "-i https://pypi.example/simple\n"
        "--extra-index-url=https://extra.example/simple\n"
        "-f https://links.example/\n"
        "--no-index\n"
    )

    assert parsed.index_options == [
        IndexOption(Origin("requirements.in", 1), "--index-url", "https://pypi.example/simple"),
        IndexOption(Origin("requirements.in", 2), "--extra-index-url", "https://extra.example/simple"),
        IndexOption(Origin("requirements.in", 3), "--find-links", "https://links.example/"),
        IndexOption(Origin("requirements.in", 4), "--no-index", None),
    ]


def test_quoted_option_values_are_unquoted():
    parsed = parse_text('--index-url "https://pypi.example/simple"\n')

    assert parsed.index_options[0].value == "https://pypi.example/simple"


def test_several_options_may_share_a_line():
    parsed = parse_text("--pre --index-url https://a.example/simple --trusted-host a.example\n")

    assert parsed.pre
    assert [option.option for option in parsed.index_options] == ["--index-url"]
    assert [option.option for option in parsed.ignored_options] == ["--trusted-host"]


def test_pre_is_off_unless_a_line_asks_for_it():
    assert not parse_text("attrs\n").pre
    assert parse_text("--pre\nattrs\n").pre


def test_harmless_options_are_accepted_and_listed_as_ignored_with_a_reason():
    parsed = parse_text(
        "--trusted-host h.example\n--prefer-binary\n--only-binary=:all:\n--no-binary lxml\n"
        "--require-hashes\n--use-feature=truststore\nattrs -C key=value\n"
    )

    assert [(option.option, option.value) for option in parsed.ignored_options] == [
        ("--trusted-host", "h.example"),
        ("--prefer-binary", None),
        ("--require-hashes", None),
        ("--use-feature", "truststore"),
        ("--config-settings", "key=value"),
    ]
    assert all(isinstance(option, IgnoredOption) and option.reason for option in parsed.ignored_options)
    assert requirement_strings(parsed) == ["attrs"]


def test_no_deps_is_refused_rather_than_silently_ignored():
    error = only_error("--no-deps\n")

    assert error.message.startswith("--no-deps is not allowed in a requirements file")


def test_an_unknown_option_is_named_and_the_accepted_ones_listed():
    error = only_error("--foo bar\n")

    assert error.code == "unknown-option"
    assert error.message.startswith("unknown option --foo; accepted options: -r/--requirement, -c/--constraint")
    assert "--hash, -C/--config-settings after a requirement" in error.message
    assert error.span == (0, 5)


def test_an_option_without_its_value_is_an_error():
    assert only_error("--index-url\n").message == "--index-url needs a value"


def test_a_flag_with_a_value_is_an_error():
    assert only_error("--pre=yes\n").message == "--pre takes no value"


def test_an_index_option_after_a_requirement_is_an_error():
    error = only_error("attrs --index-url https://h/simple\n")

    assert error.message == "--index-url must be on a line of its own, not after a requirement"
    assert error.span == (6, 34)


def test_an_unterminated_quote_is_an_error():
    error = only_error("-r 'base.txt\n")

    assert error.message == "unterminated quote ': close it or remove it"


# ${VAR}: never expanded from the server's environment


def test_an_environment_variable_in_a_requirement_is_an_error_at_the_variable():
    error = only_error("django==${DJANGO_VERSION}\n")

    assert error.code == "env-var"
    assert error.render() == (
        "requirements.in:1: environment variable ${DJANGO_VERSION} is not expanded here "
        "(the server does not have yours): write its value instead\n"
        "    django==${DJANGO_VERSION}\n"
        "            ^~~~~~~~~~~~~~~~~"
    )


def test_an_environment_variable_in_an_include_is_an_error():
    error = only_error("-r ${DIR}/base.txt\n")

    assert (error.code, error.span) == ("env-var", (3, 9))


def test_an_environment_variable_in_a_url_is_kept_since_urls_are_never_fetched():
    (line,) = parse_text("git+https://${TOKEN}@h/x.git#egg=xpkg==1.0\n").requirements

    assert line.url == "git+https://${TOKEN}@h/x.git#egg=xpkg==1.0"


def test_an_environment_variable_in_an_index_url_is_kept_as_written():
    parsed = parse_text("--extra-index-url https://${TOKEN}@h/simple\n")

    assert parsed.index_options[0].value == "https://${TOKEN}@h/simple"


# Bad lines: where, what, and all at once


def test_an_invalid_requirement_points_where_packaging_points():
    error = only_error("attrs\nfoo==\n")

    assert error.render() == (
        "requirements.in:2: invalid requirement: Expected semicolon (after name with no version specifier) "
        'or end (a requirement looks like `name[extra]>=1.0,<2; python_version >= "3.9"`)\n'
        "    foo==\n"
        "       ^"
    )


def test_packaging_ranges_become_the_span():
    error = only_error("foo>=1.0 bar\n")

    assert error.text[error.span[0] : error.span[1]] == ">=1.0 b"


def test_a_bad_marker_after_a_url_points_into_the_marker():
    error = only_error("https://h/name-1.0.tar.gz ; python_version > 'x' and\n")

    assert error.message.startswith("invalid environment marker: Expected a marker variable or quoted string")
    assert error.span == (52, 52)
    assert error.render().endswith("\n" + " " * 56 + "^")


def test_a_span_past_the_end_of_the_line_is_kept_within_it():
    error = only_error("name @\n")

    assert error.message.startswith("invalid requirement: Expected URL after @")
    assert error.span == (6, 6)


def test_every_bad_line_of_every_file_is_reported_at_once_in_file_order():
    files = {
        "requirements.in": "ok\nfoo==\n-r base.txt\n--foo\n-r missing.txt\n",
        "base.txt": "bar>=\n\nfine\n./local\n",
    }
    errors = errors_of(files)

    assert [(error.file, error.line) for error in errors] == [
        ("requirements.in", 2),
        ("requirements.in", 4),
        ("requirements.in", 5),
        ("base.txt", 1),
        ("base.txt", 4),
    ]


def test_the_input_error_renders_every_line_error():
    with pytest.raises(InputError) as raised:
        parse({"r.in": "--foo\n--bar\n"})

    assert raised.value.message == "2 bad lines in the requirements"
    assert str(raised.value).count("r.in:") == 2


def test_a_file_with_nul_bytes_is_one_error_at_the_first_nul():
    (error,) = errors_of({"r.in": "attrs\nab\x00cd\x00\nmore\x00\n"})

    assert (error.code, error.line, error.span) == ("binary", 2, (2, 3))
    assert error.text == "ab\u2400cd\u2400"


def test_an_absurdly_long_line_is_an_error_with_a_shortened_text():
    error = only_error("attrs\n" + "x" * 20_000 + "\n")

    assert (error.code, error.line) == ("too-long", 2)
    assert error.message == "line of 20,000 characters; the limit is 10,000"
    assert len(error.text) < 200


def test_a_deeply_nested_marker_is_an_error_not_a_crash():
    error = only_error("foo; " + "(" * 3000 + "python_version < '3'" + ")" * 3000)

    assert error.message == "too deeply nested to be read"


# Whatever the text: only InputError, and every error names a line

_CHARS = "abcxyz019 \t\n\r\\#@;:=<>!~,.[]()'\"-+/_${}%&*\x00"
_PIECES = ["-r ", "-c ", "-e ", "--hash=", "sha256:", "git+https://h/", "==1.0", " @ ", "#egg=", ".whl", "\\\n"]
_INCLUDES = ["-r base.txt\n", "-c c.txt\n", "-r sub/base.txt\n", "-r requirements.in\n"]
_ALPHABET = st.sampled_from([*_CHARS, *_PIECES, *_INCLUDES])
_TEXTS = st.lists(_ALPHABET, max_size=60).map("".join)
# CI's fuzzing step sets FUZZ_EXAMPLES=10000 for each of the two tests below; the plain run stays fast.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 0)


@settings(max_examples=FUZZ_EXAMPLES or 500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(main=_TEXTS, other=_TEXTS, name=st.sampled_from(["base.txt", "c.txt", "sub/base.txt"]))
def test_any_text_parses_or_raises_only_input_error_naming_lines(main, other, name):
    files = {"requirements.in": main, name: other}
    try:
        parsed = parse(files)
    except InputError as error:
        assert error.errors
        for line_error in error.errors:
            assert line_error.file in files
            assert line_error.line >= 1
            assert line_error.message
            start, end = line_error.span
            assert 0 <= start <= end <= len(line_error.text)
    else:
        assert set(parsed.files) <= set(files)
        for line in parsed.requirements + parsed.constraints:
            assert line.origin.file in files
            assert line.origin.line >= 1


@settings(max_examples=FUZZ_EXAMPLES or 300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200))
def test_any_unicode_text_raises_only_input_error(text):
    try:
        parse({"requirements.in": text})
    except InputError as error:
        assert error.errors
        for line_error in error.errors:
            assert (line_error.file, line_error.line >= 1, bool(line_error.message)) == ("requirements.in", True, True)
