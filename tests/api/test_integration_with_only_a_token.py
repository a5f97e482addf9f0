"""Issue 7's "done when": a script holding only a token and the OpenAPI document (it finds
every path there by operationId) reserves, fulfils and releases stock for an order, runs a
transfer end to end and reads the movement history."""

from tests.api.conftest import Api


class Script:
    def __init__(self, client, token):
        self.http = Api(client, token)
        self.doc = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {token}"}).get_json()
        self.routes = {
            op["operationId"]: (method, path)
            for path, methods in self.doc["paths"].items()
            for method, op in methods.items()
        }

    def call(self, operation_id, body=None, expect=(200, 201), **params):
        method, path = self.routes[operation_id]
        path = path.format(**{k: params.pop(k) for k in list(params) if "{" + k + "}" in path})
        response = (
            self.http.get(path, **params) if method == "get" else getattr(self.http, method)(path, body)
        )
        assert response.status_code in expect, response.get_json()
        return response.get_json()


def test_an_integration_with_only_a_token_and_the_document(client, token_for, stocked):
    script = Script(client, token_for("supervisor"))
    order = {"reference_type": "order", "reference_id": "ord-42"}

    reserved = script.call(
        "reservations_reserve", {"sku": "BOLT-M8", "location": "warehouse-main", "quantity": 5, **order}
    )
    assert sum(r["quantity_open"] for r in reserved["reservations"]) == 5
    script.call("reservations_fulfill", {**order, "quantity": 3})
    released = script.call("reservations_release", order)
    assert all(r["status"] != "active" for r in released["reservations"])
    sold = script.call("stock_movements", reference="order:ord-42", type="fulfill")
    assert [m["quantity"] for m in sold["data"]] == [-3]

    transfer = script.call(
        "transfers_create_transfer",
        {
            "from_location": "warehouse-main",
            "to_location": "service-north",
            "lines": [{"sku": "BOLT-M8", "quantity": 4}],
        },
    )
    for status in ("approved", "in_transit", "received", "completed"):
        transfer = script.call("transfers_change_transfer", {"status": status}, transfer_id=transfer["id"])
        assert transfer["status"] == status
    history = script.call("stock_movements", reference=f"transfer:{transfer['number']}", limit=100)
    assert sorted({m["type"] for m in history["data"]}) == ["reserve", "transfer_in", "transfer_out"]
    arrived = script.call("stock_sku_stock", sku="BOLT-M8")
    north = next(l for l in arrived["by_location"] if l["location"] == "service-north")
    assert north["on_hand"] == 9  # 5 before + 4 arrived in the receiving bin
    assert arrived["totals"]["on_hand"] == 42  # 45 - 3 sold
