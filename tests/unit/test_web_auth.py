from pathlib import Path

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from agent_softphone.app import ADMIN_USER, AppState, create_app
from guichet.store import open_store


def make_client(tmp_path: Path) -> tuple[TestClient, list[APIRoute]]:
    store = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    app = create_app(AppState(store, "s3cret-generated", {"asterisk": "running"}))
    routes = [r for r in app.routes if isinstance(r, APIRoute)]
    return TestClient(app), routes


def test_every_route_demands_authentication(tmp_path: Path) -> None:
    client, routes = make_client(tmp_path)
    assert routes
    for route in routes:
        for method in route.methods:
            reply = client.request(method, route.path)
            assert reply.status_code == 401, route.path
            assert reply.headers["www-authenticate"].startswith("Basic")
            wrong = client.request(method, route.path, auth=(ADMIN_USER, "guess"))
            assert wrong.status_code == 401, route.path


def test_authenticated_health(tmp_path: Path) -> None:
    client, _ = make_client(tmp_path)
    reply = client.get("/api/health", auth=(ADMIN_USER, "s3cret-generated"))
    assert reply.status_code == 200
    assert reply.json()["asterisk"] == "running"
    assert reply.json()["calls"] == {}
