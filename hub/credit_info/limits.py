"""How long each field of a credit-information item may be — one set of limits for every way in.

The platform exchange (hub.exchange.items) refuses an item whose field is longer than these; an item
that a county's file import or GraphQL accepted with a longer field would be dead-lettered at the city
and missing at the province for good (issue 11 §1). So the exchange, the 双公示 importer and
``submitCreditInformation`` all read these constants, and refuse an over-long field where it enters.
"""

from __future__ import annotations

MAX_NAME = 200  # a subject's, department's, platform's or evaluator's name; an id
MAX_TITLE = 500  # a record's title (违法行为类型, 许可内容's short form…)
MAX_DOCUMENT_NUMBER = 500  # 决定书文号
MAX_TEXT = 20_000  # a record's content (违法事实 and 处罚内容 together), an explanation
MAX_GRADE = 50
