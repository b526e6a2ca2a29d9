"""What a clerk reads, in Chinese: one sentence per error code, sent beside the English message.

Every error a caller gets carries ``extensions.code`` and the English ``message`` (which names the field and the
rule, and stays English for logs); ``extensions.messageZh`` is this table's sentence for its code, so a console,
a bank's client or a clerk's screen shows Chinese without a table of its own. One table, keyed by code, for
every door (schema/errors.py, hub/web/graphql_http.py); docs/errors.md prints it, and tests/test_messages_zh.py
fails when a documented code has no sentence here.
"""

from __future__ import annotations

MESSAGE_ZH: dict[str, str] = {
    "INTERNAL_ERROR": "平台内部发生意外错误，已记录编号，请联系平台运维人员。",
    "BAD_USER_INPUT": "输入不符合规则：请按英文提示中指出的字段和规则更正后重试。",
    "BATCH_REFUSED": "平台间交换的数据批次签名无法验证，或并非发往本平台，已拒收。",
    "BUSY": "平台当前繁忙，请按 retryAfter 所示秒数后重试。",
    "TOO_MANY_REQUESTS": "本单位（或本地址）请求过于频繁，请按 retryAfter 所示秒数后重试。",
    "CONFIGURATION_ERROR": "平台的配置项或数据文件有误，请联系平台运维人员。",
    "CONFLICT": "该事项当前状态不允许此操作（例如已作出决定或已完成抽取）。",
    "DATABASE_UNAVAILABLE": "数据库暂时无法访问，未读取也未写入任何数据，请稍后重试。",
    "DEADLINE_EXCEEDED": "请求处理超时已被中止，请减少查询的条目或字段后重试。",
    "FORBIDDEN": "无权查看或办理此项：超出本账号的公开层级、角色或所属部门的权限。",
    "TRUSTED_DOCUMENT_REQUIRED": "银行账号只能调用平台备案的查询文档，请按文档编号（documentId）发送请求。",
    "NOT_FOUND": "所指定的主体、记录、计划、抽取、异议或申请不存在。",
    "PEER_ERROR": "对接的其他信用平台返回了错误。",
    "PEER_REFUSED": "对接的其他信用平台拒绝了请求，重试无效。",
    "PEER_UNAVAILABLE": "多次重试后仍无法连接对接的其他信用平台。",
    "QUERY_TOO_COSTLY": "查询过于复杂或返回条目过多，超出平台限额，请减少条目（first）或字段。",
    "TRANSACTION_TOO_LARGE": "单次写入的数据量超出数据库内存限额，未写入任何数据，请分批提交。",
    "UNAUTHENTICATED": "身份令牌无效：缺失、伪造、被篡改、已过期或已被吊销，请重新获取令牌。",
    "NEO4J_SERVER_ERROR": "本地数据库服务无法下载、启动或停止。",
    "BAD_REQUEST": "HTTP 请求不是有效的 GraphQL 请求（例如不是 JSON，或缺少查询）。",
    "METHOD_NOT_ALLOWED": "变更操作必须使用 POST 方法提交。",
    "NOT_ACCEPTABLE": "请求要求的响应格式平台无法提供，请接受 application/json。",
    "PAYLOAD_TOO_LARGE": "请求内容超过平台对该调用方允许的大小。",
    "PERSISTED_QUERY_NOT_FOUND": "平台没有该编号的备案查询文档，请核对 documentId。",
    "REQUEST_TIMEOUT": "请求内容未能在时限内送达平台。",
    "UNSUPPORTED_MEDIA_TYPE": "POST 请求的内容类型必须声明为 application/json。",
    "GRAPHQL_PARSE_FAILED": "查询语句存在语法错误，请按提示的行号和列号更正。",
    "GRAPHQL_VALIDATION_FAILED": "查询引用了本账号不可用的字段或参数，或超出查询限制。",
}

_UNLISTED = "请求未能完成，请参阅英文提示。"


def message_zh(code: str) -> str:
    """The Chinese sentence for ``code`` (a code missing from the table still answers, with a general one)."""
    return MESSAGE_ZH.get(code, _UNLISTED)
