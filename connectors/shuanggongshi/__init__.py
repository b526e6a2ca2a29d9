"""双公示 — importing the administrative licence and penalty files departments report (SPEC §2.4).

"双公示" is the public disclosure of 行政许可 (licences) and 行政处罚 (penalties) within 7 working days
of the decision. Departments and lower platforms that only exchange files send them as spreadsheets
whose header row uses the national data standard's column names; this package reads such a file
(CSV in UTF-8 or GB18030, or XLSX), checks every row, maps the good ones to hub records, and
measures each department's 合规率 and 及时率 (seed 004 §一.(二): both 100 %)::

    result = read_file("penalties.xlsx", source_platform="郏县信用平台", received_on=date(2026, 3, 2))
    await ingest.upsert_records(gateway, result.records)   # in the composition root
    report = error_report_csv(result)                      # back to the department

Sources, and what could and could not be checked (November 2026):

- **The columns** are those of the national 双公示 data standard that the 全国信用信息共享平台 and the
  provincial platforms collect by — its 2021 revision, as circulated to departments with the
  platforms' templates (cited on some platforms as the 行政许可、行政处罚等信用信息数据归集标准). Checked:
  the column names, the current numbering of 行政相对人代码_1…_6, the 证件类型 values and the 许可类别
  rule ("填写普通、特许、认可、核准、登记或其他，如为“其他”，需注明具体类别") against several provincial
  platforms' public implementations (table definitions, export templates, interface field notes),
  which agree with SPEC §2.4. NOT verified: the standard's official title, issuer (presumably the
  国家公共信用信息中心), number and date — the official text was not found — nor its exact list of
  必填 items; ``columns.Layout.required_values`` is the hub's reading, kept conservative.
- **处罚类别** values are the kinds of penalty in 《中华人民共和国行政处罚法》（2021年修订）第九条 (警告、
  通报批评; 罚款、没收违法所得、没收非法财物; 暂扣许可证件、降低资质等级、吊销许可证件; 限制开展生产经营
  活动、责令停产停业、责令关闭、限制从业; 行政拘留; 其他), checked against a published copy of the
  article. Whether the data standard lists exactly these words was not verified.
- **7 working days**: seed 004 §一.(二), and 发改办财金〔2018〕424号 (国家发展改革委办公厅关于进一步完善
  行政许可和行政处罚等信用信息公示工作的指导意见: "自作出行政决定之日起7个工作日内上网公开"),
  checked against a published copy of its preamble.
- **Severity** has no column in the standard: the default in ``mapping.penalty_severity`` is the
  hub's rule, not the standard's.

Modules: ``reader`` (bytes → rows), ``columns`` (header layouts), ``fields`` (cells),
``rows`` (per-row rules), ``mapping`` (record rows, severity, ids), ``timeliness`` (rates),
``importer`` (the whole file), ``result`` (what comes back).
"""

from connectors.shuanggongshi.importer import error_report_csv, read_file
from connectors.shuanggongshi.mapping import penalty_severity, record_id
from connectors.shuanggongshi.result import DepartmentStats, ImportResult, RowError, ShuanggongshiFileError

__all__ = [
    "DepartmentStats",
    "ImportResult",
    "RowError",
    "ShuanggongshiFileError",
    "error_report_csv",
    "penalty_severity",
    "read_file",
    "record_id",
]
