"""The OpenAPI document itself."""

from backend.handlers.base import APIHandler


class OpenAPIHandler(APIHandler):
    """The OpenAPI 3.1 description of this API."""

    public = True
    spec = {"get": {"summary": "OpenAPI 3.1 文档", "tags": ["运维"], "responses": {"200": {"description": "OpenAPI 文档"}}}}

    def get(self) -> None:
        self.send_json(self.application.settings["openapi"]())


class TenantHandler(APIHandler):
    """The county's public profile: departments, townships, centres, hotline."""

    public = True
    spec = {"get": {"summary": "县区信息（部门、乡镇、服务中心）", "tags": ["县区"],
                    "responses": {"200": {"description": "县区概况"}, "404": {"description": "未找到县区"}}}}

    async def get(self) -> None:
        from backend.services import tenants

        self.send_json(await tenants.profile(self.svc, self.tenant()))
