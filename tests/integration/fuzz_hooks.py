"""schemathesis hooks for test_fuzz_openapi (loaded through SCHEMATHESIS_HOOKS): the organisation
workbook upload takes raw .xlsx bytes, sent as any binary body is.

Hypothesis names each filter lambda by parsing the source file it comes from; on CPython 3.11.7,
parsing schemathesis's largest module deep in a generator's stack can raise ``SystemError: AST
constructor recursion depth mismatch`` (a CPython bug), which ended a run with a tool error that
says nothing about our server. The name is only for display, so it falls back to ``lambda``."""

import schemathesis
from hypothesis.internal import lambda_sources

schemathesis.serializer.alias("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              "application/octet-stream")

_describe = lambda_sources.lambda_description


def _described_or_plain(f):
    try:
        return _describe(f)
    except (SystemError, RecursionError):
        return "lambda"


lambda_sources.lambda_description = _described_or_plain
