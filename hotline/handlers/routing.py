"""Routing and the knowledge base over HTTP: suggestions, search, corrections, retraining."""

from __future__ import annotations

import secrets

from backend.domain.errors import ValidationFailed
from backend.handlers.base import APIHandler
from hotline.handlers import bodies
from hotline.handlers.operations import HOTLINE, MANAGERS, READERS, op, query
from hotline.services import knowledge, routing, tickets


class SuggestHandler(APIHandler):
    """Routing suggestion for a text."""

    ops = {"post": op("智能分派建议（部门、乡镇、事项、类型、置信度、依据）", "建议", HOTLINE, bodies.SuggestBody)}

    async def post(self) -> None:
        self.send_json(await tickets.suggest(self.svc, self.principal["tenant"], self.payload.text))


class KnowledgeHandler(APIHandler):
    """As-you-type knowledge base search."""

    ops = {"get": op("知识库检索（文章与办事指南，最相关在前）", "检索结果", READERS,
                      params=(query("q", "检索词"), query("limit", "条数（默认 10）", "integer")))}

    async def get(self) -> None:
        me = self.principal
        try:
            limit = int(self.get_query_argument("limit", "10"))
        except ValueError:
            raise ValidationFailed("条数应为整数", code="bad_limit") from None
        self.send_json(await knowledge.search(self.svc, me["tenant"], self.get_query_argument("q", ""), limit))


class CorrectionsHandler(APIHandler):
    """An operator's routing correction."""

    ops = {"post": op("人工改派纠正（用于训练分派模型）", "已记录的纠正", HOTLINE, bodies.CorrectionBody, created=True)}

    async def post(self) -> None:
        me, body = self.principal, self.payload
        saved = await routing.record_correction(
            self.svc, me["tenant"], f"manual:{secrets.token_hex(8)}", body.text, body.department,
            township=body.township, ticket_type=body.type, by=me["id"])
        self.send_json(saved, status=201)


class RetrainHandler(APIHandler):
    """Retrain the routing model now."""

    ops = {"post": op("立即重新训练分派模型", "训练结果", MANAGERS)}

    async def post(self) -> None:
        me = self.principal
        self.send_json(await routing.retrain(self.svc, me["tenant"]))
