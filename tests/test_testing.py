"""fakebench.testing itself: the conformance suite third-party plugins reuse."""

import textwrap


def test_a_missing_extra_skips_the_checks_instead_of_breaking_collection(pytester):
    pytester.makepyfile(textwrap.dedent("""
        from fakebench.testing import parametrize_with_checks

        def make():
            import fakebench_no_such_extra  # an optional dependency that is not installed
            return None

        @parametrize_with_checks(make)
        def test_plugin(factory, check):
            check(factory)
    """))
    result = pytester.runpytest("-q", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*needs fakebench_no_such_extra*"])
