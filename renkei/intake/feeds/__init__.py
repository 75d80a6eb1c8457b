"""Feed importers: third-party lists turned into reports (channel "feed").

Each importer reads one format line by line and hands ReportRecords to the
same batching, experts and services as the exchange-format import, so the
summary, the rejections and "re-importing adds nothing" work the same way.
"""
