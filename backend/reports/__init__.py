"""Generated documents of the power list (权力清单文书): 办事指南, 业务手册, 时限压缩报告.

HTML renderers live in ``backend.reports.guide`` (standard library + tornado.template),
PDF renderers in ``backend.reports.pdf`` (reportlab), SVG charts and the flowchart in
``backend.reports.charts`` and ``backend.reports.flowchart``. All are pure: data in, text or bytes out.
"""
