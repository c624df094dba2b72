"""The OpenAPI document itself."""

from backend.handlers.base import APIHandler
from backend.handlers.operations import PUBLIC, Op


class OpenAPIHandler(APIHandler):
    """The OpenAPI 3.1 description of this API."""

    ops = {"get": Op("OpenAPI 3.1 文档", ("运维",), PUBLIC, answers={200: "OpenAPI 文档"})}

    def get(self) -> None:
        self.send_json(self.application.settings["openapi"]())


class TenantHandler(APIHandler):
    """The county's public profile: departments, townships, centres, hotline."""

    ops = {"get": Op("县区信息（部门、乡镇、服务中心）", ("县区",), PUBLIC, answers={200: "县区概况"}, errors=(404,),
                     parameters=({"name": "tenant", "in": "query", "required": False, "schema": {"type": "string"},
                                  "description": "县区代码，缺省为默认县区"},))}

    async def get(self) -> None:
        from backend.services import tenants

        self.send_json(await tenants.profile(self.svc, self.tenant()))
