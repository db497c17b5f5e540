"""A scim2-client engine on `requests` (scim2-client's own network engine needs httpx2, which
the project does not install): the client scim2-tester drives against a live server."""

from __future__ import annotations

from typing import Any

import requests
from scim2_client import BaseSyncSCIMClient
from scim2_client.errors import RequestNetworkException


class RequestsSCIMClient(BaseSyncSCIMClient):
    def __init__(self, base_url: str, token: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def _url(self, endpoint: str) -> str:
        if endpoint.startswith(("http://", "https://")):
            return endpoint
        return f"{self.base_url}/{endpoint.lstrip('/')}"

    def _stays_under_base_url(self, endpoint: str) -> bool:
        url = self._url(endpoint)
        return url == self.base_url or url.startswith(self.base_url + "/")

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, self._url(url), timeout=60, **kwargs)
        except requests.RequestException as error:
            raise RequestNetworkException() from error
