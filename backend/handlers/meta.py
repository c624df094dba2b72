"""The OpenAPI document itself."""

from backend.handlers.base import APIHandler


class OpenAPIHandler(APIHandler):
    """The OpenAPI 3.1 description of this API."""

    public = True
    spec = {"get": {"summary": "OpenAPI 3.1 文档", "tags": ["运维"], "responses": {"200": {"description": "OpenAPI 文档"}}}}

    def get(self) -> None:
        self.send_json(self.application.settings["openapi"]())
