"""schemathesis hooks for test_fuzz_openapi (loaded through SCHEMATHESIS_HOOKS): the organisation
workbook upload takes raw .xlsx bytes, sent as any binary body is."""

import schemathesis

schemathesis.serializer.alias("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              "application/octet-stream")
