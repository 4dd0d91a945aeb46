"""`--only-binary`/`--no-binary` as pip reads them: accumulated, `:all:`/`:none:`, per-name rules."""

from __future__ import annotations

import pytest

from resolver.errors import InputError
from resolver.input.formats import FormatControl, FormatError, format_control
from resolver.input.reqfile import FormatOption, Origin, parse


def test_the_default_allows_both_kinds():
    assert FormatControl().excludes("lxml", "sdist") is None
    assert FormatControl().excludes("lxml", "wheel") is None


def test_only_binary_all_leaves_out_sdists_and_says_so():
    control = FormatControl().add("--only-binary", ":all:")
    assert control.excludes("lxml", "wheel") is None
    assert control.excludes("lxml", "sdist") == "sdist excluded by --only-binary :all: (only wheels allowed)"


def test_a_name_beats_all_of_the_other_option():
    control = FormatControl().add("--only-binary", ":all:").add("--no-binary", "Pillow")
    assert control == FormatControl(frozenset({":all:"}), frozenset({"pillow"}))
    assert control.excludes("pillow", "wheel") == "wheel excluded by --no-binary pillow (only sdists allowed)"
    assert control.excludes("pillow", "sdist") is None
    assert control.excludes("lxml", "sdist") is not None


def test_repeated_options_accumulate_and_a_name_moves_between_sets():
    control = FormatControl().add("--no-binary", "a,b").add("--no-binary", "c").add("--only-binary", "b")
    assert control == FormatControl(frozenset({"b"}), frozenset({"a", "c"}))


def test_all_clears_the_other_option_and_none_empties_its_own():
    control = FormatControl().add("--no-binary", "a").add("--only-binary", ":all:")
    assert control == FormatControl(frozenset({":all:"}))
    assert control.add("--only-binary", ":none:") == FormatControl()
    # as pip: names after `:all:` count only when a `:none:` follows it
    assert FormatControl().add("--no-binary", ":all:,x") == FormatControl(no_binary=frozenset({":all:"}))
    assert FormatControl().add("--no-binary", ":all:,:none:,x") == FormatControl(no_binary=frozenset({"x"}))


@pytest.mark.parametrize("value", ["--pre", "lxml==4.9", ":any:", "a,b c"])
def test_bad_values_are_refused(value):
    with pytest.raises(FormatError):
        FormatControl().add("--only-binary", value)


def test_lists_of_values_from_a_request():
    control = format_control(only_binary=[":all:"], no_binary=["a,b"])
    assert control.to_dict() == {"only_binary": [":all:"], "no_binary": ["a", "b"]}


def test_file_lines_are_honoured_after_the_callers_options_and_keep_their_lines():
    files = {"requirements.in": "--only-binary=:all:\nattrs\n--no-binary lxml\nlxml\n"}
    parsed = parse(files, formats=format_control(no_binary=["attrs"]))
    assert parsed.formats == FormatControl(frozenset({":all:"}), frozenset({"lxml"}))
    assert parsed.format_options == [
        FormatOption(Origin("requirements.in", 1), "--only-binary", ":all:"),
        FormatOption(Origin("requirements.in", 3), "--no-binary", "lxml"),
    ]
    assert parsed.ignored_options == []


def test_a_bad_value_in_a_file_is_an_error_of_its_line():
    with pytest.raises(InputError) as caught:
        parse({"requirements.in": "attrs\n--only-binary :all:,lxml>=4\n"})
    (error,) = caught.value.errors
    assert (error.file, error.line, error.code) == ("requirements.in", 2, "bad-format")
    assert "lxml>=4" in error.message
    assert error.text[error.span[0] : error.span[1]] == "lxml>=4"
